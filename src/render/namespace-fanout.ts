/** NamespaceSelectors in an unstructured repo: each annotated object is copied into every namespace its selector picks. */
import { gvk, type KubeObject } from "../kube/types.ts";
import { matchesLabels } from "./cluster-selectors.ts";
import { assertNoDuplicates } from "./duplicates.ts";
import { invalid } from "./hierarchy-checks.ts";
import { knownScope } from "./kind-scope.ts";
import {
  isNamespaceSelector,
  type NamespaceSelector,
  namespaceSelectorAnnotation,
  selectorNameOf,
  selectorsByName,
  unknownSelector,
} from "./namespace-selectors.ts";
import { objectRef } from "./refs.ts";
import type { IgnoredFile, RenderedObject, RenderResult } from "./types.ts";

/** Namespace name → its labels. */
export type NamespaceLabels = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** What selectNamespaces needs besides the render. */
export interface FanOutOptions {
  /**
   * The target cluster's live Namespaces (terminating ones left out), called
   * only when an object names a NamespaceSelector with `mode: dynamic`.
   * Default: none, and such a selector is an error.
   */
  readonly liveNamespaces?: (() => Promise<NamespaceLabels>) | undefined;
  /** Where objects without metadata.namespace land, for the duplicate check. Default: none. */
  readonly defaultNamespace?: string | undefined;
}

const isNamespace = (object: KubeObject): boolean =>
  object.kind === "Namespace" && gvk(object.apiVersion, object.kind).group === "";

/** True when `result` holds a NamespaceSelector or an object naming one: selectNamespaces has work to do. */
function hasNamespaceSelectors(result: RenderResult): boolean {
  return result.objects.some(
    (o) => isNamespaceSelector(o.object) || o.object.metadata.annotations?.[namespaceSelectorAnnotation] !== undefined,
  );
}

/**
 * Applies Config Sync's NamespaceSelectors to an unstructured render: the
 * NamespaceSelector objects are read, not output (listed in `ignored`); an
 * object annotated `configmanagement.gke.io/namespace-selector: <name>` is
 * replaced, where it stood, by one copy per selected namespace (in name
 * order) with metadata.namespace set. `mode: static` (the default) selects
 * among the Namespaces the render declares, by their declared labels;
 * `mode: dynamic` also among the live ones, by their live labels with the
 * declared ones laid over them. An object that selects no namespace is listed
 * in `ignored`. Throws RenderError: InvalidManifest (naming file, object and
 * field) for a malformed selector, a name no NamespaceSelector has, the
 * annotation on a Namespace or a cluster-scoped kind or beside
 * metadata.namespace, and `mode: dynamic` without `liveNamespaces`;
 * DuplicateObject when a copy meets another object.
 */
export async function selectNamespaces(result: RenderResult, options: FanOutOptions = {}): Promise<RenderResult> {
  if (!hasNamespaceSelectors(result)) return result;
  const byName = selectorsByName(result.objects.filter((o) => isNamespaceSelector(o.object)));
  const declared = new Map<string, Readonly<Record<string, string>>>();
  for (const { object } of result.objects) {
    if (isNamespace(object)) declared.set(object.metadata.name ?? "", object.metadata.labels ?? {});
  }
  const wanted = new Map<RenderedObject, NamespaceSelector>();
  for (const item of result.objects) {
    const name = selectorNameOf(item);
    if (name === undefined) continue;
    checkTarget(item);
    const found = byName.get(name);
    if (!found) throw unknownSelector(item, name, byName.keys(), "in this repo");
    wanted.set(item, found);
  }
  const live = await readLive(new Set(wanted.values()), options);
  const candidates = (selector: NamespaceSelector): Map<string, Readonly<Record<string, string>>> => {
    if (selector.mode === "static" || !live) return declared;
    const all = new Map(live);
    for (const [name, labels] of declared) all.set(name, { ...live.get(name), ...labels });
    return all;
  };

  const ignored: IgnoredFile[] = [...result.ignored];
  const objects: RenderedObject[] = [];
  for (const item of result.objects) {
    const { object, source } = item;
    if (isNamespaceSelector(object)) {
      ignored.push({
        file: source.file,
        reason: `${objectRef(object)} (line ${source.line}): namespace selection, read, not applied`,
      });
      continue;
    }
    const selector = wanted.get(item);
    if (!selector) {
      objects.push(item);
      continue;
    }
    const picked = [...candidates(selector)]
      .filter(([, labels]) => matchesLabels(selector.selector, labels))
      .map(([name]) => name)
      .sort();
    if (picked.length === 0) {
      ignored.push({
        file: source.file,
        reason: `${objectRef(object)} (line ${source.line}): NamespaceSelector "${selector.name}" (${selector.mode}) selects no namespace`,
      });
    }
    for (const namespace of picked) {
      const copy = structuredClone(object);
      copy.metadata.namespace = namespace;
      objects.push({ object: copy, source });
    }
  }
  assertNoDuplicates(objects, options.defaultNamespace);
  ignored.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { objects, ignored };
}

/** Refuses the annotation where a namespace cannot be chosen: Namespaces, cluster-scoped kinds, a set metadata.namespace. */
function checkTarget(item: RenderedObject): void {
  const { object } = item;
  const field = `metadata.annotations.${namespaceSelectorAnnotation}`;
  if (isNamespace(object) || knownScope(object.apiVersion, object.kind) === "Cluster") {
    throw invalid(
      item,
      `${object.kind} is cluster-scoped, so a NamespaceSelector cannot place it: remove the annotation`,
      field,
    );
  }
  if (object.metadata.namespace !== undefined) {
    throw invalid(
      item,
      "an object with a namespace selector is copied into every namespace it selects: remove metadata.namespace",
      "metadata.namespace",
    );
  }
}

/** The live Namespaces when a used selector is dynamic; InvalidManifest at its spec.mode when they cannot be read. */
async function readLive(
  used: ReadonlySet<NamespaceSelector>,
  options: FanOutOptions,
): Promise<NamespaceLabels | undefined> {
  const dynamic = [...used].find((s) => s.mode === "dynamic");
  if (!dynamic) return undefined;
  if (!options.liveNamespaces) {
    throw invalid(
      dynamic.item,
      "mode: dynamic selects by the cluster's live Namespaces, and this render has no view of them (kaika reads them for a Sync without spec.targets): use mode: static",
      "spec.mode",
    );
  }
  return options.liveNamespaces();
}
