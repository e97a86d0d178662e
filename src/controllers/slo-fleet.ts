/**
 * SLO rules on fleet Clusters: for an SLO with spec.clusterSelector, its
 * rules object goes into every selected Cluster (for that cluster's own
 * Prometheus), and comes out of Clusters that stop matching and, through the
 * SLO's finalizer, of all of them when the SLO is deleted. One Cluster
 * failing or unreachable never stops the others: each gets its own state.
 */
import type { ServiceLevelObjectiveStatus } from "../api/slo.ts";
import { selectsCluster } from "../fleet/waves.ts";
import { ensureNamespace, type KubeApi } from "../kube/api.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import type { Informer } from "../runtime/index.ts";
import type { SloDefinition } from "../slo/index.ts";
import type { ClusterObject } from "./cluster.ts";
import type { ClusterClients } from "./cluster-clients.ts";
import { deleteRulesObjects, writeRulesObject } from "./slo-rules.ts";

/** The rules' state on one fleet Cluster, as status.clusters shows it. */
export type ClusterRules = NonNullable<ServiceLevelObjectiveStatus["clusters"]>[number];

type SloLike = KubeObject & { spec: { clusterSelector?: Parameters<typeof selectsCluster>[0] | undefined } };

const NamespaceKind = gvk("v1", "Namespace");

const keyOf = (c: { namespace: string; cluster: string }): string => `${c.namespace}/${c.cluster}`;

export class SloFleetRules {
  readonly #admin: KubeApi;
  readonly #clusters: Informer<ClusterObject>;
  readonly #clients: ClusterClients;
  /** kube-system's uid per client: the cluster's identity, however it is addressed. */
  readonly #identities = new WeakMap<KubeApi, string>();

  constructor(admin: KubeApi, clusters: Informer<ClusterObject>, clients: ClusterClients) {
    this.#admin = admin;
    this.#clusters = clusters;
    this.#clients = clients;
  }

  /** The Clusters (any namespace, not suspended) the SLO's clusterSelector selects, by namespace and name. */
  selected(slo: SloLike): ClusterObject[] {
    const selector = slo.spec.clusterSelector;
    if (!selector) return [];
    return this.#clusters
      .list()
      .filter((c) => !c.spec.suspend && selectsCluster(selector, c.metadata.labels ?? {}))
      .sort((a, b) => (clusterKey(a) < clusterKey(b) ? -1 : 1));
  }

  /**
   * Writes the rules into each selected Cluster and removes them from those
   * in `previous` that are no longer selected. Returns the new states; a
   * removal that failed stays listed (state Failed) so it is tried again.
   */
  async write(slo: SloLike, definition: SloDefinition, previous: readonly ClusterRules[]): Promise<ClusterRules[]> {
    const selected = this.selected(slo);
    const wanted = new Set(selected.map(clusterKey));
    const written = await Promise.all(selected.map((cluster) => this.#writeOne(slo, definition, cluster, previous)));
    const leftovers = previous.filter((p) => !wanted.has(keyOf(p)));
    const removals = await Promise.all(leftovers.map((p) => this.#removeOne(slo, p)));
    await this.#clients.retain(new Set(this.#clusters.list().map(clusterKey)));
    return [...written, ...removals.filter((r): r is ClusterRules => r !== undefined)];
  }

  /**
   * Removes the rules from every Cluster in `previous` and every one selected
   * now (a write may have landed before its status did); returns those where
   * that failed, to retry.
   */
  async removeAll(slo: SloLike, previous: readonly ClusterRules[]): Promise<ClusterRules[]> {
    const entries = new Map(previous.map((p) => [keyOf(p), p]));
    for (const cluster of this.selected(slo)) {
      const id = { cluster: cluster.metadata.name ?? "", namespace: cluster.metadata.namespace ?? "" };
      if (!entries.has(keyOf(id))) entries.set(keyOf(id), { ...id, state: "Written" });
    }
    const removals = await Promise.all([...entries.values()].map((p) => this.#removeOne(slo, p)));
    return removals.filter((r): r is ClusterRules => r !== undefined);
  }

  async #writeOne(
    slo: SloLike,
    definition: SloDefinition,
    cluster: ClusterObject,
    previous: readonly ClusterRules[],
  ): Promise<ClusterRules> {
    const id = { cluster: cluster.metadata.name ?? "", namespace: cluster.metadata.namespace ?? "" };
    const before = previous.find((p) => keyOf(p) === keyOf(id));
    const kept = before?.kind ? { kind: before.kind } : {};
    if (cluster.status?.reachable === false) {
      return { ...id, ...kept, state: "Unreachable", message: "the Cluster is unreachable; written when it answers" };
    }
    try {
      const api = await this.#clients.get(cluster);
      // The admin cluster registered as a fleet Cluster (as in the demo) already has the owned local copy.
      if (await this.#isAdmin(api)) return { ...id, state: "Written", message: "the cluster kaika runs in" };
      if (slo.metadata.namespace) await ensureNamespace(api, slo.metadata.namespace);
      const rules = await writeRulesObject(api, slo, definition, false);
      return { ...id, state: "Written", kind: rules.kind };
    } catch (error) {
      return { ...id, ...kept, state: "Failed", message: (error as Error).message.slice(0, 500) };
    }
  }

  /** Undefined once the rules are gone (or the Cluster object is: nothing left to reach). */
  async #removeOne(slo: SloLike, entry: ClusterRules): Promise<ClusterRules | undefined> {
    const cluster = this.#clusters.get(keyOf(entry));
    // Gone, or never written there (unreachable from the start): nothing to remove.
    if (!cluster || (entry.state !== "Written" && !entry.kind)) return undefined;
    try {
      const api = await this.#clients.get(cluster);
      // Never the local copy: it goes with the SLO by its owner reference.
      if (!(await this.#isAdmin(api))) await deleteRulesObjects(api, slo);
      return undefined;
    } catch (error) {
      return { ...entry, state: "Failed", message: `removing the rules: ${(error as Error).message.slice(0, 480)}` };
    }
  }

  /** Whether `api` reaches the cluster kaika runs in (same kube-system uid). */
  async #isAdmin(api: KubeApi): Promise<boolean> {
    const [admin, other] = await Promise.all([this.#identity(this.#admin), this.#identity(api)]);
    return admin === other;
  }

  async #identity(api: KubeApi): Promise<string> {
    let uid = this.#identities.get(api);
    if (uid === undefined) {
      uid = (await api.get(NamespaceKind, "kube-system")).metadata.uid ?? "";
      this.#identities.set(api, uid);
    }
    return uid;
  }
}

function clusterKey(cluster: ClusterObject): string {
  return `${cluster.metadata.namespace}/${cluster.metadata.name}`;
}
