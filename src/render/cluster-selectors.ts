/** Cluster selectors: which objects of a hierarchical repo one cluster gets, by ClusterSelector labels or by name. */
import { RenderError } from "./errors.ts";
import { invalid, isRegistryKind } from "./hierarchy-checks.ts";
import { objectRef } from "./refs.ts";
import type { RenderedObject } from "./types.ts";

/** Names the ClusterSelector (in clusterregistry/) an object needs; Config Sync's key. */
export const clusterSelectorAnnotation = "configmanagement.gke.io/cluster-selector";
/** kaika's alias of {@link clusterSelectorAnnotation}; when both are set they must agree. */
export const kaikaClusterSelectorAnnotation = "kaika.dev/cluster-selector";
/** A comma-separated list of the cluster names an object is for. */
export const clusterNameSelectorAnnotation = "configsync.gke.io/cluster-name-selector";

/** One `matchExpressions` entry of a Kubernetes label selector. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values: readonly string[];
}

/** A Kubernetes label selector: every matchLabels pair and every expression must hold. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

/** The cluster a render is for, as selectors see it. */
export interface ClusterIdentity {
  readonly name: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

/** The selectors of a repository, bound to one cluster. */
export interface ClusterSelection {
  readonly cluster: ClusterIdentity;
  /**
   * Why this cluster does not get `item`, or undefined when it does (also
   * when it names no selector). Throws RenderError InvalidManifest for a
   * selector name clusterregistry/ does not declare, an empty name list, or
   * two selector annotations on one object.
   */
  exclusion(item: RenderedObject): string | undefined;
}

const operators = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** True when `labels` satisfy `selector` (Kubernetes semantics: NotIn and DoesNotExist hold for a missing key). */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const has = (key: string): boolean => Object.hasOwn(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (!has(key) || labels[key] !== value) return false;
  }
  for (const { key, operator, values } of selector.matchExpressions) {
    const present = has(key);
    const inValues = present && values.includes(labels[key] ?? "");
    if (operator === "In" && !inValues) return false;
    if (operator === "NotIn" && inValues) return false;
    if (operator === "Exists" && !present) return false;
    if (operator === "DoesNotExist" && present) return false;
  }
  return true;
}

/**
 * Reads `spec.selector` of a ClusterSelector (or, with `noun` "namespace", a
 * NamespaceSelector), naming the field of any mistake. An empty selector is refused.
 */
export function parseLabelSelector(item: RenderedObject, noun: "cluster" | "namespace" = "cluster"): LabelSelector {
  const { object } = item;
  const fail = (field: string, message: string): RenderError => invalid(item, message, field);
  const spec = object.spec;
  const selector = isMapping(spec) ? spec.selector : undefined;
  if (!isMapping(selector)) throw fail("spec.selector", "is required (a label selector)");
  const matchLabels: Record<string, string> = {};
  if (selector.matchLabels !== undefined) {
    if (!isMapping(selector.matchLabels)) throw fail("spec.selector.matchLabels", "must be a map of label to value");
    for (const [key, value] of Object.entries(selector.matchLabels)) {
      if (typeof value !== "string")
        throw fail(`spec.selector.matchLabels.${key}`, "must be a string (quote the value)");
      matchLabels[key] = value;
    }
  }
  const matchExpressions: LabelSelectorRequirement[] = [];
  if (selector.matchExpressions !== undefined) {
    if (!Array.isArray(selector.matchExpressions)) throw fail("spec.selector.matchExpressions", "must be a list");
    for (const [i, expression] of selector.matchExpressions.entries()) {
      const at = `spec.selector.matchExpressions[${i}]`;
      if (!isMapping(expression)) throw fail(at, "must be a mapping with key, operator and values");
      const { key, operator, values = [] } = expression;
      if (typeof key !== "string" || !key) throw fail(`${at}.key`, "is required (a string)");
      if (typeof operator !== "string" || !operators.has(operator)) {
        throw fail(`${at}.operator`, "must be In, NotIn, Exists or DoesNotExist");
      }
      if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) {
        throw fail(`${at}.values`, "must be a list of strings");
      }
      if ((operator === "In" || operator === "NotIn") && values.length === 0) {
        throw fail(`${at}.values`, `${operator} needs at least one value`);
      }
      if ((operator === "Exists" || operator === "DoesNotExist") && values.length > 0) {
        throw fail(`${at}.values`, `${operator} takes no values`);
      }
      matchExpressions.push({ key, operator: operator as LabelSelectorRequirement["operator"], values });
    }
  }
  // An empty selector would select everything, which is most likely a mistake.
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) {
    throw fail("spec.selector", `selects every ${noun}; give matchLabels or matchExpressions`);
  }
  return { matchLabels, matchExpressions };
}

