/**
 * Indexes over a check context's input, built once per evaluate(): cross-object checks look up the
 * HPAs that target a workload, or the PDBs, Services, NetworkPolicies and workloads that share a label
 * with a selector, instead of scanning the whole input (or a whole namespace) per object.
 */

import type { KubeObject } from "../kube/types.ts";
import { groupOf, kindsOf, labelsOf, podLabelsOf, rec, text } from "./objects.ts";
import { producedSecrets } from "./secret-sources.ts";
import type { CheckContext } from "./types.ts";

/** An object that runs pods, with its pods' labels and the kind names and tokens it matches. */
export interface Workload {
  readonly object: KubeObject;
  readonly labels: Readonly<Record<string, string>>;
  readonly kinds: readonly string[];
}

/** Lookups over the input of one context. Namespaces are "" for objects without one. */
export interface Lookup {
  /** Objects of one of Kubernetes' own kinds (Service, Secret, …) in a namespace. */
  of(kind: string, namespace: string): readonly KubeObject[];
  /** The names of those objects. */
  names(kind: string, namespace: string): ReadonlySet<string>;
  /** The object of one of Kubernetes' own kinds with that name in the namespace (the first, if repeated). */
  get(kind: string, namespace: string, name: string): KubeObject | undefined;
  /**
   * The names of the Secrets the namespace gets from the input: Secret manifests, and the Secrets that
   * ExternalSecrets, ClusterExternalSecrets and SealedSecrets create (secret-sources.ts).
   */
  secrets(namespace: string): ReadonlySet<string>;
  /** Whether any object (any group) of that kind and name is in the namespace. */
  has(kind: string, namespace: string, name: string): boolean;
  /** The HorizontalPodAutoscalers of the namespace whose scaleTargetRef names this kind and name. */
  autoscalers(kind: string, namespace: string, name: string): readonly KubeObject[];
  /** PodDisruptionBudgets of the namespace that may select these labels (check with selects()). */
  budgetsFor(namespace: string, labels: Readonly<Record<string, string>>): readonly KubeObject[];
  /** Services of the namespace whose selector may select these labels (check with mapSelects()). */
  servicesFor(namespace: string, labels: Readonly<Record<string, string>>): readonly KubeObject[];
  /** NetworkPolicies (networking.k8s.io) of the namespace whose podSelector may select these labels (check with selects()). */
  networkPoliciesFor(namespace: string, labels: Readonly<Record<string, string>>): readonly KubeObject[];
  /**
   * Whether network policies of other APIs (Cilium, Calico, Antrea, AdminNetworkPolicy) are in the input for
   * the namespace or cluster-wide: they may isolate pods in ways the checks do not read.
   */
  otherNetworkPolicies(namespace: string): boolean;
  /** Pod-running objects of the namespace that may match a selector with these matchLabels (all when none). */
  workloadsFor(namespace: string, matchLabels: Readonly<Record<string, string>>): readonly Workload[];
}

const none: readonly never[] = [];
const noNames: ReadonlySet<string> = new Set();
const sep = "\u0000";
const key = (...parts: string[]): string => parts.join(sep);

/**
 * A network policy of another API than networking.k8s.io: CiliumNetworkPolicy, Calico's (Global)NetworkPolicy,
 * AdminNetworkPolicy… Staged Calico policies only report, they isolate nothing.
 */
const otherNetworkPolicy = (o: KubeObject): boolean =>
  o.kind.endsWith("NetworkPolicy") &&
  !o.kind.startsWith("Staged") &&
  !(o.kind === "NetworkPolicy" && ["networking.k8s.io", "extensions"].includes(groupOf(o)));

/** Lists under string keys. */
class Buckets<T> {
  readonly #map = new Map<string, T[]>();
  add(k: string, value: T): void {
    const list = this.#map.get(k);
    if (list) list.push(value);
    else this.#map.set(k, [value]);
  }
  get(k: string): readonly T[] {
    return this.#map.get(k) ?? none;
  }
}

/**
 * Objects filed under the first pair of their selector, so the candidates for a set of labels are those
 * filed under one of its pairs (every pair of a selector must be among the labels it selects), plus
 * those whose selector has no pairs.
 */
