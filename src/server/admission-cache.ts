/**
 * What the admission webhook reads from the cluster — ReadinessPolicies, namespace labels, the
 * PodDisruptionBudgets, HorizontalPodAutoscalers, ServiceAccounts and Secret names cross-object checks look at — kept current by
 * informers, so a review answers from memory. Its own informers, not the manager's shared cache:
 * every replica serves the webhook, leader or not.
 */
import { ReadinessPolicyKind } from "../api/readiness-policy.ts";
import type { KubeApi } from "../kube/api.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import { labelsOf } from "../policy/objects.ts";
import { PolicySet, policiesFrom } from "../policy/readiness-policy.ts";
import { Informer, namespaceIndex } from "../runtime/informer.ts";
import type { ReviewContext } from "./admission.ts";

const related = [
  gvk("policy/v1", "PodDisruptionBudget"),
  gvk("autoscaling/v2", "HorizontalPodAutoscaler"),
  gvk("v1", "ServiceAccount"),
];
const SecretKind = gvk("v1", "Secret");

/** A Secret's name and labels only: its values never stay in kaika's memory. */
const withoutValues = <T extends KubeObject>(secret: T): T => {
  const { data: _data, stringData: _stringData, ...rest } = secret as T & { data?: unknown; stringData?: unknown };
  return rest as T;
};

/** Informers over the objects reviews read. */
export class AdmissionCache {
  readonly policies: Informer;
  readonly #namespaces: Informer;
  readonly #related: Informer[];
  readonly #systemNamespace: string;
  readonly #secretNames: boolean;
  #set: PolicySet | undefined;
  #running: Promise<void>[] = [];
  readonly #onPolicies = new Set<(set: PolicySet) => void>();

  /**
   * `secretNames: false` leaves Secrets out (list/watch on Secrets reads their values too, which a
   * least-privilege install does not grant); secrets.ref-missing then sees no live Secret.
   */
  constructor(api: KubeApi, options: { systemNamespace?: string | undefined; secretNames?: boolean | undefined } = {}) {
    this.#systemNamespace = options.systemNamespace ?? "kaika-system";
    this.#secretNames = options.secretNames !== false;
    this.policies = new Informer(api, ReadinessPolicyKind);
    this.#namespaces = new Informer(api, gvk("v1", "Namespace"));
    // Secrets too (names only), so that secrets.ref-missing sees the ones that already exist.
    this.#related = [
      ...related.map((kind) => new Informer(api, kind)),
      ...(options.secretNames === false ? [] : [new Informer(api, SecretKind, { transform: withoutValues })]),
    ];
    const changed = (): void => {
      this.#set = undefined;
      const set = this.policySet();
      for (const fn of this.#onPolicies) fn(set);
    };
    this.policies.addHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
  }

  /** Starts every informer until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.#running = [this.policies, this.#namespaces, ...this.#related].map((i) => i.run(signal));
  }

  /** Resolves true once every informer has synced, false after `timeoutMs` (reviews then use what is there). */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    const all = [this.policies, this.#namespaces, ...this.#related];
    return Promise.all(all.map((i) => i.waitForSync(timeoutMs))).then(
      () => true,
      () => false,
    );
  }

  /** Resolves once every informer has stopped. */
  async stopped(): Promise<void> {
    await Promise.allSettled(this.#running);
  }

  /** Calls `fn` with the new set whenever a ReadinessPolicy changes. */
  onPolicies(fn: (set: PolicySet) => void): void {
    this.#onPolicies.add(fn);
  }

  /** The ReadinessPolicies now, read leniently (an invalid entry is left out). */
  policySet(): PolicySet {
    this.#set ??= new PolicySet(policiesFrom(this.policies.list()).policies, {
      systemNamespace: this.#systemNamespace,
    });
    return this.#set;
  }

  /** Everything review() reads. */
  context(kubernetesVersion?: string): ReviewContext {
    return {
      policies: this.policySet(),
      namespaceLabels: (namespace) => {
        const ns = this.#namespaces.get(namespace);
        return ns ? labelsOf(ns.metadata.labels) : undefined;
      },
      related: (namespace): KubeObject[] => this.#related.flatMap((i) => i.byIndex(namespaceIndex, namespace)),
      ...(kubernetesVersion ? { kubernetesVersion } : {}),
      secretNamesKnown: this.#secretNames,
    };
  }
}