/** The selector annotation of `item` with its key, if any. */
function annotation(item: RenderedObject, key: string): string | undefined {
  const value: unknown = item.object.metadata.annotations?.[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw invalid(item, "must be a string (quote it)", `metadata.annotations.${key}`);
  }
  return value.trim();
}

/**
 * Reads the Cluster and ClusterSelector objects of clusterregistry/ and binds
 * them to the cluster named `options.clusterName`: its labels are those of the
 * Cluster of that name, overlaid with `options.clusterLabels`. Throws
 * RenderError for any other kind there, a malformed selector, a selector
 * annotation on a registry object, or two registry objects of one kind and name.
 */
export function clusterSelection(
  registry: readonly RenderedObject[],
  options: { clusterName?: string | undefined; clusterLabels?: Readonly<Record<string, string>> | undefined },
): ClusterSelection {
  const selectors = new Map<string, { selector: LabelSelector; item: RenderedObject }>();
  const clusters = new Map<string, RenderedObject>();
  for (const item of registry) {
    const { object } = item;
    if (!isRegistryKind(object.apiVersion, object.kind)) {
      throw invalid(
        item,
        "clusterregistry/ holds only Cluster (clusterregistry.k8s.io) and ClusterSelector (configmanagement.gke.io) objects",
      );
    }
    for (const key of [clusterSelectorAnnotation, kaikaClusterSelectorAnnotation, clusterNameSelectorAnnotation]) {
      if (object.metadata.annotations?.[key] !== undefined) {
        throw invalid(
          item,
          "a Cluster or ClusterSelector cannot itself be selected; remove the annotation",
          `metadata.annotations.${key}`,
        );
      }
    }
    const name = object.metadata.name ?? "";
    const seen = object.kind === "Cluster" ? clusters.get(name) : selectors.get(name)?.item;
    if (seen) {
      throw new RenderError(
        "DuplicateObject",
        { ...item.source, object: objectRef(object), conflictsWith: seen.source },
        `already defined at ${seen.source.file}:${seen.source.line}`,
      );
    }
    if (object.kind === "Cluster") clusters.set(name, item);
    else selectors.set(name, { selector: parseLabelSelector(item), item });
  }
  const clusterName = options.clusterName;
  const fromRegistry = clusterName === undefined ? undefined : clusters.get(clusterName)?.object.metadata.labels;
  const cluster: ClusterIdentity = {
    name: clusterName,
    labels: { ...(fromRegistry ?? {}), ...(options.clusterLabels ?? {}) },
  };

  const exclusion = (item: RenderedObject): string | undefined => {
    const official = annotation(item, clusterSelectorAnnotation);
    const alias = annotation(item, kaikaClusterSelectorAnnotation);
    const names = annotation(item, clusterNameSelectorAnnotation);
    if (official !== undefined && alias !== undefined && official !== alias) {
      throw invalid(
        item,
        `names ClusterSelector "${alias}" but ${clusterSelectorAnnotation} names "${official}"; keep one`,
        `metadata.annotations.${kaikaClusterSelectorAnnotation}`,
      );
    }
    const selectorName = official ?? alias;
    if (selectorName !== undefined && names !== undefined) {
      throw invalid(
        item,
        "an object takes a ClusterSelector or a cluster-name selector, not both",
        `metadata.annotations.${clusterNameSelectorAnnotation}`,
      );
    }
    if (selectorName !== undefined) {
      const found = selectors.get(selectorName);
      if (!found) {
        const known = [...selectors.keys()].sort();
        throw invalid(
          item,
          `no ClusterSelector named "${selectorName}" in clusterregistry/ (${known.length ? `known: ${known.join(", ")}` : "it declares none"})`,
          `metadata.annotations.${official !== undefined ? clusterSelectorAnnotation : kaikaClusterSelectorAnnotation}`,
        );
      }
      return matchesLabels(found.selector, cluster.labels)
        ? undefined
        : `ClusterSelector "${selectorName}" does not select this cluster`;
    }
    if (names !== undefined) {
      const list = names
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean);
      if (list.length === 0) {
        throw invalid(item, "lists no cluster names", `metadata.annotations.${clusterNameSelectorAnnotation}`);
      }
      if (clusterName === undefined) return `cluster-name selector "${list.join(",")}": no cluster name was given`;
      return list.includes(clusterName)
        ? undefined
        : `cluster-name selector "${list.join(",")}" does not name cluster "${clusterName}"`;
    }
    return undefined;
  };
  return { cluster, exclusion };
}
