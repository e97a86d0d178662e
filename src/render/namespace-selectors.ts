/** NamespaceSelectors: Config Sync's objects that pick namespaces by label, and the annotation that names one. */
import { gvk, type KubeObject } from "../kube/types.ts";
import { type LabelSelector, parseLabelSelector } from "./cluster-selectors.ts";
import { RenderError } from "./errors.ts";
import { invalid } from "./hierarchy-checks.ts";
import { objectRef } from "./refs.ts";
import type { RenderedObject } from "./types.ts";

/** Names the NamespaceSelector an object needs; Config Sync's key. */
export const namespaceSelectorAnnotation = "configmanagement.gke.io/namespace-selector";

/**
 * How a NamespaceSelector finds namespaces in an unstructured repo: `static`
 * (the default) only those the repo declares, `dynamic` also those live in
 * the cluster, by their live labels.
 */
export type NamespaceSelectorMode = "static" | "dynamic";

/** One parsed NamespaceSelector. */
export interface NamespaceSelector {
  readonly name: string;
  readonly selector: LabelSelector;
  readonly mode: NamespaceSelectorMode;
  readonly item: RenderedObject;
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** True for a NamespaceSelector (configmanagement.gke.io). */
export function isNamespaceSelector(object: KubeObject): boolean {
  return object.kind === "NamespaceSelector" && gvk(object.apiVersion, object.kind).group === "configmanagement.gke.io";
}

/**
 * Reads a NamespaceSelector: `spec.selector` (a non-empty label selector) and
 * `spec.mode` (static or dynamic, default static). Throws RenderError
 * InvalidManifest naming the field at fault, and for a selector annotation on it.
 */
export function readNamespaceSelector(item: RenderedObject): NamespaceSelector {
  const { object } = item;
  if (object.metadata.annotations?.[namespaceSelectorAnnotation] !== undefined) {
    throw invalid(
      item,
      "a NamespaceSelector cannot itself be selected; remove the annotation",
      `metadata.annotations.${namespaceSelectorAnnotation}`,
    );
  }
  const selector = parseLabelSelector(item, "namespace");
  const mode = isMapping(object.spec) ? (object.spec.mode ?? "static") : "static";
  if (mode !== "static" && mode !== "dynamic") throw invalid(item, "must be static or dynamic", "spec.mode");
  return { name: object.metadata.name ?? "", selector, mode, item };
}

/** The NamespaceSelector name `item` is annotated with, if any; InvalidManifest when it is not a non-empty string. */
export function selectorNameOf(item: RenderedObject): string | undefined {
  const value: unknown = item.object.metadata.annotations?.[namespaceSelectorAnnotation];
  if (value === undefined) return undefined;
  const name = typeof value === "string" ? value.trim() : "";
  if (!name) {
    throw invalid(item, "must name a NamespaceSelector", `metadata.annotations.${namespaceSelectorAnnotation}`);
  }
  return name;
}

/** InvalidManifest on the annotation of `item`: `name` is not among `known` (described by `where`). */
export function unknownSelector(
  item: RenderedObject,
  name: string,
  known: Iterable<string>,
  where: string,
): RenderError {
  const names = [...known].sort();
  return invalid(
    item,
    `no NamespaceSelector named "${name}" ${where} (${names.length ? `known there: ${names.join(", ")}` : "none is declared there"})`,
    `metadata.annotations.${namespaceSelectorAnnotation}`,
  );
}

/** Indexes `items` (NamespaceSelectors) by name; DuplicateObject for two of one name. */
export function selectorsByName(items: readonly RenderedObject[]): Map<string, NamespaceSelector> {
  const byName = new Map<string, NamespaceSelector>();
  for (const item of items) {
    const parsed = readNamespaceSelector(item);
    const seen = byName.get(parsed.name);
    if (seen) {
      throw new RenderError(
        "DuplicateObject",
        { ...item.source, object: objectRef(item.object), conflictsWith: seen.item.source },
        `already defined at ${seen.item.source.file}:${seen.item.source.line}`,
      );
    }
    byName.set(parsed.name, parsed);
  }
  return byName;
}
