/** kaika's generated CRDs on a real apiserver: accepted, defaulted, validated, printed by kubectl. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { kaikaCrds } from "../src/api/crds.ts";
import { KubeApi } from "../src/kube/api.ts";
import { InvalidError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { useFleet } from "./support/fleet.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const run = promisify(execFile);
const Sync = gvk("kaika.dev/v1alpha1", "Sync");
let api: KubeApi;

describe("kaika CRDs", () => {
  before(async () => {
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    for (const crd of kaikaCrds()) await api.apply(crd, { fieldManager: "kaika" });
    await eventually(
      "Sync served",
      () => api.mapper.mapping(Sync),
      () => true,
      30_000,
    );
  });
  after(() => api.close());

  it("defaults a minimal Sync and a GitSource as the schema says", async () => {
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "fleet", namespace: "default" },
      spec: { url: "https://git.example/fleet.git" },
    });
    const sync = await api.create<KubeObject & { spec: Record<string, unknown> }>({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "shop", namespace: "default" },
      spec: { sourceRef: { name: "fleet" }, path: "apps/shop" },
    });
    assert.equal(sync.spec.prune, true);
    assert.equal(sync.spec.selfHeal, true);
    assert.equal(sync.spec.interval, "10m");
    assert.equal(sync.spec.renderer, "auto");
  });

  it("rejects a bad value naming the field", async () => {
    const bad = {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "bad", namespace: "default" },
      spec: { sourceRef: { name: "fleet" }, renderer: "jsonnet", interval: "often" },
    };
    await assert.rejects(api.create(bad), (error) => {
      assert.ok(error instanceof InvalidError);
      const fields = error.causes.map((c) => c.field);
      assert.ok(fields.includes("spec.renderer") && fields.includes("spec.interval"), JSON.stringify(error.causes));
      return true;
    });
  });

  it("shows printer columns and the kaika category to kubectl", async () => {
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "syncs", "-n", "default"]);
    assert.match(stdout.split("\n")[0] ?? "", /^NAME\s+SOURCE\s+PATH\s+REVISION\s+READY\s+AGE/);
    assert.match(stdout, /shop\s+fleet\s+apps\/shop/);
    const all = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "kaika", "-n", "default", "-o", "name"]);
    assert.deepEqual(all.stdout.trim().split("\n").sort(), ["gitsource.kaika.dev/fleet", "sync.kaika.dev/shop"]);
  });
});
