/** NamespaceSelectors: in the hierarchical layout (renderHierarchy) and in unstructured repos (selectNamespaces). */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RenderError } from "./errors.ts";
import { renderHierarchy, sourcePathAnnotation } from "./hierarchy.ts";
import { selectNamespaces } from "./namespace-fanout.ts";
import { renderPlain } from "./plain.ts";
import { objectRef } from "./refs.ts";
import type { RenderResult } from "./types.ts";

const sample = fileURLToPath(new URL("testdata/hierarchy/namespace-selectors/", import.meta.url));
const refs = (result: RenderResult): string[] => result.objects.map((o) => objectRef(o.object));

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
/** A repo in a temporary folder: path → YAML. */
function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "kaika-nssel-"));
  temps.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const namespace = (name: string, labels: Record<string, string> = {}): string =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n`;
const selector = (name: string, matchLabels: Record<string, string>, mode?: string): string =>
  `apiVersion: configmanagement.gke.io/v1\nkind: NamespaceSelector\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: ${JSON.stringify(matchLabels)}\n${mode ? `  mode: ${mode}\n` : ""}`;
const configMap = (name: string, selectorName?: string, namespaceName?: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespaceName ? `  namespace: ${namespaceName}\n` : ""}${
    selectorName ? `  annotations:\n    configmanagement.gke.io/namespace-selector: ${selectorName}\n` : ""
  }data: {a: "1"}\n`;

/** Asserts `promise` rejects with an InvalidManifest (or `code`) at file:line, naming object and field. */
async function rejectsAt(
  promise: Promise<unknown>,
  want: { file: string; line: number; object: string; field?: string; message: RegExp; code?: string },
): Promise<void> {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof RenderError, String(e));
    assert.equal(e.code, want.code ?? "InvalidManifest", e.message);
    assert.equal(e.file, want.file, e.message);
    assert.equal(e.line, want.line, e.message);
    assert.equal(e.object, want.object, e.message);
    assert.equal(e.field, want.field, e.message);
    assert.match(e.message, want.message);
    return true;
  });
}

