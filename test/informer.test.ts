/**
 * Informers against a real apiserver: every change arrives exactly once across
 * an apiserver restart, a 410 (compacted history) relists and emits only the
 * difference, and a silent (half-open) connection is detected and replaced.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { type LocalFleet, startFleet } from "../src/localfleet/index.ts";
import { Informer } from "../src/runtime/informer.ts";
import { startProxy, type TcpProxy } from "./support/proxy.ts";
import { eventually } from "./support/wait.ts";

const ConfigMap = gvk("v1", "ConfigMap");
// Stopped after the tests even when one fails, so the file's process can exit.
const running: AbortController[] = [];

interface Recorded {
  events: string[];
  restarts: string[];
}

/** An informer on one namespace that records "add a", "update a=2", "delete b". */
function recordingInformer(
  api: KubeApi,
  namespace: string,
  inactivityMs?: number,
): {
  informer: Informer;
  log: Recorded;
  stop: () => void;
} {
  const log: Recorded = { events: [], restarts: [] };
  const informer = new Informer(api, ConfigMap, {
    namespace,
    initialBackoffMs: 100,
    maxBackoffMs: 500,
    ...(inactivityMs ? { inactivityMs } : {}),
    onRestart: (reason) => log.restarts.push(reason),
  });
  const v = (o: KubeObject): string => String((o.data as Record<string, string> | undefined)?.v ?? "");
  // kube-controller-manager adds kube-root-ca.crt to every namespace, whenever it gets to it.
  const ours = (o: KubeObject): boolean => o.metadata.name !== "kube-root-ca.crt";
  informer.addHandler({
    onAdd: (o) => ours(o) && log.events.push(`add ${o.metadata.name}=${v(o)}`),
    onUpdate: (_, o) => ours(o) && log.events.push(`update ${o.metadata.name}=${v(o)}`),
    onDelete: (o) => ours(o) && log.events.push(`delete ${o.metadata.name}`),
  });
  const controller = new AbortController();
  running.push(controller);
  informer.run(controller.signal).catch(() => {});
  return { informer, log, stop: () => controller.abort() };
}

const cm = (namespace: string, name: string, v: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data: { v },
});

async function namespace(api: KubeApi, name: string): Promise<void> {
  await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

/** Kubeconfig text for `fleet`'s first cluster, pointed at a proxy port. */
function viaProxy(fleet: LocalFleet, proxy: TcpProxy): string {
  const cluster = fleet.clusters[0];
  if (!cluster) throw new Error("no cluster");
  return cluster.kubeconfig.replace(cluster.server, `https://127.0.0.1:${proxy.port}`);
}

async function settle(log: Recorded, count: number): Promise<void> {
  await eventually(
    "events",
    async () => log.events.length,
    (n) => n >= count,
    30_000,
  );
  // Anything more would be a duplicate: give it time to show up.
  await new Promise((r) => setTimeout(r, 500));
}

describe("informer", () => {
  const fleets: LocalFleet[] = [];
  after(async () => {
    for (const c of running) c.abort();
    await Promise.all(fleets.map((f) => f.stop()));
  });

  it("sees every change exactly once across an apiserver restart", async () => {
    const fleet = await startFleet({ clusters: 1 });
    fleets.push(fleet);
    const cluster = fleet.clusters[0];
    assert.ok(cluster);
    const admin = KubeApi.load({ path: cluster.kubeconfigPath });
    await namespace(admin, "restart");
    for (const name of ["a", "b", "c"]) await admin.create(cm("restart", name, "1"));
    const { informer, log, stop } = recordingInformer(KubeApi.load({ path: cluster.kubeconfigPath }), "restart");
    await informer.waitForSync(30_000);
    await settle(log, 3);
    assert.deepEqual(log.events.sort(), ["add a=1", "add b=1", "add c=1"]);
    log.events.length = 0;

    await cluster.stopApiserver();
    await cluster.startApiserver();
    await admin.apply(cm("restart", "a", "2"), { fieldManager: "test", force: true });
    await admin.delete(ConfigMap, "b", "restart");
    await admin.create(cm("restart", "d", "1"));
    await settle(log, 3);
    stop();
    assert.deepEqual(log.events.sort(), ["add d=1", "delete b", "update a=2"]);
    assert.ok(log.restarts.length > 0, "the watch noticed the restart");
    assert.deepEqual(names(informer), ["a", "c", "d"]);
    await admin.close();
  });

  it("relists on 410 Gone and emits only the difference", async () => {
    // Without the watch cache a watch reads etcd, so compaction makes an old resourceVersion 410.
    const fleet = await startFleet({ clusters: 1, apiserverArgs: ["--watch-cache=false"] });
    fleets.push(fleet);
    const cluster = fleet.clusters[0];
    assert.ok(cluster);
    const admin = KubeApi.load({ path: cluster.kubeconfigPath });
    await namespace(admin, "gone");
    for (const name of ["a", "b", "c"]) await admin.create(cm("gone", name, "1"));
    const port = Number(new URL(cluster.server).port);
    const proxy = await startProxy(port);
    const { informer, log, stop } = recordingInformer(KubeApi.load({ text: viaProxy(fleet, proxy) }), "gone");
    await informer.waitForSync(30_000);
    await settle(log, 3);
    log.events.length = 0;

    proxy.cut();
    await admin.apply(cm("gone", "a", "2"), { fieldManager: "test", force: true });
    await admin.delete(ConfigMap, "b", "gone");
    await admin.create(cm("gone", "d", "1"));
    await compactEtcd(fleet.etcd.endpoint);
    proxy.resume();

    await settle(log, 3);
    stop();
    assert.ok(log.restarts.includes("gone"), `restarts: ${log.restarts.join(", ")}`);
    // c did not change: a relist must not report it again.
    assert.deepEqual(log.events.sort(), ["add d=1", "delete b", "update a=2"]);
    assert.deepEqual(names(informer), ["a", "c", "d"]);
    await Promise.all([admin.close(), proxy.close()]);
  });

  it("replaces a connection that went silent, and catches up", async () => {
    const fleet = fleets[0];
    assert.ok(fleet);
    const cluster = fleet.clusters[0];
    assert.ok(cluster);
    const admin = KubeApi.load({ path: cluster.kubeconfigPath });
    await namespace(admin, "silent");
    const proxy = await startProxy(Number(new URL(cluster.server).port));
    const { informer, log, stop } = recordingInformer(KubeApi.load({ text: viaProxy(fleet, proxy) }), "silent", 1500);
    await informer.waitForSync(30_000);
    // The watch connection stays open but nothing passes: only the watchdog can notice.
    proxy.freezeCurrent();
    await admin.create(cm("silent", "late", "1"));
    await settle(log, 1);
    stop();
    assert.deepEqual(log.events, ["add late=1"]);
    assert.ok(log.restarts.includes("inactive"), `restarts: ${log.restarts.join(", ")}`);
    await Promise.all([admin.close(), proxy.close()]);
  });
});

function names(informer: Informer): string[] {
  return informer
    .list()
    .map((o) => o.metadata.name ?? "")
    .filter((n) => n !== "kube-root-ca.crt")
    .sort();
}

/** Compacts etcd's whole history up to now, through its JSON gateway. */
async function compactEtcd(endpoint: string): Promise<void> {
  const range = await fetch(`${endpoint}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: Buffer.from("/").toString("base64") }),
  });
  const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
  const compacted = await fetch(`${endpoint}/v3/kv/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision, physical: true }),
  });
  assert.equal(compacted.status, 200, await compacted.text());
}
