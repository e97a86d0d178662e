/** YAML and JSON text to Kubernetes objects, each with the line its document starts on. */
import { Composer, type Document, isAlias, isCollection, LineCounter, type Node, Parser } from "yaml";
import { RenderError } from "./errors.ts";
import { checkManifest, classify, ManifestProblem } from "./manifest.ts";
import type { IgnoredFile, RenderedObject } from "./types.ts";
import { type Conversion, type ValuePath, YamlValueError, yamlToJson } from "./yaml-values.ts";

/** Alias expansions allowed per document, nested ones counted: stops "billion laughs". */
const maxAliasExpansions = 10_000;

/** Why a file with no manifest in it was passed over. */
export const SkipReason = {
  NotManifest: "not a Kubernetes manifest",
  Kustomization: "kustomization (use the kustomize renderer)",
  Empty: "no documents",
} as const;

// kubectl and kustomize (go-yaml) read `0644` as octal, YAML 1.2 as decimal 644; file modes
// (`defaultMode: 0644`) must mean what they mean to kubectl.
const legacyOctal = {
  identify: (value: unknown) => typeof value === "number",
  default: true,
  tag: "tag:yaml.org,2002:int",
  format: "OCT",
  test: /^0[0-7]+$/,
  resolve: (text: string) => Number.parseInt(text, 8),
};

/** What one file held: its objects in document order, and what was passed over. */
export interface ParsedFile {
  readonly objects: RenderedObject[];
  /** The whole file when it holds no manifest, or single kustomization documents beside manifests. */
  readonly ignored: IgnoredFile[];
}

/**
 * Parses every document of `text` (YAML; JSON is read as YAML 1.2, of which it is a subset).
 * Empty documents are skipped, a `kind: List` is expanded (its items keep the document's
 * line), kustomization documents are passed over. A file with no manifest at all is
 * returned as ignored. Values are plain JSON: aliases and merge keys (`<<`) resolved, no
 * shared objects. Throws RenderError: ParseError at the line and column of a syntax error
 * or for a document that expands too far; InvalidManifest (with `field`) for a document
 * that is half a Kubernetes object, or that is not one in a file whose other documents are.
 */
export function parseManifests(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number) => lineCounter.linePos(offset);
  const objects: RenderedObject[] = [];
  const kustomizations: number[] = [];
  let manifests = 0;
  let other: { line: number; mapping: boolean } | undefined;
  // One document at a time: its syntax tree is dropped once converted.
  for (const doc of documents(file, text, lineCounter)) {
    const start = lineOf(doc.contents?.range[0] ?? doc.range[0]);
    const value = toValue(file, doc, lineOf);
    const kind = classify(value.value);
    if (kind === "empty") continue;
    if (kind === "other") {
      other ??= { line: start.line, mapping: typeof value.value === "object" && !Array.isArray(value.value) };
      continue;
    }
    if (kind === "kustomization") {
      kustomizations.push(start.line);
      continue;
    }
    manifests++;
    const at = (path: ValuePath) => lineOf(nodeAt(doc, path)?.range?.[0] ?? doc.contents?.range[0] ?? 0);
    if (value.problem) {
      const pos = lineOf(value.problem.offset);
      const field = value.problem.path.join(".");
      throw new RenderError(
        "InvalidManifest",
        { file, line: pos.line, column: pos.col, field },
        `${field}: ${value.problem.message}`,
      );
    }
    try {
      for (const found of checkManifest(value.value))
        objects.push({ object: found.object, source: { file, line: start.line } });
    } catch (error) {
      if (!(error instanceof ManifestProblem)) throw error;
      const pos = at(error.path);
      throw new RenderError(
        "InvalidManifest",
        { file, line: pos.line, column: pos.col, object: error.object, field: error.field || undefined },
        error.message,
      );
    }
  }
  if (manifests === 0) {
    const reason = kustomizations.length ? SkipReason.Kustomization : other ? SkipReason.NotManifest : SkipReason.Empty;
    return { objects, ignored: [{ file, reason }] };
  }
  if (other) {
    // Dropping it silently could prune what the author meant to keep.
    throw new RenderError(
      "InvalidManifest",
      { file, line: other.line, field: other.mapping ? "apiVersion" : undefined },
      other.mapping
        ? "this document has neither apiVersion nor kind, but the others in this file are Kubernetes manifests"
        : "this document is not a mapping, but the others in this file are Kubernetes manifests",
    );
  }
  return {
    objects,
    ignored: kustomizations.map((line) => ({ file, reason: `line ${line}: ${SkipReason.Kustomization}` })),
  };
}

/** The documents of `text` in order; throws ParseError at the first syntax error of a document. */
function* documents(file: string, text: string, lineCounter: LineCounter): Generator<Document.Parsed> {
  const composer = new Composer({
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
    logLevel: "error",
    customTags: (tags) => [legacyOctal, ...tags],
  });
  const stream = composer.compose(new Parser(lineCounter.addNewLine).parse(text));
  for (;;) {
    let next: IteratorResult<Document.Parsed>;
    try {
      next = stream.next();
    } catch (error) {
      // The parser itself gave up (e.g. nesting too deep for the stack).
      throw new RenderError("ParseError", { file, line: 1, cause: error }, `cannot parse: ${String(error)}`);
    }
    if (next.done) return;
    const doc = next.value;
    const first = doc.errors.reduce<(typeof doc.errors)[number] | undefined>(
      (a, e) => (a && a.pos[0] <= e.pos[0] ? a : e),
      undefined,
    );
    if (first) {
      const { line, col } = lineCounter.linePos(first.pos[0]);
      throw new RenderError("ParseError", { file, line, column: col }, first.message.split("\n")[0] ?? "invalid YAML");
    }
    yield doc;
  }
}

function toValue(
  file: string,
  doc: Document.Parsed,
  lineOf: (offset: number) => { line: number; col: number },
): Conversion {
  try {
    // Without aliases a document has fewer values than characters; this leaves room for honest reuse.
    const maxValues = 100_000 + 10 * (doc.range[2] - doc.range[0]);
    return yamlToJson(doc, { maxAliasExpansions, maxValues });
  } catch (error) {
    if (!(error instanceof YamlValueError)) throw error;
    const { line, col } = lineOf(error.offset);
    throw new RenderError("ParseError", { file, line, column: col, cause: error }, error.message);
  }
}

/** The deepest node along `path` (following aliases), for error positions. */
function nodeAt(doc: Document.Parsed, path: ValuePath): Node | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  for (const key of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (!isCollection(node)) break;
    const next: unknown = node.get(key, true);
    if (next === undefined) break;
    node = next;
    if (isAlias(next) || (typeof next === "object" && next !== null && "range" in next)) found = next as Node;
  }
  return found;
}
