/** Decides what a parsed document is, and checks that a manifest is a Kubernetes object (expanding `kind: List`). */
import type { KubeObject } from "../kube/types.ts";
import type { JsonValue, ValuePath } from "./yaml-values.ts";

/** What a document holds: nothing, something else (values, config), a kustomization, or a manifest. */
export type DocumentClass = "empty" | "other" | "kustomization" | "manifest";

/** A manifest that is only half a Kubernetes object: where (`path` in the document) and which `field`. */
export class ManifestProblem extends Error {
  override readonly name = "ManifestProblem";
  readonly path: ValuePath;
  readonly field: string;
  readonly object: string | undefined;
  constructor(path: ValuePath, field: string, object: string | undefined, message: string) {
    super(message);
    this.path = path;
    this.field = field;
    this.object = object;
  }
}

/** One object found in a document, with its key path there (`[]`, or `["items", 3]` in a List). */
export interface FoundObject {
  readonly object: KubeObject;
  readonly path: ValuePath;
}

type JsonObject = { [key: string]: JsonValue };
const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const kustomizeGroup = "kustomize.config.k8s.io/";

/**
 * Classifies a document. A mapping with neither `apiVersion` nor `kind` (a Helm values file,
 * an old kustomization) and anything that is not a mapping are "other"; a document whose
 * apiVersion is `kustomize.config.k8s.io/*` is a "kustomization"; any other mapping with
 * apiVersion or kind is a "manifest", even a broken one (checkManifest says what is wrong).
 */
export function classify(value: JsonValue): DocumentClass {
  if (value === null) return "empty";
  if (!isObject(value) || (!("apiVersion" in value) && !("kind" in value))) return "other";
  if (typeof value.apiVersion === "string" && value.apiVersion.startsWith(kustomizeGroup)) return "kustomization";
  return "manifest";
}

/**
 * Checks a "manifest" document and returns its objects: the document itself, or the items of
 * a `kind: List` (nested Lists flattened), in order. Throws ManifestProblem for a missing or
 * non-string apiVersion or kind, a missing name (without generateName), a non-string
 * name/namespace, or labels/annotations that are not string-to-string mappings. Fields are
 * named relative to the object; `path` locates it in the document.
 */
export function checkManifest(value: JsonValue, path: ValuePath = []): FoundObject[] {
  if (!isObject(value)) throw new ManifestProblem(path, "", undefined, "a List item must be a mapping");
  const { apiVersion, kind } = value;
  const at = (...rest: ValuePath): ValuePath => [...path, ...rest];
  for (const [field, got] of [
    ["apiVersion", apiVersion],
    ["kind", kind],
  ] as const) {
    if (got === undefined) throw new ManifestProblem(path, field, undefined, `${field} is required`);
    if (typeof got !== "string" || got === "")
      throw new ManifestProblem(at(field), field, undefined, `${field} must be a non-empty string`);
  }
  const kindName = kind as string;
  if (kindName === "List") {
    const items = value.items;
    if (!Array.isArray(items))
      throw new ManifestProblem(at("items"), "items", "List", "a List needs an items sequence");
    return items.flatMap((item, i) => checkManifest(item, at("items", i)));
  }
  const metadata = value.metadata;
  if (metadata === undefined) {
    throw new ManifestProblem(path, "metadata.name", kindName, "metadata.name is required");
  }
  if (!isObject(metadata))
    throw new ManifestProblem(at("metadata"), "metadata", kindName, "metadata must be a mapping");
  const { name, generateName, namespace } = metadata;
  const ref = `${kindName}/${typeof namespace === "string" && namespace ? `${namespace}/` : ""}${typeof name === "string" ? name : ""}`;
  if (name === undefined || name === null) {
    if (typeof generateName !== "string" || generateName === "") {
      const where = name === null ? at("metadata", "name") : path;
      throw new ManifestProblem(
        where,
        "metadata.name",
        kindName,
        "metadata.name is required (or metadata.generateName)",
      );
    }
  } else if (typeof name !== "string" || name === "") {
    throw new ManifestProblem(
      at("metadata", "name"),
      "metadata.name",
      kindName,
      "metadata.name must be a non-empty string",
    );
  }
  if (namespace !== undefined && typeof namespace !== "string") {
    throw new ManifestProblem(
      at("metadata", "namespace"),
      "metadata.namespace",
      ref,
      "metadata.namespace must be a string",
    );
  }
  for (const field of ["labels", "annotations"] as const) {
    const map = metadata[field];
    if (map === undefined) continue;
    if (!isObject(map)) {
      throw new ManifestProblem(at("metadata", field), `metadata.${field}`, ref, `metadata.${field} must be a mapping`);
    }
    for (const [key, item] of Object.entries(map)) {
      if (typeof item !== "string") {
        throw new ManifestProblem(
          at("metadata", field, key),
          `metadata.${field}.${key}`,
          ref,
          `metadata.${field}.${key} must be a string (quote the value)`,
        );
      }
    }
  }
  return [{ object: value as KubeObject, path }];
}
