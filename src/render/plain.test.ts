import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { RenderError } from "./errors.ts";
import { renderPlain } from "./plain.ts";

const roots: string[] = [];
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "kaika-render-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
const cm = (name: string, ns = "default"): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`;

describe("renderPlain", () => {
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it("reads nested folders and multi-document files in sorted order, with file:line per object", async () => {
    const root = tree({
      "b/two.yaml": `${cm("b1")}---\n${cm("b2")}`,
      "a.yml": cm("a"),
      "c/d.json": JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "json" } }),
    });
    const { objects } = await renderPlain(root);
    assert.deepEqual(
      objects.map((o) => `${o.object.metadata.name}@${o.source.file}:${o.source.line}`),
      ["a@a.yml:1", "b1@b/two.yaml:1", "b2@b/two.yaml:7", "json@c/d.json:1"],
    );
  });

  it("skips non-manifests and honours .kaikaignore, saying why", async () => {
    const root = tree({
      "values.yaml": "replicas: 3\n",
      "README.md": "# hi\n",
      "kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
      "sub/.kaikaignore": "drafts/\n",
      "sub/drafts/x.yaml": cm("draft"),
      "sub/ok.yaml": cm("ok"),
    });
    const result = await renderPlain(root);
    assert.deepEqual(
      result.objects.map((o) => o.object.metadata.name),
      ["ok"],
    );
    assert.deepEqual(result.ignored, [
      { file: "README.md", reason: "not a YAML or JSON file" },
      { file: "kustomization.yaml", reason: "kustomization (use the kustomize renderer)" },
      { file: "sub/drafts", reason: "matched .kaikaignore" },
      { file: "values.yaml", reason: "not a Kubernetes manifest" },
    ]);
  });

  it("reports a syntax error at its file, line and column", async () => {
    const root = tree({
      "apps/web.yaml": `${cm("ok")}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n`,
    });
    await assert.rejects(renderPlain(root), (e) => {
      assert.ok(e instanceof RenderError);
      assert.equal(e.code, "ParseError");
      assert.equal(e.file, "apps/web.yaml");
      assert.equal(e.line, 11);
      assert.match(e.message, /^apps\/web\.yaml:11:\d+: /);
      return true;
    });
  });

  it("names the field and line of a half manifest, and both places of a duplicate", async () => {
    await assert.rejects(
      renderPlain(tree({ "x.yaml": `${cm("a")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n` })),
      (e) => {
        assert.ok(e instanceof RenderError && e.code === "InvalidManifest");
        assert.equal(e.field, "metadata.name");
        assert.equal(e.line, 7);
        return true;
      },
    );
    await assert.rejects(renderPlain(tree({ "a.yaml": cm("same"), "b.yaml": cm("same") })), (e) => {
      assert.ok(e instanceof RenderError && e.code === "DuplicateObject");
      assert.match(e.message, /^b\.yaml:1: ConfigMap\/default\/same: also defined at a\.yaml:1/);
      return true;
    });
  });

  it("expands a List and refuses paths and symlinks that leave the root", async () => {
    const list = await renderPlain(
      tree({
        "l.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one}\n",
      }),
    );
    assert.deepEqual(
      list.objects.map((o) => o.object.metadata.name),
      ["one"],
    );
    const root = tree({ "in/a.yaml": cm("a") });
    await assert.rejects(renderPlain(root, "../.."), (e) => e instanceof RenderError && e.code === "PathOutsideRoot");
    symlinkSync("/etc", join(root, "in/escape"));
    await assert.rejects(renderPlain(root, "in"), (e) => e instanceof RenderError && e.code === "PathOutsideRoot");
  });

  it("refuses a billion-laughs document", async () => {
    const lol = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++)
      lol.push(
        `${"b".repeat(i)}: &${"b".repeat(i)} [${Array(10)
          .fill(`*${i === 1 ? "a" : "b".repeat(i - 1)}`)
          .join(", ")}]`,
      );
    const root = tree({
      "lol.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${lol.map((l) => `  ${l}`).join("\n")}\n`,
    });
    await assert.rejects(renderPlain(root), (e) => e instanceof RenderError && e.code === "ParseError");
  });

  it("renders 10,000 objects in 1,000 files (figure printed)", async () => {
    const files: Record<string, string> = {};
    for (let f = 0; f < 1000; f++)
      files[`apps/${f % 10}/f${f}.yaml`] = Array.from({ length: 10 }, (_, i) => cm(`o${f}-${i}`)).join("---\n");
    const root = tree(files);
    const t0 = performance.now();
    const { objects } = await renderPlain(root);
    console.log(`rendered ${objects.length} objects from 1,000 files in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(objects.length, 10_000);
  });
});
