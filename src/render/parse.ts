/** YAML and JSON files to Kubernetes objects, each with the line its document starts on. */
import { LineCounter, parseAllDocuments } from "yaml";
import type { KubeObject } from "../kube/types.ts";
import { RenderError } from "./errors.ts";
import type { RenderedObject } from "./types.ts";

// Bounds alias expansion: a "billion laughs" document must fail, not eat memory.
const maxAliasCount = 10_000;

/** What one file held: its objects, or why it is not a manifest file. */
export type ParsedFile = { readonly objects: RenderedObject[] } | { readonly skip: string };

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parses every document of `text`. Throws RenderError ParseError with the
 * exact line and column of a syntax error, InvalidManifest for a document
 * that is half a manifest. A file with no manifest at all is skipped.
 */
export function parseManifests(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const objects: RenderedObject[] = [];
  let sawKustomization = false;
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      throw new RenderError(
        "ParseError",
        { file, line: pos.line, column: pos.col },
        error.message.split("\n")[0] ?? "invalid YAML",
      );
    }
    const start = lineCounter.linePos(doc.contents?.range[0] ?? doc.range[0]);
    const line = start.line;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (e) {
      throw new RenderError("ParseError", { file, line }, e instanceof Error ? e.message : String(e));
    }
    if (value === null || value === undefined) continue;
    if (!isMapping(value)) throw new RenderError("InvalidManifest", { file, line }, "a document must be a mapping");
    const hasApiVersion = "apiVersion" in value;
    const hasKind = "kind" in value;
    if (!hasApiVersion && !hasKind) continue;
    if (typeof value.apiVersion === "string" && value.apiVersion.startsWith("kustomize.config.k8s.io/")) {
      sawKustomization = true;
      continue;
    }
    if (typeof value.apiVersion !== "string" || !value.apiVersion) {
      throw new RenderError(
        "InvalidManifest",
        { file, line, field: "apiVersion" },
        "apiVersion is required (a string)",
      );
    }
    if (typeof value.kind !== "string" || !value.kind) {
      throw new RenderError("InvalidManifest", { file, line, field: "kind" }, "kind is required (a string)");
    }
    if (value.kind === "List" && Array.isArray(value.items)) {
      for (const item of value.items) objects.push({ object: checkObject(file, line, item), source: { file, line } });
      continue;
    }
    objects.push({ object: checkObject(file, line, value), source: { file, line } });
  }
  if (objects.length === 0)
    return { skip: sawKustomization ? "kustomization (use the kustomize renderer)" : "not a Kubernetes manifest" };
  return { objects };
}

function checkObject(file: string, line: number, value: unknown): KubeObject {
  if (!isMapping(value) || typeof value.kind !== "string" || typeof value.apiVersion !== "string") {
    throw new RenderError("InvalidManifest", { file, line }, "a List item must have apiVersion and kind");
  }
  const metadata = value.metadata;
  const ref = `${value.kind}`;
  if (!isMapping(metadata))
    throw new RenderError("InvalidManifest", { file, line, object: ref, field: "metadata" }, "metadata is required");
  const name = metadata.name;
  if (name === undefined && typeof metadata.generateName === "string") return value as KubeObject;
  if (typeof name !== "string" || !name) {
    throw new RenderError(
      "InvalidManifest",
      { file, line, object: ref, field: "metadata.name" },
      "metadata.name is required (a string)",
    );
  }
  if (metadata.namespace !== undefined && typeof metadata.namespace !== "string") {
    throw new RenderError(
      "InvalidManifest",
      { file, line, object: `${ref}/${name}`, field: "metadata.namespace" },
      "must be a string",
    );
  }
  return value as KubeObject;
}
