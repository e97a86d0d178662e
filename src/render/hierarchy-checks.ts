/** Rules of a hierarchical repo for single objects: what system/ and cluster/ may hold, and where repo metadata goes. */
import { gvk, type KubeObject } from "../kube/types.ts";
import { RenderError } from "./errors.ts";
import { knownScope } from "./kind-scope.ts";
import { objectRef } from "./refs.ts";
import type { RenderedObject } from "./types.ts";

/** One object of a hierarchical repo, with where it sits in the hierarchy. */
export interface Entry {
  readonly item: RenderedObject;
  /** The file relative to the hierarchy root, e.g. "namespaces/shop/rolebinding.yaml". */
  readonly path: string;
  /** The file's folder relative to the hierarchy root, e.g. "namespaces/shop". */
  readonly dir: string;
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An InvalidManifest error at `item`, naming its object and `field` (the message then reads `field: message`). */
export function invalid(item: RenderedObject, message: string, field?: string): RenderError {
  const { file, line } = item.source;
  return new RenderError(
    "InvalidManifest",
    { file, line, object: objectRef(item.object), field },
    field ? `${field}: ${message}` : message,
  );
}

/** True for the kinds clusterregistry/ holds: Cluster and ClusterSelector. */
export function isRegistryKind(apiVersion: string, kind: string): boolean {
  const { group } = gvk(apiVersion, kind);
  return (
    (group === "clusterregistry.k8s.io" && kind === "Cluster") ||
    (group === "configmanagement.gke.io" && kind === "ClusterSelector")
  );
}

/** Why `object` cannot be where it is when it is a repo-metadata kind, else undefined. */
export function misplaced(object: KubeObject, folder: string): string | undefined {
  const { group } = gvk(object.apiVersion, object.kind);
  const config = group === "configmanagement.gke.io";
  if (config && (object.kind === "Repo" || object.kind === "HierarchyConfig") && folder !== "system") {
    return "belongs in system/";
  }
  if (isRegistryKind(object.apiVersion, object.kind) && folder !== "clusterregistry") {
    return "belongs in clusterregistry/";
  }
  if (config && object.kind === "NamespaceSelector" && folder !== "namespaces") {
    return "belongs in an abstract directory under namespaces/ (it selects among the namespaces below it)";
  }
  return undefined;
}

/**
 * Checks system/ (only Repo and HierarchyConfig) and returns the "group/Kind"
 * keys a HierarchyConfig marks `hierarchyMode: none` (not inherited, so not
 * allowed in abstract directories).
 */
export function readSystem(entries: readonly Entry[]): Set<string> {
  const noInherit = new Set<string>();
  for (const { item } of entries) {
    const { object } = item;
    const { group } = gvk(object.apiVersion, object.kind);
    const kind = object.kind;
    if (group !== "configmanagement.gke.io" || (kind !== "Repo" && kind !== "HierarchyConfig")) {
      throw invalid(item, "system/ holds only Repo and HierarchyConfig objects; move this to cluster/ or namespaces/");
    }
    if (kind !== "HierarchyConfig") continue;
    const resources = isMapping(object.spec) ? object.spec.resources : undefined;
    if (resources === undefined) continue;
    if (!Array.isArray(resources)) throw invalid(item, "must be a list", "spec.resources");
    for (const [i, resource] of resources.entries()) {
      const at = `spec.resources[${i}]`;
      if (!isMapping(resource)) throw invalid(item, "must be a mapping with group, kinds and hierarchyMode", at);
      const { group: g = "", kinds, hierarchyMode = "default" } = resource;
      if (typeof g !== "string") throw invalid(item, 'must be a string ("" for the core group)', `${at}.group`);
      if (!Array.isArray(kinds) || !kinds.every((k) => typeof k === "string" && k)) {
        throw invalid(item, "must be a list of kind names", `${at}.kinds`);
      }
      if (hierarchyMode !== "none" && hierarchyMode !== "inherit" && hierarchyMode !== "default") {
        throw invalid(item, "must be inherit, none or default", `${at}.hierarchyMode`);
      }
      for (const k of kinds) {
        if (hierarchyMode === "none") noInherit.add(`${g}/${k}`);
        else noInherit.delete(`${g}/${k}`);
      }
    }
  }
  return noInherit;
}

/** Refuses, in cluster/, Namespaces, well-known namespaced kinds, repo metadata and metadata.namespace. */
export function checkClusterObject(item: RenderedObject): void {
  const { object } = item;
  const wrong = misplaced(object, "cluster");
  if (wrong) throw invalid(item, wrong);

  if (object.kind === "Namespace" && gvk(object.apiVersion, object.kind).group === "") {
    throw invalid(item, `a Namespace belongs in namespaces/…/${object.metadata.name}/, a directory named after it`);
  }
  if (knownScope(object.apiVersion, object.kind) === "Namespaced") {
    throw invalid(item, `${object.kind} is namespaced: put it in a directory under namespaces/`);
  }
  if (object.metadata.namespace !== undefined) {
    throw invalid(
      item,
      "cluster/ holds cluster-scoped objects, which have no namespace: remove it, or move a namespaced object under namespaces/",
      "metadata.namespace",
    );
  }
}