describe("NamespaceSelectors in a hierarchical repo", () => {
  it("copies an annotated object only into the namespaces below whose labels its selector matches", async () => {
    const result = await renderHierarchy(sample);
    assert.deepEqual(refs(result), [
      "ClusterRole/namespace-reader",
      "CustomResourceDefinition/storefronts.retail.example.com",
      "Namespace/audit",
      "RoleBinding/audit/sre-admin",
      "RoleBinding/audit/viewers",
      "Namespace/checkout-dev",
      "RoleBinding/checkout-dev/viewers",
      "ResourceQuota/checkout-dev/retail-quota",
      "Namespace/checkout-prod",
      "RoleBinding/checkout-prod/sre-admin",
      "RoleBinding/checkout-prod/viewers",
      "Storefront/checkout-prod/main",
      "Namespace/checkout-staging",
      "RoleBinding/checkout-staging/viewers",
      "ResourceQuota/checkout-staging/retail-quota",
    ]);
    const quota = result.objects.find((o) => objectRef(o.object) === "ResourceQuota/checkout-dev/retail-quota");
    assert.equal(quota?.object.metadata.annotations?.[sourcePathAnnotation], "namespaces/retail/quota.yaml");
    assert.deepEqual(quota?.source, { file: "namespaces/retail/quota.yaml", line: 1 });
    const notApplied = result.ignored.filter((i) => i.reason.includes("NamespaceSelector")).map((i) => i.file);
    assert.deepEqual(notApplied, ["namespaces/retail/non-prod.yaml", "namespaces/sre-supported.yaml"]);
  });

  it("follows the labels written in the repo: relabelling a namespace moves the copies", async () => {
    const root = repo({
      "system/repo.yaml": "apiVersion: configmanagement.gke.io/v1\nkind: Repo\nmetadata:\n  name: repo\n",
      "namespaces/prod.yaml": selector("prod", { env: "prod" }),
      "namespaces/oncall.yaml": configMap("oncall", "prod"),
      "namespaces/a/namespace.yaml": namespace("a", { env: "dev" }),
      "namespaces/b/namespace.yaml": namespace("b", { env: "prod" }),
    });
    assert.deepEqual(refs(await renderHierarchy(root)), ["Namespace/a", "Namespace/b", "ConfigMap/b/oncall"]);
    writeFileSync(join(root, "namespaces/a/namespace.yaml"), namespace("a", { env: "prod" }));
    assert.deepEqual(refs(await renderHierarchy(root)), [
      "Namespace/a",
      "ConfigMap/a/oncall",
      "Namespace/b",
      "ConfigMap/b/oncall",
    ]);
  });

  const layout = (extra: Record<string, string>): string =>
    repo({
      "namespaces/shop/web/namespace.yaml": namespace("web", { env: "prod" }),
      "namespaces/other/api/namespace.yaml": namespace("api"),
      ...extra,
    });
  it("refuses a selector named from outside its directory, listing those in scope", async () => {
    const root = layout({
      "namespaces/other/prod.yaml": selector("prod", { env: "prod" }),
      "namespaces/near.yaml": selector("near", { env: "prod" }),
      "namespaces/shop/cm.yaml": configMap("settings", "prod"),
    });
    await rejectsAt(renderHierarchy(root), {
      file: "namespaces/shop/cm.yaml",
      line: 1,
      object: "ConfigMap/settings",
      field: "metadata.annotations.configmanagement.gke.io/namespace-selector",
      message:
        /no NamespaceSelector named "prod" in namespaces\/shop or the directories above it \(known there: near\)/,
    });
  });
  it("refuses a NamespaceSelector in a namespace directory", async () => {
    await rejectsAt(renderHierarchy(layout({ "namespaces/shop/web/prod.yaml": selector("prod", { env: "prod" }) })), {
      file: "namespaces/shop/web/prod.yaml",
      line: 1,
      object: "NamespaceSelector/web/prod",
      message: /namespaces\/shop\/web is a namespace directory: move it up/,
    });
  });
  it("refuses the annotation on an object of a namespace directory", async () => {
    const root = layout({
      "namespaces/shop/prod.yaml": selector("prod", { env: "prod" }),
      "namespaces/shop/web/cm.yaml": configMap("settings", "prod"),
    });
    await rejectsAt(renderHierarchy(root), {
      file: "namespaces/shop/web/cm.yaml",
      line: 1,
      object: "ConfigMap/web/settings",
      field: "metadata.annotations.configmanagement.gke.io/namespace-selector",
      message: /works only on objects in abstract directories/,
    });
  });
  it("refuses mode: dynamic, an empty selector, and a NamespaceSelector in cluster/", async () => {
    await rejectsAt(renderHierarchy(layout({ "namespaces/prod.yaml": selector("prod", { env: "prod" }, "dynamic") })), {
      file: "namespaces/prod.yaml",
      line: 1,
      object: "NamespaceSelector/prod",
      field: "spec.mode",
      message: /mode: dynamic is for unstructured repos/,
    });
    await rejectsAt(renderHierarchy(layout({ "namespaces/all.yaml": selector("all", {}) })), {
      file: "namespaces/all.yaml",
      line: 1,
      object: "NamespaceSelector/all",
      field: "spec.selector",
      message: /selects every namespace/,
    });
    await rejectsAt(renderHierarchy(layout({ "cluster/prod.yaml": selector("prod", { env: "prod" }) })), {
      file: "cluster/prod.yaml",
      line: 1,
      object: "NamespaceSelector/prod",
      message: /belongs in an abstract directory under namespaces\//,
    });
  });
  it("refuses two NamespaceSelectors of one name", async () => {
    const root = layout({
      "namespaces/prod.yaml": selector("prod", { env: "prod" }),
      "namespaces/shop/prod.yaml": selector("prod", { env: "dev" }),
    });
    await rejectsAt(renderHierarchy(root), {
      code: "DuplicateObject",
      file: "namespaces/shop/prod.yaml",
      line: 1,
      object: "NamespaceSelector/prod",
      message: /already defined at namespaces\/prod\.yaml:1/,
    });
  });
});

