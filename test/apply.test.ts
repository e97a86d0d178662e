/**
 * The applier against a real apiserver: validate-all-then-apply, ordering,
 * no writes when nothing changed, prune by inventory (and what it must not
 * prune), CRD and CR together, health waiting, and bad input that changes
 * nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ApplyEvent, apply, type DesiredObject } from "../src/apply/applier.ts";
import { configMapInventory, type InventoryStore } from "../src/apply/inventory.ts";
import { KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { widgetCrd } from "./support/fixtures.ts";
import { useFleet } from "./support/fleet.ts";

const fleet = useFleet(1);
const ConfigMap = gvk("v1", "ConfigMap");
const Deployment = gvk("apps/v1", "Deployment");
const Namespace = gvk("v1", "Namespace");
let api: KubeApi;

const at = (object: KubeObject, file = "app.yaml", line = 1): DesiredObject => ({
  object: structuredClone(object),
  source: { file, line },
});
const ns = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const cm = (name: string, data: Record<string, string>, namespace = "shop"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data,
});
const deploy = (name: string, image: string, namespace = "shop", extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } },
    ...extra,
  },
});

async function run(
  objects: DesiredObject[],
  inventory: InventoryStore,
  options: { dryRun?: boolean; wait?: boolean } = {},
): Promise<ApplyEvent[]> {
  const events: ApplyEvent[] = [];
  for await (const e of apply(api, objects, { inventory, ...options, timeoutMs: 60_000 })) events.push(e);
  return events;
}
const done = (events: ApplyEvent[]): Extract<ApplyEvent, { type: "done" }> => {
  const last = events.at(-1);
  assert.ok(last?.type === "done", "the stream ends with done");
  return last;
};
const refs = (events: ApplyEvent[], type: ApplyEvent["type"]): string[] =>
  events
    .filter((e) => e.type === type)
    .map((e) => (e as { ref: string }).ref)
    .sort();

describe("applier", () => {
  let inventory: InventoryStore;
  before(async () => {
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    await api.create(ns("kaika-system"));
    inventory = configMapInventory(api, { namespace: "kaika-system", name: "shop" });
  });
  after(() => api.close());

  it("creates in order and waits for health; a second run writes nothing", async () => {
    const set = [at(deploy("web", "web:1.0.0")), at(cm("settings", { a: "1" })), at(ns("shop"))];
    const first = await run(set, inventory, { wait: true });
    assert.deepEqual(done(first).summary, { created: 3, configured: 0, unchanged: 0, pruned: 0, failed: 0 });
    // The Namespace came before what lives in it.
    assert.deepEqual(
      first.filter((e) => e.type === "applied").map((e) => (e as { ref: string }).ref)[0],
      "Namespace/shop",
    );
    const web = await api.get<KubeObject & { status?: { availableReplicas?: number } }>(Deployment, "web", "shop");
    assert.equal(web.status?.availableReplicas, 2, "waited until the Deployment was available");

    const versions = async (): Promise<string[]> =>
      Promise.all([
        api.get(ConfigMap, "settings", "shop"),
        api.get(Deployment, "web", "shop"),
        api.get(Namespace, "shop"),
      ]).then((os) => os.map((o) => o.metadata.resourceVersion ?? ""));
    const before = await versions();
    const second = await run(set, inventory);
    assert.deepEqual(done(second).summary, { created: 0, configured: 0, unchanged: 3, pruned: 0, failed: 0 });
    assert.deepEqual(await versions(), before, "an unchanged apply writes nothing");
  });

  it("configures what changed with a readable diff, and prunes what left", async () => {
    const plan = await run([at(ns("shop")), at(deploy("web", "web:1.1.0"))], inventory, { dryRun: true });
    const planned = plan.find((e) => e.type === "planned" && e.ref === "Deployment/shop/web");
    assert.ok(planned?.type === "planned" && planned.action === "configure");
    assert.match(planned.diff ?? "", /-\s+- image: web:1\.0\.0\n\+\s+- image: web:1\.1\.0/);
    assert.doesNotMatch(planned.diff ?? "", /managedFields|resourceVersion/);
    assert.deepEqual(refs(plan, "pruneSkipped"), ["ConfigMap/shop/settings"], "the dry run lists what it would prune");
    assert.equal((await api.get(Deployment, "web", "shop")).metadata.generation, 1, "the dry run wrote nothing");

    const events = await run([at(ns("shop")), at(deploy("web", "web:1.1.0"))], inventory);
    assert.deepEqual(done(events).summary, { created: 0, configured: 1, unchanged: 1, pruned: 1, failed: 0 });
    await assert.rejects(api.get(ConfigMap, "settings", "shop"), NotFoundError);
    const ids = (await inventory.read())?.map((i) => `${i.kind}/${i.name}`).sort();
    assert.deepEqual(ids, ["Deployment/web", "Namespace/shop"]);
  });

  it("applies nothing and prunes nothing when the server rejects one object, naming file, line and field", async () => {
    const bad = deploy("api", "api:1", "shop", { replica: 3 });
    const events = await run(
      [at(ns("shop")), at(deploy("web", "web:2.0.0")), at(cm("new", { b: "2" })), at(bad, "apps/api.yaml", 12)],
      inventory,
    );
    assert.equal(done(events).ok, false);
    const failed = events.find((e) => e.type === "failed");
    assert.ok(failed?.type === "failed");
    assert.equal(failed.phase, "validate");
    assert.equal(failed.error.file, "apps/api.yaml");
    assert.equal(failed.error.line, 12);
    assert.match(failed.error.message, /^apps\/api\.yaml:12: Deployment\/shop\/api: .*replica/);
    const web = await api.get(Deployment, "web", "shop");
    assert.equal(
      (web.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image,
      "web:1.1.0",
    );
    await assert.rejects(api.get(ConfigMap, "new", "shop"), NotFoundError);
    assert.equal(refs(events, "pruned").length, 0);
  });

  it("applies a CRD and its custom resource in one set", async () => {
    const crd = widgetCrd();
    const widget: KubeObject = {
      apiVersion: "example.kaika.dev/v1",
      kind: "Widget",
      metadata: { name: "w", namespace: "shop" },
      spec: { size: 1 },
    };
    const other = configMapInventory(api, { namespace: "kaika-system", name: "widgets" });
    const events = await run([at(widget), at(crd)], other);
    assert.deepEqual(done(events).summary, { created: 2, configured: 0, unchanged: 0, pruned: 0, failed: 0 });
    assert.equal((await api.get(gvk("example.kaika.dev/v1", "Widget"), "w", "shop")).metadata.name, "w");
  });

  it("keeps an object annotated kaika.dev/prune: disabled and a Namespace holding others' objects", async () => {
    const keep = configMapInventory(api, { namespace: "kaika-system", name: "keep" });
    const kept = cm("kept", { k: "1" }, "keep-ns");
    kept.metadata.annotations = { "kaika.dev/prune": "disabled" };
    await run([at(ns("keep-ns")), at(kept), at(cm("gone", { g: "1" }, "keep-ns"))], keep);
    await api.create(cm("by-hand", { h: "1" }, "keep-ns"));
    const events = await run([], keep);
    assert.deepEqual(refs(events, "pruned"), ["ConfigMap/keep-ns/gone"]);
    const skipped = events
      .filter((e) => e.type === "pruneSkipped")
      .map((e) => `${(e as { ref: string }).ref}: ${(e as { reason: string }).reason}`);
    assert.ok(
      skipped.some((s) => s.startsWith("ConfigMap/keep-ns/kept: annotated")),
      skipped.join("\n"),
    );
    assert.ok(
      skipped.some((s) =>
        s.startsWith("Namespace/keep-ns: holds objects kaika does not manage: ConfigMap/keep-ns/by-hand"),
      ),
      skipped.join("\n"),
    );
    assert.equal((await api.get(Namespace, "keep-ns")).metadata.name, "keep-ns");
    assert.equal((await api.get(ConfigMap, "kept", "keep-ns")).metadata.name, "kept");
  });
});