class BySelectorPair {
  readonly #keyed = new Buckets<KubeObject>();
  readonly #unkeyed = new Buckets<KubeObject>();
  add(namespace: string, pairs: Readonly<Record<string, string>>, object: KubeObject): void {
    const first = Object.entries(pairs)[0];
    if (first) this.#keyed.add(key(namespace, first[0], first[1]), object);
    else this.#unkeyed.add(namespace, object);
  }
  candidates(namespace: string, labels: Readonly<Record<string, string>>): readonly KubeObject[] {
    const found = Object.entries(labels).flatMap(([k, v]) => this.#keyed.get(key(namespace, k, v)));
    const unkeyed = this.#unkeyed.get(namespace);
    return unkeyed.length === 0 ? found : [...found, ...unkeyed];
  }
}

function build(context: CheckContext): Lookup {
  const byKind = new Buckets<KubeObject>();
  const own = new Map<string, KubeObject>();
  const named = new Set<string>();
  const hpas = new Buckets<KubeObject>();
  const budgets = new BySelectorPair();
  const services = new BySelectorPair();
  const networkPolicies = new BySelectorPair();
  // Namespaces with network policies of other APIs ("": cluster-wide, or without a namespace).
  const otherPolicies = new Set<string>();
  const workloads = new Buckets<Workload>();
  const workloadsByLabel = new Buckets<Workload>();
  // Secrets made by other objects, by namespace ("*": any namespace).
  const produced = new Buckets<string>();
  for (const o of context.objects) {
    const namespace = o.metadata?.namespace ?? "";
    const name = o.metadata?.name ?? "";
    named.add(key(o.kind, namespace, name));
    const kinds = kindsOf(o, context);
    // Only Kubernetes' own kinds are filed by kind: a Knative Service is no Service.
    if (kinds[0] === o.kind) {
      byKind.add(key(o.kind, namespace), o);
      if (!own.has(key(o.kind, namespace, name))) own.set(key(o.kind, namespace, name), o);
      const spec = rec(o.spec);
      if (o.kind === "HorizontalPodAutoscaler") {
        const ref = rec(spec.scaleTargetRef);
        hpas.add(key(text(ref.kind), namespace, text(ref.name)), o);
      } else if (o.kind === "PodDisruptionBudget" && spec.selector !== undefined) {
        budgets.add(namespace, labelsOf(rec(spec.selector).matchLabels), o);
      } else if (o.kind === "Service") {
        const selector = labelsOf(spec.selector);
        // An empty Service selector selects nothing.
        if (Object.keys(selector).length > 0) services.add(namespace, selector, o);
      } else if (o.kind === "NetworkPolicy") {
        networkPolicies.add(namespace, labelsOf(rec(spec.podSelector).matchLabels), o);
      }
    }
    if (otherNetworkPolicy(o)) otherPolicies.add(namespace);
    for (const p of producedSecrets(o)) produced.add(p.namespace, p.name);
    const labels = podLabelsOf(o, context);
    if (labels) {
      const workload = { object: o, labels, kinds };
      workloads.add(namespace, workload);
      for (const [k, v] of Object.entries(labels)) workloadsByLabel.add(key(namespace, k, v), workload);
    }
  }
  const nameSets = new Map<string, ReadonlySet<string>>();
  const secretSets = new Map<string, ReadonlySet<string>>();
  const names = (kind: string, namespace: string): ReadonlySet<string> => {
    const k = key(kind, namespace);
    let found = nameSets.get(k);
    if (!found) {
      const objects = byKind.get(k);
      found = objects.length > 0 ? new Set(objects.map((o) => o.metadata?.name ?? "")) : noNames;
      nameSets.set(k, found);
    }
    return found;
  };
  return {
    of: (kind, namespace) => byKind.get(key(kind, namespace)),
    names,
    secrets(namespace) {
      let found = secretSets.get(namespace);
      if (!found) {
        const made = [...produced.get(namespace), ...produced.get("*")];
        const manifests = names("Secret", namespace);
        found = made.length > 0 ? new Set([...manifests, ...made]) : manifests;
        secretSets.set(namespace, found);
      }
      return found;
    },
    get: (kind, namespace, name) => own.get(key(kind, namespace, name)),
    has: (kind, namespace, name) => named.has(key(kind, namespace, name)),
    autoscalers: (kind, namespace, name) => hpas.get(key(kind, namespace, name)),
    budgetsFor: (namespace, labels) => budgets.candidates(namespace, labels),
    servicesFor: (namespace, labels) => services.candidates(namespace, labels),
    networkPoliciesFor: (namespace, labels) => networkPolicies.candidates(namespace, labels),
    otherNetworkPolicies: (namespace) => otherPolicies.has(namespace) || otherPolicies.has(""),
    workloadsFor(namespace, matchLabels) {
      const first = Object.entries(matchLabels)[0];
      return first ? workloadsByLabel.get(key(namespace, first[0], first[1])) : workloads.get(namespace);
    },
  };
}

const built = new WeakMap<CheckContext, Lookup>();

/** The lookups of a context, built on first use and kept while the context lives. */
export function lookup(context: CheckContext): Lookup {
  const found = built.get(context);
  if (found) return found;
  const made = build(context);
  built.set(context, made);
  return made;
}
