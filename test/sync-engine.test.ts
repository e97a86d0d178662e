/**
 * Cost proportional to the change, against a real apiserver: with the live
 * cache and the inventory's hashes, a commit changing one object of 2,000,
 * a hand change, a hand deletion each cost O(1) dry runs and applies (counted
 * from the apiserver's own apiserver_request_total); a CRD whose schema
 * changed re-validates its custom resources; the full resync finds a change
 * the watch missed (its connection frozen in a proxy); prune and
 * all-or-nothing hold on the incremental path.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RequestSeries, requestCounts, requestDelta } from "../bench/sync/apiserver.ts";
import { type ApplyEvent, type ApplySummary, apply, type DesiredObject } from "../src/apply/applier.ts";
import { configMapInventory, type InventoryStore } from "../src/apply/inventory.ts";
import { LiveCache } from "../src/apply/live-cache.ts";
import { objectId } from "../src/apply/refs.ts";
import { KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { useFleet } from "./support/fleet.ts";
import { startProxy, type TcpProxy } from "./support/proxy.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const ConfigMap = gvk("v1", "ConfigMap");
const Gadget = gvk("scale.kaika.dev/v1", "Gadget");
const size = 2000;
const labels = { "kaika.dev/sync-name": "scale", "kaika.dev/sync-namespace": "kaika-system" };

const cm = (i: number, rev = "0", namespace = "scale"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `cm-${String(i).padStart(5, "0")}`, namespace, labels },
  data: { rev, payload: `object ${i} of the set` },
});
const set = (n: number, revs: ReadonlyMap<number, string> = new Map(), namespace = "scale"): DesiredObject[] => [
  { object: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels } } },
  ...Array.from({ length: n }, (_, i) => ({ object: cm(i, revs.get(i), namespace) })),
];
// apply() sets namespaces on the objects it is given: hand it copies.
const copy = (objects: readonly DesiredObject[]): DesiredObject[] =>
  objects.map((o) => ({ object: structuredClone(o.object) }));

/** A CRD scale.kaika.dev/v1 Gadget whose spec allows exactly `fields` (integers). */
const gadgetCrd = (fields: readonly string[]): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.scale.kaika.dev", labels },
  spec: {
    group: "scale.kaika.dev",
    scope: "Namespaced",
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: Object.fromEntries(fields.map((f) => [f, { type: "integer" }])) },
            },
          },
        },
      },
    ],
  },
});

/** Dry runs and writes of one resource during a sync, from the apiserver's counters. */
interface Cost {
  dryRuns: number;
  applies: number;
  reads: number;
}
const costOf = (delta: readonly RequestSeries[], resource: string): Cost => {
  const of = (match: (s: RequestSeries) => boolean): number =>
    delta.filter((s) => s.resource === resource && match(s)).reduce((sum, s) => sum + s.count, 0);
  return {
    dryRuns: of((s) => s.dryRun && (s.verb === "APPLY" || s.verb === "PATCH")),
    applies: of((s) => !s.dryRun && (s.verb === "APPLY" || s.verb === "PATCH")),
    reads: of((s) => s.verb === "GET"),
  };
};

