/**
 * The API checks' lifecycle table against a real kube-apiserver (the local fleet's): what the table calls
 * removed by that version is not served, every replacement it names is, and the opt-in entries are off.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiLifecycles, defaultKubernetesVersion, parseKubernetesVersion } from "../src/policy/index.ts";
import { useFleet } from "./support/fleet.ts";

const fleet = useFleet(1);

type Discovery = { resources: { kind: string; name: string }[] };

/** apiVersion → kinds the apiserver serves (top-level resources only), from discovery. */
async function servedKinds(): Promise<Map<string, Set<string>>> {
  const client = fleet().clusters[0]!.client();
  const { groups } = await client.request<{ groups: { versions: { groupVersion: string }[] }[] }>("GET", "/apis");
  const served = new Map<string, Set<string>>();
  for (const groupVersion of groups.flatMap((g) => g.versions.map((v) => v.groupVersion))) {
    const { resources } = await client.request<Discovery>("GET", `/apis/${groupVersion}`);
    served.set(groupVersion, new Set(resources.filter((r) => !r.name.includes("/")).map((r) => r.kind)));
  }
  return served;
}

describe("API lifecycle table against kube-apiserver", () => {
  it("runs the default target version, serves nothing the table calls removed, and every replacement", async () => {
    const client = fleet().clusters[0]!.client();
    const { gitVersion } = await client.request<{ gitVersion: string }>("GET", "/version");
    const version = parseKubernetesVersion(gitVersion);
    assert.deepEqual(version, parseKubernetesVersion(defaultKubernetesVersion), gitVersion);
    const minor = version![1];
    const served = await servedKinds();
    const serves = (apiVersion: string, kind: string): boolean => served.get(apiVersion)?.has(kind) ?? false;

    const removed = apiLifecycles.filter((l) => l.removed <= minor);
    assert.ok(removed.length > 40, "most of the table is removed by now");
    assert.deepEqual(
      removed.filter((l) => serves(l.apiVersion, l.kind)).map((l) => `${l.apiVersion} ${l.kind}`),
      [],
      "served although the table says removed",
    );
    const current = apiLifecycles.filter((l) => l.removed > minor);
    assert.deepEqual(
      current.filter((l) => serves(l.apiVersion, l.kind) === Boolean(l.optIn)).map((l) => `${l.apiVersion} ${l.kind}`),
      [],
      "opt-in entries must be off by default, the others on",
    );
    const replacements = apiLifecycles.filter((l) => l.replacementSince !== undefined && l.replacementSince <= minor);
    assert.deepEqual(
      replacements.filter((l) => !serves(l.replacement, l.kind)).map((l) => `${l.replacement} ${l.kind}`),
      [],
      "replacement not served",
    );
    assert.ok(serves("apps/v1", "Deployment"), "discovery is read");
  });
});
