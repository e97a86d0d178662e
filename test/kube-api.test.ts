/** src/kube against a real apiserver: CRUD, paging, server-side apply, dry-run, strict validation, typed errors, discovery. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeApi } from "../src/kube/api.ts";
import { NoKindMatchError } from "../src/kube/discovery.ts";
import { AlreadyExistsError, ConflictError, ForbiddenError, InvalidError, NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { useFleet } from "./support/fleet.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const ConfigMap = gvk("v1", "ConfigMap");
const Deployment = gvk("apps/v1", "Deployment");
let api: KubeApi;

const configMap = (name: string, data: Record<string, string>, namespace = "default"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data,
});

describe("kube api", () => {
  before(() => {
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
  });
  after(() => api.close());

  it("creates, gets, updates and deletes, with typed errors on the way", async () => {
    const created = await api.create(configMap("crud", { a: "1" }));
    assert.ok(created.metadata.uid);
    await assert.rejects(api.create(configMap("crud", { a: "1" })), AlreadyExistsError);
    const got = await api.get(ConfigMap, "crud", "default");
    assert.deepEqual(got.data, { a: "1" });
    await api.update({ ...got, data: { a: "2" } });
    // The copy we read is now stale: updating it again is a Conflict.
    await assert.rejects(api.update({ ...got, data: { a: "3" } }), ConflictError);
    const patched = await api.patch(ConfigMap, "crud", "default", { data: { b: "x" } });
    assert.deepEqual(patched.data, { a: "2", b: "x" });
    await api.delete(ConfigMap, "crud", "default");
    await assert.rejects(api.get(ConfigMap, "crud", "default"), NotFoundError);
  });

  it("lists in pages with continue tokens", async () => {
    await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "paged" } });
    for (let i = 0; i < 7; i++) await api.create(configMap(`p${i}`, { i: String(i) }, "paged"));
    let pages = 0;
    for await (const page of api.listPages(ConfigMap, { namespace: "paged", limit: 3 })) {
      pages++;
      assert.ok(page.items.length <= 3);
    }
    // 7 ours + kube-root-ca.crt, 3 per page.
    const { items, resourceVersion } = await api.list(ConfigMap, { namespace: "paged", limit: 3 });
    assert.equal(pages, Math.ceil(items.length / 3));
    assert.ok(items.length >= 7 && resourceVersion);
    assert.ok(items.every((i) => i.kind === "ConfigMap" && i.apiVersion === "v1"));
  });

  it("server-side applies with a field manager, reports conflicts, and forces", async () => {
    const desired = configMap("ssa", { owner: "kaika" });
    const applied = await api.apply(desired, { fieldManager: "kaika" });
    assert.deepEqual(applied.data, { owner: "kaika" });
    const again = await api.apply(desired, { fieldManager: "kaika" });
    assert.equal(again.metadata.resourceVersion, applied.metadata.resourceVersion, "an unchanged apply writes nothing");
    await assert.rejects(
      api.apply(configMap("ssa", { owner: "someone-else" }), { fieldManager: "other" }),
      ConflictError,
    );
    const forced = await api.apply(configMap("ssa", { owner: "someone-else" }), { fieldManager: "other", force: true });
    assert.deepEqual(forced.data, { owner: "someone-else" });
  });

  it("dry-runs without persisting", async () => {
    const dry = await api.apply(configMap("dry", { x: "1" }), { fieldManager: "kaika", dryRun: true });
    assert.ok(dry.metadata.creationTimestamp);
    await assert.rejects(api.get(ConfigMap, "dry", "default"), NotFoundError);
  });

  it("rejects unknown fields with Strict validation, naming the field", async () => {
    const bad = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "strict", namespace: "default" },
      spec: {
        replicas: 1,
        replica: 2,
        selector: { matchLabels: { app: "s" } },
        template: { metadata: { labels: { app: "s" } }, spec: { containers: [{ name: "c", image: "i:1" }] } },
      },
    };
    await assert.rejects(api.create(bad), (error) => {
      assert.ok(error instanceof InvalidError, String(error));
      assert.match(error.message, /spec\.replica/);
      return true;
    });
    const invalid = { ...configMap("Not_Valid", {}) };
    await assert.rejects(api.create(invalid), (error) => {
      assert.ok(error instanceof InvalidError);
      assert.ok(
        error.causes.some((c) => c.field === "metadata.name"),
        JSON.stringify(error.causes),
      );
      return true;
    });
    await assert.rejects(api.get(Deployment, "strict", "default"), NotFoundError);
  });

  it("maps a new CRD's kind once it is established, and says so when a kind is not served", async () => {
    const Gadget = gvk("example.kaika.dev/v1", "Gadget");
    await assert.rejects(api.mapper.mapping(Gadget), NoKindMatchError);
    await api.create({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "gadgets.example.kaika.dev" },
      spec: {
        group: "example.kaika.dev",
        scope: "Cluster",
        names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    });
    const mapping = await eventually(
      "Gadget mapped",
      () => api.mapper.mapping(Gadget),
      () => true,
      30_000,
    );
    assert.equal(mapping.resource, "gadgets");
    assert.equal(mapping.namespaced, false);
    await api.create({ apiVersion: "example.kaika.dev/v1", kind: "Gadget", metadata: { name: "g1" } });
    assert.equal((await api.get(Gadget, "g1")).metadata.name, "g1");
  });

  it("returns Forbidden as a typed error", async () => {
    const bob = await fleet().clusters[0]?.mintUser({ user: "bob" });
    const asBob = KubeApi.load({ text: bob?.kubeconfig ?? "" });
    await assert.rejects(asBob.get(ConfigMap, "anything", "default"), ForbiddenError);
    await asBob.close();
  });
});