describe("sync engine: cost proportional to the change", () => {
  let api: KubeApi;
  let live: LiveCache;
  const stop = new AbortController();
  const changed: string[] = [];
  let inventory: InventoryStore;

  const sync = async (
    objects: readonly DesiredObject[],
    options: { full?: boolean; store?: InventoryStore; cache?: LiveCache } = {},
  ): Promise<{ events: ApplyEvent[]; summary: ApplySummary; ok: boolean; delta: RequestSeries[] }> => {
    const before = await requestCounts(api.client);
    const events: ApplyEvent[] = [];
    for await (const e of apply(api, copy(objects), {
      inventory: options.store ?? inventory,
      live: options.cache ?? live,
      full: options.full ?? false,
    }))
      events.push(e);
    const delta = requestDelta(before, await requestCounts(api.client));
    const done = events.at(-1);
    assert.ok(done?.type === "done");
    return { events, summary: done.summary, ok: done.ok, delta };
  };
  /** Waits until the cache has seen every object as the inventory recorded it (our own writes came back). */
  const settled = async (store = inventory, cache = live): Promise<void> => {
    await eventually(
      "live cache caught up",
      async () =>
        ((await store.read()) ?? [])
          .filter((e) => cache.lookup(e)?.hash !== e.live)
          .map((e) => ({ ...e, seen: cache.lookup(e) })),
      (lagging) => lagging.length === 0,
      30_000,
    );
  };
  const revOf = async (name: string, namespace = "scale"): Promise<string | undefined> =>
    ((await api.get(ConfigMap, name, namespace)).data as Record<string, string>).rev;

  before(async () => {
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "kaika-system" } });
    inventory = configMapInventory(api, { namespace: "kaika-system", name: "sync-scale" });
    live = new LiveCache(api, {
      labelSelector: "kaika.dev/sync-name",
      onChange: (o) => changed.push(`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`),
    });
    live.start(stop.signal);
  });
  after(async () => {
    stop.abort();
    await live.stopped();
    await api.close();
  });

  it(`applies ${size} objects once; a sync with nothing changed then reads, dry-runs and writes no object`, async () => {
    const first = await sync(set(size));
    assert.equal(first.ok, true);
    assert.deepEqual(first.summary, { created: size + 1, configured: 0, unchanged: 0, pruned: 0, failed: 0 });
    await settled();
    const again = await sync(set(size));
    assert.deepEqual(again.summary, { created: 0, configured: 0, unchanged: size + 1, pruned: 0, failed: 0 });
    assert.equal(again.events[0]?.type === "init" && again.events[0].checked, 0);
    // The inventory's chunks are read; nothing else.
    assert.deepEqual(costOf(again.delta, "core/configmaps"), { dryRuns: 0, applies: 0, reads: 1 });
  });

  it(`a commit changing one object of ${size} dry-runs and applies it alone`, async () => {
    const result = await sync(set(size, new Map([[42, "1"]])));
    assert.deepEqual(result.summary, { created: 0, configured: 1, unchanged: size, pruned: 0, failed: 0 });
    const cost = costOf(result.delta, "core/configmaps");
    assert.equal(cost.dryRuns, 1, JSON.stringify(cost));
    // The object, and the one inventory chunk holding its entry.
    assert.equal(cost.applies, 2, JSON.stringify(cost));
    assert.ok(cost.reads <= 2, JSON.stringify(cost));
    assert.equal(await revOf("cm-00042"), "1");
  });

  it("a hand change to one object re-applies only it", async () => {
    await settled();
    changed.length = 0;
    await api.patch(ConfigMap, "cm-00100", "scale", { data: { rev: "by-hand" } });
    await eventually(
      "the watch saw the hand change",
      async () => changed,
      (c) => c.includes("ConfigMap/scale/cm-00100"),
      10_000,
    );
    const result = await sync(set(size, new Map([[42, "1"]])));
    assert.deepEqual(result.summary, { created: 0, configured: 1, unchanged: size, pruned: 0, failed: 0 });
    assert.ok(
      result.events.some((e) => e.type === "planned" && e.ref === "ConfigMap/scale/cm-00100" && e.reason === "drifted"),
    );
    const cost = costOf(result.delta, "core/configmaps");
    assert.equal(cost.dryRuns, 1, JSON.stringify(cost));
    // The object alone: reverted, it is back to what the inventory recorded, which stays as it was.
    assert.equal(cost.applies, 1, JSON.stringify(cost));
    assert.equal(await revOf("cm-00100"), "0", "reverted");
  });

  it("an object deleted by hand is recreated, alone", async () => {
    await settled();
    await api.delete(ConfigMap, "cm-00200", "scale");
    await eventually(
      "the watch saw the deletion",
      async () => live.lookup(objectId(cm(200))),
      (record) => record === null,
      10_000,
    );
    const result = await sync(set(size, new Map([[42, "1"]])));
    assert.deepEqual(result.summary, { created: 1, configured: 0, unchanged: size, pruned: 0, failed: 0 });
    const cost = costOf(result.delta, "core/configmaps");
    assert.equal(cost.dryRuns, 1, JSON.stringify(cost));
    assert.equal(await revOf("cm-00200"), "0");
  });

  it("applies nothing when one changed object is invalid, and prunes by inventory", async () => {
    await settled();
    const bad = set(size, new Map([[42, "2"]]));
    (bad[501]?.object as KubeObject).data = { rev: 7 } as unknown as Record<string, string>;
    const refused = await sync(bad);
    assert.equal(refused.ok, false);
    const failed = refused.events.find((e) => e.type === "failed");
    assert.ok(failed?.type === "failed" && failed.phase === "validate" && failed.ref === "ConfigMap/scale/cm-00500");
    assert.equal(await revOf("cm-00042"), "1", "the valid change was not applied either");
    assert.equal(costOf(refused.delta, "core/configmaps").applies, 0, "nothing written");

    const smaller = await sync(set(size - 1, new Map([[42, "1"]])));
    assert.deepEqual(smaller.summary, { created: 0, configured: 0, unchanged: size, pruned: 1, failed: 0 });
    await assert.rejects(api.get(ConfigMap, `cm-0${size - 1}`, "scale"), NotFoundError);
    assert.equal(costOf(smaller.delta, "core/configmaps").dryRuns, 0);
  });

  it("a CRD whose schema changed re-validates its custom resources, unchanged as they are", async () => {
    const store = configMapInventory(api, { namespace: "kaika-system", name: "sync-gadgets" });
    const gadget: KubeObject = {
      apiVersion: "scale.kaika.dev/v1",
      kind: "Gadget",
      metadata: { name: "g", namespace: "scale", labels },
      spec: { size: 3 },
    };
    const first = await sync([{ object: gadgetCrd(["size"]) }, { object: gadget }], { store });
    assert.deepEqual(first.summary, { created: 2, configured: 0, unchanged: 0, pruned: 0, failed: 0 });
    await settled(store);
    const quiet = await sync([{ object: gadgetCrd(["size"]) }, { object: gadget }], { store });
    assert.equal(quiet.events[0]?.type === "init" && quiet.events[0].checked, 0);
    // The new schema renames spec.size: the Gadget, unchanged in Git, no longer fits it.
    const result = await sync([{ object: gadgetCrd(["count"]) }, { object: gadget }], { store });
    assert.equal(result.ok, false);
    const failed = result.events.find((e) => e.type === "failed");
    assert.ok(
      failed?.type === "failed" && failed.ref === "Gadget/scale/g" && failed.phase === "validate",
      JSON.stringify(failed),
    );
    assert.match(failed.error.message, /size/);
    assert.equal(costOf(result.delta, "scale.kaika.dev/gadgets").dryRuns, 1);
    assert.equal((await api.get(Gadget, "g", "scale")).metadata.name, "g");
  });

  it("the full resync finds a change the watch missed", async () => {
    const cluster = fleet().clusters[0];
    assert.ok(cluster);
    const proxy: TcpProxy = await startProxy(Number(new URL(cluster.server).port));
    const viaProxy = KubeApi.load({
      text: cluster.kubeconfig.replace(cluster.server, `https://127.0.0.1:${proxy.port}`),
    });
    const blind = new LiveCache(viaProxy, { labelSelector: "kaika.dev/sync-name=missed" });
    const blindStop = new AbortController();
    blind.start(blindStop.signal);
    try {
      const store = configMapInventory(api, { namespace: "kaika-system", name: "sync-missed" });
      const missed = set(20, new Map(), "missed").map(({ object }) => {
        object.metadata.labels = { "kaika.dev/sync-name": "missed" };
        return { object };
      });
      await sync(missed, { store, cache: blind });
      await settled(store, blind);
      // The watch connection goes silent (a half-open link): the hand change never reaches the cache.
      proxy.freezeCurrent();
      await api.patch(ConfigMap, "cm-00007", "missed", { data: { rev: "unseen" } });
      await new Promise((r) => setTimeout(r, 1000));
      const incremental = await sync(missed, { store, cache: blind });
      assert.equal(incremental.summary.unchanged, 21, "the watch missed it");
      assert.equal(await revOf("cm-00007", "missed"), "unseen");

      const full = await sync(missed, { store, cache: blind, full: true });
      assert.deepEqual(full.summary, { created: 0, configured: 1, unchanged: 20, pruned: 0, failed: 0 });
      assert.equal(await revOf("cm-00007", "missed"), "0", "reverted by the full resync");
      const cost = costOf(full.delta, "core/configmaps");
      assert.equal(cost.dryRuns, 20, "the full resync dry-runs every object");
      assert.equal(cost.applies, 1, "and writes only what differed");
    } finally {
      blindStop.abort();
      proxy.cut();
      await blind.stopped();
      await viaProxy.close();
      await proxy.close();
    }
  });
});