describe("NamespaceSelectors in an unstructured repo (selectNamespaces)", () => {
  const files = (mode?: string): Record<string, string> => ({
    "namespaces.yaml": `${namespace("web", { env: "prod" })}---\n${namespace("api", { env: "dev" })}`,
    "selector.yaml": selector("prod", { env: "prod" }, mode),
    "oncall.yaml": configMap("oncall", "prod"),
    "plain.yaml": configMap("plain", undefined, "api"),
  });
  const render = async (root: string, live?: Map<string, Record<string, string>>) =>
    selectNamespaces(await renderPlain(root), {
      liveNamespaces: live && (async () => live),
      defaultNamespace: "default",
    });

  it("mode static: copies into the declared namespaces whose declared labels match; live ones do not count", async () => {
    const result = await render(repo(files()), new Map([["team", { env: "prod" }]]));
    assert.deepEqual(refs(result), ["Namespace/web", "Namespace/api", "ConfigMap/web/oncall", "ConfigMap/api/plain"]);
    assert.ok(result.ignored.some((i) => i.file === "selector.yaml" && /read, not applied/.test(i.reason)));
  });

  it("mode dynamic: also live namespaces by their live labels, declared labels laid over live ones", async () => {
    const live = new Map([
      ["team", { env: "prod" }],
      ["api", { env: "prod" }], // the repo says dev: the repo wins
      ["web", { owner: "x" }],
      ["other", { env: "dev" }],
    ]);
    const result = await render(repo(files("dynamic")), live);
    assert.deepEqual(refs(result), [
      "Namespace/web",
      "Namespace/api",
      "ConfigMap/team/oncall",
      "ConfigMap/web/oncall",
      "ConfigMap/api/plain",
    ]);
  });

  it("lists an object that selects no namespace", async () => {
    const result = await render(repo({ ...files(), "namespaces.yaml": namespace("api", { env: "dev" }) }));
    assert.deepEqual(refs(result), ["Namespace/api", "ConfigMap/api/plain"]);
    assert.ok(
      result.ignored.some(
        (i) =>
          i.file === "oncall.yaml" &&
          i.reason === 'ConfigMap/oncall (line 1): NamespaceSelector "prod" (static) selects no namespace',
      ),
      JSON.stringify(result.ignored),
    );
  });

  it("refuses mode: dynamic without a live view, naming the selector's spec.mode", async () => {
    await rejectsAt(render(repo(files("dynamic"))), {
      file: "selector.yaml",
      line: 1,
      object: "NamespaceSelector/prod",
      field: "spec.mode",
      message: /no view of them/,
    });
  });

  it("refuses an unknown name, metadata.namespace beside the annotation, and a Namespace with it", async () => {
    await rejectsAt(render(repo({ ...files(), "oncall.yaml": configMap("oncall", "staging") })), {
      file: "oncall.yaml",
      line: 1,
      object: "ConfigMap/oncall",
      field: "metadata.annotations.configmanagement.gke.io/namespace-selector",
      message: /no NamespaceSelector named "staging" in this repo \(known there: prod\)/,
    });
    await rejectsAt(render(repo({ ...files(), "oncall.yaml": configMap("oncall", "prod", "web") })), {
      file: "oncall.yaml",
      line: 1,
      object: "ConfigMap/web/oncall",
      field: "metadata.namespace",
      message: /remove metadata\.namespace/,
    });
    const annotatedNamespace = namespace("extra").replace(
      "metadata:\n",
      "metadata:\n  annotations:\n    configmanagement.gke.io/namespace-selector: prod\n",
    );
    await rejectsAt(render(repo({ ...files(), "extra.yaml": annotatedNamespace })), {
      file: "extra.yaml",
      line: 1,
      object: "Namespace/extra",
      field: "metadata.annotations.configmanagement.gke.io/namespace-selector",
      message: /Namespace is cluster-scoped/,
    });
  });

  it("refuses a copy that meets an object written for that namespace", async () => {
    await rejectsAt(render(repo({ ...files(), "web-oncall.yaml": configMap("oncall", undefined, "web") })), {
      code: "DuplicateObject",
      file: "web-oncall.yaml",
      line: 1,
      object: "ConfigMap/web/oncall",
      message: /already defined at oncall\.yaml:1/,
    });
  });

  it("leaves a render without selectors as it was", async () => {
    const plain = await renderPlain(repo({ "cm.yaml": configMap("plain", undefined, "api") }));
    assert.equal(await selectNamespaces(plain), plain);
  });
});
