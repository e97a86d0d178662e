import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { objectRef } from "../render/refs.ts";
import { renderFor } from "./render.ts";

const hierarchy = fileURLToPath(new URL("../render/testdata/hierarchy/", import.meta.url));

describe("renderFor", () => {
  const root = mkdtempSync(join(tmpdir(), "kaika-renderfor-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
  mkdirSync(join(root, "apps/drafts"), { recursive: true });
  writeFileSync(join(root, "apps/live.yaml"), cm("live"));
  writeFileSync(join(root, "apps/drafts/wip.yaml"), cm("wip"));

  it("leaves out objects from files the GitSource ignores (gitignore syntax, from the repository root)", async () => {
    const all = await renderFor(root, { path: "apps", renderer: "auto" }, { name: "s", namespace: "default" });
    assert.deepEqual(all.objects.map((o) => o.object.metadata.name).sort(), ["live", "wip"]);
    const some = await renderFor(
      root,
      { path: "apps", renderer: "plain" },
      { name: "s", namespace: "default", ignore: "apps/drafts/\n" },
    );
    assert.deepEqual(
      some.objects.map((o) => o.object.metadata.name),
      ["live"],
    );
  });

  it("applies NamespaceSelectors the unstructured way, reading live Namespaces only for mode: dynamic", async () => {
    const selector = (mode: string): string =>
      `apiVersion: configmanagement.gke.io/v1\nkind: NamespaceSelector\nmetadata:\n  name: prod\nspec:\n  mode: ${mode}\n  selector:\n    matchLabels: {env: prod}\n`;
    mkdirSync(join(root, "selected"));
    writeFileSync(
      join(root, "selected/ns.yaml"),
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  labels: {env: prod}\n",
    );
    writeFileSync(
      join(root, "selected/cm.yaml"),
      `${cm("oncall")}  annotations: {configmanagement.gke.io/namespace-selector: prod}\n`,
    );
    writeFileSync(join(root, "selected/selector.yaml"), selector("static"));
    let reads = 0;
    const liveNamespaces = async () => {
      reads++;
      return new Map([["team", { env: "prod" }]]);
    };
    const context = { name: "s", namespace: "default", liveNamespaces };
    const render = async () =>
      (await renderFor(root, { path: "selected" }, context)).objects.map((o) => objectRef(o.object));
    assert.deepEqual(await render(), ["ConfigMap/web/oncall", "Namespace/web"]);
    assert.equal(reads, 0);
    writeFileSync(join(root, "selected/selector.yaml"), selector("dynamic"));
    assert.deepEqual(await render(), ["ConfigMap/team/oncall", "ConfigMap/web/oncall", "Namespace/web"]);
    assert.equal(reads, 1);
  });

  it("leaves a hierarchical repo's selectors to the hierarchy renderer, with renderer auto", async () => {
    const { objects } = await renderFor(
      hierarchy,
      { path: "namespace-selectors" },
      { name: "s", namespace: "default" },
    );
    assert.deepEqual(
      objects.filter((o) => o.object.kind === "ResourceQuota").map((o) => objectRef(o.object)),
      ["ResourceQuota/checkout-dev/retail-quota", "ResourceQuota/checkout-staging/retail-quota"],
    );
  });
});
