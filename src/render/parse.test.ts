/** Tests of parseManifests: what counts as a manifest, YAML values as kubectl reads them, positions of problems. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RenderError } from "./errors.ts";
import { parseManifests, SkipReason } from "./parse.ts";

const head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

function fails(text: string, code: RenderError["code"]): RenderError {
  try {
    parseManifests("f.yaml", text);
  } catch (error) {
    assert.ok(error instanceof RenderError, String(error));
    assert.equal(error.code, code, error.message);
    return error;
  }
  return assert.fail(`expected a ${code} RenderError`);
}
const data = (text: string): Record<string, unknown> =>
  parseManifests("f.yaml", text).objects[0]!.object.data as Record<string, unknown>;

describe("parseManifests", () => {
  it("reads scalars as kubectl does: yes stays a string, 0644 is octal", () => {
    assert.deepEqual(data(`${head}data:\n  a: yes\n  b: 0644\n  c: 0o17\n  d: "0644"\n  e: 10\n  f: null\n`), {
      a: "yes",
      b: 420,
      c: 15,
      d: "0644",
      e: 10,
      f: null,
    });
  });

  it("merges << keys: keys already there win, then earlier sources", () => {
    const text = `${head}data:\n  base: &base {a: "1", b: "2"}\n  m:\n    <<: [*base, {a: "0", c: "3"}]\n    b: "9"\n`;
    assert.deepEqual(data(text).m, { a: "1", b: "9", c: "3" });
  });

  it("keeps a __proto__ key as data, never as a prototype", () => {
    const d = data(`${head}data:\n  __proto__: {polluted: "yes"}\n  copy: &p {__proto__: {x: "1"}}\n  again: *p\n`);
    assert.ok(Object.hasOwn(d, "__proto__"));
    assert.equal(Object.getPrototypeOf(d), Object.prototype);
    assert.equal(Object.getPrototypeOf(d.again), Object.prototype);
    assert.deepEqual(Object.keys(d.again as object), ["__proto__"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("refuses non-JSON values in a manifest at their position, and ignores them in other files", () => {
    const error = fails(`${head}data:\n  a: .inf\n`, "InvalidManifest");
    assert.deepEqual([error.line, error.column, error.field], [6, 6, "data.a"]);
    assert.deepEqual(parseManifests("v.yaml", "limit: .inf\n").ignored, [
      { file: "v.yaml", reason: SkipReason.NotManifest },
    ]);
  });

  it("refuses labels and annotations that are not strings, at the value", () => {
    const error = fails(`${head}  labels:\n    version: 1.0\n`, "InvalidManifest");
    assert.deepEqual(
      [error.line, error.column, error.field, error.object],
      [6, 14, "metadata.labels.version", "ConfigMap/x"],
    );
  });

  it("refuses an alias with no anchor, and a recursive one, at the alias", () => {
    const unknown = fails(`${head}data:\n  a: *nope\n`, "ParseError");
    assert.deepEqual([unknown.line, unknown.column], [6, 6]);
    const recursive = fails(`${head}data:\n  a: &x [*x]\n`, "ParseError");
    assert.deepEqual([recursive.line, recursive.column], [6, 10]);
  });

  it("passes over files with no manifest, saying why", () => {
    const reason = (text: string) => parseManifests("f.yaml", text).ignored.map((i) => i.reason);
    assert.deepEqual(reason("replicas: 3\n---\nimage: {tag: x}\n"), [SkipReason.NotManifest]);
    assert.deepEqual(reason("- a\n- b\n"), [SkipReason.NotManifest]);
    assert.deepEqual(reason("# only a comment\n---\n"), [SkipReason.Empty]);
    assert.deepEqual(reason("resources: [a.yaml]\n"), [SkipReason.NotManifest]);
    assert.deepEqual(reason("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"), [
      SkipReason.Kustomization,
    ]);
  });

  it("keeps manifests beside a kustomization document and notes the one passed over", () => {
    const parsed = parseManifests(
      "k.yaml",
      `${head}---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n`,
    );
    assert.equal(parsed.objects.length, 1);
    assert.deepEqual(parsed.ignored, [{ file: "k.yaml", reason: `line 6: ${SkipReason.Kustomization}` }]);
  });

  it("counts an empty List as a manifest file with no objects", () => {
    assert.deepEqual(parseManifests("l.yaml", "apiVersion: v1\nkind: List\nitems: []\n"), { objects: [], ignored: [] });
    const error = fails("apiVersion: v1\nkind: List\nitems: {}\n", "InvalidManifest");
    assert.deepEqual([error.line, error.field], [3, "items"]);
  });
});
