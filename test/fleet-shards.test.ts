/**
 * Two kaika replicas split the fleet's clusters by shard Leases and one takes
 * over when the other is killed: three real clusters, `kaika run
 * --leader-elect --shards 3` twice, short Leases.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { shardOf } from "../src/fleet/shards.ts";
import { KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { webDeploymentYaml } from "./support/fixtures.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";
import { type RunningKaika, registerCluster, startKaikaRun, webImage } from "./support/kaika.ts";
import { alive } from "./support/process.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(3);
const Cluster = gvk("kaika.dev/v1alpha1", "Cluster");
const Sync = gvk("kaika.dev/v1alpha1", "Sync");
const Lease = gvk("coordination.k8s.io/v1", "Lease");
const _Deployment = gvk("apps/v1", "Deployment");
const shards = 3;

const web = webDeploymentYaml;

// Cluster names whose shards differ, so that two replicas holding 2 and 1 shards both get clusters.
function spreadNames(): string[] {
  const names: string[] = [];
  const used = new Set<number>();
  for (let i = 0; names.length < shards; i++) {
    const name = `c-${i}`;
    const shard = shardOf(`kaika-system/${name}`, shards);
    if (!used.has(shard)) {
      used.add(shard);
      names.push(name);
    }
  }
  return names;
}

type ClusterStatus = { reachable?: boolean; handledBy?: string; shard?: number };

describe("fleet shards", { timeout: 600_000 }, () => {
  let repo: TestRepo;
  let admin: KubeApi;
  let apis: KubeApi[] = [];
  let data: string;
  const replicas: RunningKaika[] = [];
  const names = spreadNames();

  const startReplica = (): RunningKaika => {
    const replica = startKaikaRun(fleet().clusters[0]?.kubeconfigPath ?? "", [
      "--cluster-probe-interval=1",
      "--leader-elect",
      `--shards=${shards}`,
      "--leader-elect-lease-duration=4",
      "--leader-elect-renew-deadline=3",
      "--leader-elect-retry-period=1",
      `--data-dir=${mkdtempSync(join(data, "replica-"))}`,
    ]);
    replicas.push(replica);
    return replica;
  };
  const handlers = async (): Promise<Map<string, string>> => {
    const items = (await admin.list(Cluster, { namespace: "kaika-system" })).items;
    return new Map(items.map((c) => [c.metadata.name ?? "", (c.status as ClusterStatus | undefined)?.handledBy ?? ""]));
  };
  const imageOn = (i: number): Promise<string | undefined> => webImage(apis[i] as KubeApi);
  const logs = (): string => replicas.map((r, i) => `--- replica ${i} ---\n${r.log().slice(-3000)}`).join("\n");

  before(async () => {
    const clusters = fleet().clusters;
    admin = KubeApi.load({ path: clusters[0]?.kubeconfigPath ?? "" });
    apis = clusters.map((c) => KubeApi.load({ path: c.kubeconfigPath }));
    data = mkdtempSync(join(tmpdir(), "kaika-shards-"));
    repo = await createRepo();
    await repo.commit({
      "apps/web/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
      "apps/web/web.yaml": web("web:1.0.0"),
    });
    await repo.serve();
    // The first replica becomes leader before the second starts, so the second is the one to kill.
    startReplica();
    await eventually(
      "replica 0 leads",
      () => admin.get(Lease, "kaika-leader", "kaika-system"),
      () => true,
      60_000,
    );
    startReplica();
    for (const [i, name] of names.entries()) {
      const entry = clusters[i]?.admin;
      assert.ok(entry);
      await registerCluster(admin, name, entry, { env: "prod" });
    }
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await Promise.all([admin, ...apis].map((a) => a?.close()));
    await repo?.close();
    rmSync(data, { recursive: true, force: true });
  });

  it("splits the clusters between the two replicas", async () => {
    const byCluster = await eventually(
      "every cluster handled, by both replicas together",
      handlers,
      (m) => m.size === shards && [...m.values()].every(Boolean) && new Set(m.values()).size === 2,
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs()}`);
    });
    const leases = (await admin.list(Lease, { namespace: "kaika-system" })).items.filter((l) =>
      (l.metadata.name ?? "").startsWith("kaika-shard-"),
    );
    assert.equal(leases.length, shards);
    const holders = new Set(leases.map((l) => (l.spec as { holderIdentity?: string }).holderIdentity));
    assert.deepEqual(holders, new Set(byCluster.values()), "the shard holders are the clusters' handlers");
    await admin.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "fleet", namespace: "kaika-system" },
      spec: { url: repo.url, interval: "1s" },
    });
    await admin.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "web", namespace: "kaika-system" },
      spec: { sourceRef: { name: "fleet" }, path: "apps/web", timeout: "30s", targets: [{ clusterSelector: {} }] },
    });
    await eventually(
      "rollout complete",
      async () => (await admin.get(Sync, "web", "kaika-system")).status as { rollout?: { phase: string } },
      (s) => s?.rollout?.phase === "Complete",
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs()}`);
    });
    for (const i of [0, 1, 2]) assert.equal(await imageOn(i), "web:1.0.0");
  });

  it("takes over a killed replica's clusters", async () => {
    const victim = replicas[1] as RunningKaika;
    const victimPid = victim.process.pid ?? 0;
    const before = await handlers();
    const survivor = [...new Set(before.values())].find((id) => !id.endsWith(`_${victimPid}`));
    victim.process.kill("SIGKILL");
    await eventually(
      "victim gone",
      async () => alive(victimPid),
      (a) => !a,
      10_000,
    );
    await eventually(
      "the survivor handles every cluster",
      handlers,
      (m) => [...m.values()].every((id) => id === survivor),
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs()}`);
    });
    const next = await repo.commit({ "apps/web/web.yaml": web("web:2.0.0") });
    await eventually(
      "the new commit on every cluster",
      async () => Promise.all([0, 1, 2].map((i) => imageOn(i))),
      (images) => images.every((i) => i === "web:2.0.0"),
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs()}`);
    });
    const sync = (await admin.get(Sync, "web", "kaika-system")) as KubeObject;
    assert.ok(JSON.stringify(sync.status).includes(next));
  });
});
