/** Tests of the plain renderer: walk order, file:line per object, ignore rules, errors with positions. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { RenderError } from "./errors.ts";
import { renderPlain } from "./plain.ts";
import { locate, objectRef } from "./refs.ts";
import type { RenderResult } from "./types.ts";

const fixture = join(import.meta.dirname, "testdata", "plain");

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
const placed = (result: RenderResult): string[] =>
  result.objects.map((o) => `${objectRef(o.object)} @ ${o.source.file}:${o.source.line}`);

/** Runs `render`, asserts it throws a RenderError with `code`, and returns the error. */
async function renderError(render: Promise<unknown>, code: RenderError["code"]): Promise<RenderError> {
  const error = await render.then(
    () => assert.fail(`expected a ${code} RenderError`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RenderError, String(error));
  assert.equal(error.code, code, error.message);
  return error;
}

describe("renderPlain", () => {
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it("walks nested folders and multi-document files in sorted order, with file:line per object", async () => {
    const result = await renderPlain(fixture);
    assert.deepEqual(placed(result), [
      "ConfigMap/shop/api-config @ apps/api/config.json:1",
      "ServiceAccount/shop/api @ apps/api/list.yaml:2",
      "RoleBinding/shop/api @ apps/api/list.yaml:2",
      "Deployment/shop/web @ apps/web/deploy.yaml:3",
      "Service/shop/web @ apps/web/deploy.yaml:26",
      "ConfigMap/shop/kept @ apps/web/keep.tmp.yaml:1",
      "Namespace/shop @ base.yaml:1",
    ]);
  });

  it("orders by name, not by the order files were created in", async () => {
    const root = mkdtempSync(join(tmpdir(), "kaika-render-"));
    roots.push(root);
    for (const dir of ["m", "z", "a"]) {
      mkdirSync(join(root, dir));
      for (const file of ["2.yaml", "10.yaml", "1.yaml"]) writeFileSync(join(root, dir, file), cm(`${dir}${file}`));
    }
    writeFileSync(join(root, "b.yaml"), cm("b"));
    const { objects } = await renderPlain(root);
    assert.deepEqual(
      objects.map((o) => o.source.file),
      [
        "a/1.yaml",
        "a/10.yaml",
        "a/2.yaml",
        "b.yaml",
        "m/1.yaml",
        "m/10.yaml",
        "m/2.yaml",
        "z/1.yaml",
        "z/10.yaml",
        "z/2.yaml",
      ],
    );
  });

  it("lists non-manifest, non-YAML and ignored files with the reason, and skips dot-folders", async () => {
    const { ignored, objects } = await renderPlain(fixture);
    assert.deepEqual(ignored, [
      { file: "apps/api/kustomization.yaml", reason: "kustomization (use the kustomize renderer)" },
      { file: "apps/api/scratch.tmp.yaml", reason: "matched .kaikaignore" },
      { file: "apps/drafts", reason: "matched .kaikaignore" },
      { file: "apps/web/README.md", reason: "not a YAML or JSON file" },
      { file: "apps/web/values.yaml", reason: "not a Kubernetes manifest" },
      { file: "empty.yaml", reason: "no documents" },
    ]);
    assert.ok(!objects.some((o) => o.source.file.startsWith(".github/")));
  });

  it("applies a .kaikaignore in a folder above the rendered path, and one below may re-include", async () => {
    const api = await renderPlain(fixture, "apps/api");
    assert.deepEqual(
      api.objects.map((o) => o.source.file),
      ["apps/api/config.json", "apps/api/list.yaml", "apps/api/list.yaml"],
    );
    assert.ok(api.ignored.some((i) => i.file === "apps/api/scratch.tmp.yaml" && i.reason === "matched .kaikaignore"));
    // apps/.kaikaignore ignores *.tmp.yaml; apps/web/.kaikaignore says !keep.tmp.yaml.
    const web = await renderPlain(fixture, "apps/web");
    assert.ok(web.objects.some((o) => o.object.metadata.name === "kept"));
  });

  it("keeps values as written: no namespace added, aliases copied not shared, 0644 octal as kubectl reads it", async () => {
    const { objects } = await renderPlain(fixture, ".", { defaultNamespace: "elsewhere" });
    const ns = objects.find((o) => o.object.kind === "Namespace");
    assert.equal(ns?.object.metadata.namespace, undefined);
    const deploy = objects.find((o) => o.object.kind === "Deployment")?.object as unknown as {
      metadata: { labels: Record<string, string> };
      spec: {
        selector: { matchLabels: Record<string, string> };
        template: { spec: { volumes: { configMap: { defaultMode: number } }[] } };
      };
    };
    assert.deepEqual(deploy.spec.selector.matchLabels, { app: "web" });
    deploy.metadata.labels.extra = "x";
    assert.deepEqual(deploy.spec.selector.matchLabels, { app: "web" }, "an alias must not share the anchor's object");
    assert.equal(deploy.spec.template.spec.volumes[0]?.configMap.defaultMode, 0o644);
  });

  it("reports a YAML syntax error at its exact file, line and column", async () => {
    const lines = cm("ok").split("\n").slice(0, 5);
    // Line 13, column 5: a second `app` key in the labels.
    const text = `${lines.join("\n")}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels:\n    app: web\n    app: api\n`;
    const dup = await renderError(renderPlain(tree({ "apps/web/deploy.yaml": text })), "ParseError");
    assert.equal(dup.file, "apps/web/deploy.yaml");
    assert.equal(dup.line, 13);
    assert.equal(dup.column, 5);
    assert.equal(dup.message, "apps/web/deploy.yaml:13:5: Map keys must be unique");

    const tab = await renderError(
      renderPlain(tree({ "t.yml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n" })),
      "ParseError",
    );
    assert.deepEqual([tab.file, tab.line, tab.column], ["t.yml", 4, 1]);
    assert.match(tab.message, /^t\.yml:4:1: Tabs are not allowed as indentation/);
  });

  it("reads JSON files, and reports a JSON syntax error at its line and column", async () => {
    const json = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "a" } }, null, 2);
    const { objects } = await renderPlain(tree({ "s.json": json }));
    assert.deepEqual(placed({ objects, ignored: [] }), ["Secret/a/s @ s.json:1"]);
    const broken = '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap"\n  "metadata": {"name": "x"}\n}\n';
    const error = await renderError(renderPlain(tree({ "c/cm.json": broken })), "ParseError");
    assert.deepEqual([error.file, error.line, error.column], ["c/cm.json", 4, 3]);
  });

  it("names the field and line of a half manifest", async () => {
    const noName = await renderError(
      renderPlain(tree({ "x.yaml": `${cm("a")}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n` })),
      "InvalidManifest",
    );
    assert.deepEqual([noName.file, noName.line, noName.field], ["x.yaml", 7, "metadata.name"]);
    assert.match(noName.message, /^x\.yaml:7:1: ConfigMap: metadata\.name is required/);

    const numeric = await renderError(
      renderPlain(tree({ "n.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 42\n" })),
      "InvalidManifest",
    );
    assert.deepEqual([numeric.line, numeric.column, numeric.field], [4, 9, "metadata.name"]);

    const noKind = await renderError(
      renderPlain(tree({ "k.yaml": "# only half\napiVersion: v1\nmetadata: {name: x}\n" })),
      "InvalidManifest",
    );
    assert.deepEqual([noKind.line, noKind.field], [2, "kind"]);

    const generated = await renderPlain(
      tree({ "job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: migrate-}\n" }),
    );
    assert.deepEqual(placed(generated), ["Job/migrate-* @ job.yaml:1"]);
  });

  it("refuses a document without apiVersion and kind beside manifests, instead of dropping it", async () => {
    const error = await renderError(
      renderPlain(tree({ "m.yaml": `${cm("a")}---\nmetadata: {name: b}\ndata: {x: y}\n` })),
      "InvalidManifest",
    );
    assert.deepEqual([error.line, error.field], [7, "apiVersion"]);
  });

  it("names both places of a duplicate object", async () => {
    const error = await renderError(
      renderPlain(tree({ "a.yaml": cm("same"), "b/c.yaml": `${cm("x")}---\n${cm("same")}` })),
      "DuplicateObject",
    );
    assert.equal(error.message, "b/c.yaml:7: ConfigMap/default/same: already defined at a.yaml:1");
    assert.deepEqual(error.conflictsWith, { file: "a.yaml", line: 1 });
    assert.equal(error.object, "ConfigMap/default/same");

    // Same name in another group or namespace is another object; a missing namespace is the default one.
    const other = "apiVersion: example.com/v1\nkind: ConfigMap\nmetadata: {name: same, namespace: default}\n";
    const root = tree({ "a.yaml": cm("same"), "b.yaml": other, "c.yaml": cm("same", "prod") });
    assert.equal((await renderPlain(root)).objects.length, 3);
    writeFileSync(join(root, "d.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\n");
    assert.equal((await renderPlain(root)).objects.length, 4);
    const implicit = await renderError(renderPlain(root, ".", { defaultNamespace: "default" }), "DuplicateObject");
    assert.deepEqual([implicit.file, implicit.conflictsWith?.file], ["d.yaml", "a.yaml"]);
  });

  it("expands a kind: List into its items, each at the List's line", async () => {
    const list =
      "# two\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: two}\n";
    const result = await renderPlain(tree({ "l.yaml": `${cm("before")}---\n${list}` }));
    assert.deepEqual(placed(result), [
      "ConfigMap/default/before @ l.yaml:1",
      "ConfigMap/one @ l.yaml:8",
      "Secret/two @ l.yaml:8",
    ]);
    const bad = await renderError(
      renderPlain(
        tree({ "l.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {}\n" }),
      ),
      "InvalidManifest",
    );
    assert.deepEqual([bad.line, bad.field], [4, "metadata.name"]);
  });

  it("refuses a path that climbs out of the root", async () => {
    const root = tree({ "in/a.yaml": cm("a") });
    for (const path of ["..", "../..", "in/../../x"]) {
      const error = await renderError(renderPlain(root, path), "PathOutsideRoot");
      assert.equal(error.file, path);
    }
    assert.equal((await renderPlain(root, "in/../in")).objects.length, 1);
    await renderError(renderPlain(root, "missing"), "NotFound");
  });

  it("refuses a symlinked folder that leads out of the root, follows one inside, and ignores a loop", async () => {
    const outside = tree({ "secret.yaml": cm("stolen") });
    const root = tree({ "in/a.yaml": cm("a"), "shared/b.yaml": cm("b") });
    symlinkSync(join(root, "shared"), join(root, "in/linked"));
    symlinkSync(".", join(root, "in/loop"));
    const inside = await renderPlain(root, "in");
    assert.deepEqual(placed(inside), ["ConfigMap/default/a @ in/a.yaml:1", "ConfigMap/default/b @ in/linked/b.yaml:1"]);
    assert.deepEqual(inside.ignored, [{ file: "in/loop", reason: "symlink loop" }]);

    symlinkSync(outside, join(root, "in/escape"));
    const error = await renderError(renderPlain(root, "in"), "PathOutsideRoot");
    assert.equal(error.file, "in/escape");
    symlinkSync(outside, join(root, "out"));
    await renderError(renderPlain(root, "out"), "PathOutsideRoot");
  });

  it("lists hidden files and broken symlinks, and refuses a broken symlink to a manifest", async () => {
    const root = tree({ "a.yaml": cm("a"), ".sops.yaml": "creation_rules: []\n" });
    symlinkSync("gone.md", join(root, "notes.md"));
    assert.deepEqual((await renderPlain(root)).ignored, [
      { file: ".sops.yaml", reason: "hidden file" },
      { file: "notes.md", reason: "broken symlink" },
    ]);
    symlinkSync("gone.yaml", join(root, "b.yaml"));
    const error = await renderError(renderPlain(root), "NotFound");
    assert.equal(error.file, "b.yaml");
  });

  it("refuses a billion-laughs document, and one huge anchor repeated many times", async () => {
    const lol = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i <= 8; i++) {
      const previous = i === 1 ? "a" : `l${i - 1}`;
      lol.push(`l${i}: &l${i} [${Array(10).fill(`*${previous}`).join(", ")}]`);
    }
    const laughs = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${lol.map((l) => `  ${l}`).join("\n")}\n`;
    const error = await renderError(renderPlain(tree({ "lol.yaml": laughs })), "ParseError");
    assert.match(error.message, /^lol\.yaml:\d+:\d+: more than 10000 alias expansions/);

    const big = Array.from({ length: 2000 }, (_, i) => `    k${i}: v`).join("\n");
    const uses = Array.from({ length: 1000 }, (_, i) => `  u${i}: *big`).join("\n");
    const wide = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: wide}\ndata:\n  big: &big\n${big}\n${uses}\n`;
    const tooWide = await renderError(renderPlain(tree({ "wide.yaml": wide })), "ParseError");
    assert.match(tooWide.message, /expands to more than \d+ values/);
  });

  it("throws the error of the first bad file in walk order, whatever finishes first", async () => {
    // a.yaml takes long to read and parse and is broken at its end; the others fail at once, earlier in time.
    const slow = `big: "${"x".repeat(8 * 1024 * 1024)}"\nbroken: [\n`;
    const files: Record<string, string> = { "a.yaml": slow };
    for (let i = 0; i < 15; i++) files[`b${i}.yaml`] = "b: {\n";
    const error = await renderError(renderPlain(tree(files)), "ParseError");
    assert.equal(error.file, "a.yaml");
  });

  it("locates an object by reference or by object", async () => {
    const result = await renderPlain(fixture);
    assert.deepEqual(locate(result, "Service/shop/web"), { file: "apps/web/deploy.yaml", line: 26 });
    assert.deepEqual(
      locate(result, { apiVersion: "apps/v1beta2", kind: "Deployment", metadata: { name: "web", namespace: "shop" } }),
      { file: "apps/web/deploy.yaml", line: 3 },
    );
    assert.equal(locate(result, "Service/other/web"), undefined);
  });

  it("renders 10,000 objects in 1,000 files (figure printed, not asserted)", async () => {
    const files: Record<string, string> = {};
    for (let f = 0; f < 1000; f++) {
      files[`apps/${f % 10}/f${f}.yaml`] = Array.from({ length: 10 }, (_, i) => cm(`o${f}-${i}`)).join("---\n");
    }
    const root = tree(files);
    const t0 = performance.now();
    const { objects } = await renderPlain(root);
    console.log(`rendered ${objects.length} objects from 1,000 files in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(objects.length, 10_000);
    assert.equal(objects[9_999]?.object.metadata.name, "o999-9");
  });
});
