/** SLO files to definitions: multi-document YAML in kaika's, Sloth's or OpenSLO's format, told apart per document. */
import { readFile } from "node:fs/promises";
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import type { SloDefinition } from "./definition.ts";
import { SloSpecError } from "./errors.ts";
import { type DocumentContext, fromNative } from "./native.ts";
import { fromOpenSlo, isOpenSlo, type OpenSloDocument } from "./openslo.ts";
import { fromSloth, isSloth } from "./sloth.ts";

/** Options of loading. */
export interface LoadOptions {
  /** The window of Sloth SLOs, whose spec has none (Sloth's own default is 30 days). Default 30. */
  readonly slothWindowDays?: number;
}

/** One input: a name for messages and its text. */
export interface SloSource {
  readonly file: string;
  readonly text: string;
}

/**
 * Every SLO in `sources`, in order. OpenSLO SLOs may refer to SLI documents
 * in any of the sources. Throws SloSpecError naming file, line, object and field;
 * two SLOs with the same id are an error.
 */
export function parseSloSources(sources: readonly SloSource[], options: LoadOptions = {}): SloDefinition[] {
  const out: SloDefinition[] = [];
  const openSlo: OpenSloDocument[] = [];
  for (const source of sources) {
    for (const { doc, context } of documents(source)) {
      if (doc.apiVersion === "kaika.dev/v1alpha1" && doc.kind === "ServiceLevelObjective") {
        out.push(fromNative(doc, context));
      } else if (isSloth(doc)) {
        out.push(...fromSloth(doc, context, options.slothWindowDays ?? 30));
      } else if (isOpenSlo(doc)) {
        openSlo.push({ doc, context });
      } else {
        const what =
          doc.apiVersion || doc.kind
            ? `apiVersion ${String(doc.apiVersion)}, kind ${String(doc.kind)}`
            : "no apiVersion";
        throw new SloSpecError(
          { file: source.file, line: context.lineOf?.(""), field: "apiVersion" },
          `not an SLO (${what}): expected kaika.dev/v1alpha1 ServiceLevelObjective, Sloth version prometheus/v1 or sloth.slok.dev/v1 PrometheusServiceLevel, or openslo/v1`,
        );
      }
    }
  }
  out.push(...fromOpenSlo(openSlo));
  const seen = new Map<string, SloDefinition>();
  for (const definition of out) {
    const first = seen.get(definition.id);
    if (first) {
      throw new SloSpecError(
        { file: definition.source.file, object: definition.source.object },
        `SLO id "${definition.id}" is also defined by ${first.source.object}${first.source.file ? ` in ${first.source.file}` : ""}`,
      );
    }
    seen.set(definition.id, definition);
  }
  return out;
}

/** Reads files ("-" is stdin) and parses them with parseSloSources. */
export async function loadSloFiles(paths: readonly string[], options: LoadOptions = {}): Promise<SloDefinition[]> {
  const sources: SloSource[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = path === "-" ? await readStdin() : await readFile(path, "utf8");
    } catch (error) {
      throw new SloSpecError({ file: path }, `cannot read: ${(error as Error).message}`, { cause: error });
    }
    sources.push({ file: path === "-" ? "<stdin>" : path, text });
  }
  return parseSloSources(sources, options);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function* documents(source: SloSource): Generator<{ doc: Record<string, unknown>; context: DocumentContext }> {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source.text, { lineCounter });
  if (!Array.isArray(docs)) return;
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      throw new SloSpecError(
        { file: source.file, line: lineCounter.linePos(error.pos[0]).line },
        `not valid YAML: ${error.message.split("\n")[0]}`,
      );
    }
    // Aliases expanding without bound would let a small file exhaust memory.
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) continue;
    const lineOf = (field: string): number | undefined => lineOfField(doc, lineCounter, field);
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new SloSpecError({ file: source.file, line: lineOf("") }, "a document must be a mapping");
    }
    yield { doc: value as Record<string, unknown>, context: { file: source.file, lineOf } };
  }
}

/** The line of `spec.slos[0].name` in `doc` (the line of its key), or of its nearest ancestor that exists. */
function lineOfField(doc: Document.Parsed, lineCounter: LineCounter, field: string): number | undefined {
  const path = [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    const last = path[n - 1];
    let node: unknown;
    if (isMap(parent)) node = parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key;
    else if (isSeq(parent) && typeof last === "number") node = parent.items[last];
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  const root = doc.contents;
  return isNode(root) && root.range ? lineCounter.linePos(root.range[0]).line : undefined;
}
