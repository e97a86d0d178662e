/**
 * The Cluster controller: builds a client from each Cluster's kubeconfig
 * Secret, probes the cluster (version, nodes) on an interval, and reports
 * reachability and what every Sync runs there in the Cluster's status.
 * A cluster that comes back wakes the Syncs that target it, so it catches up.
 */
import type { ClusterSpec, ClusterStatus } from "../api/cluster.ts";
import type { ClusterConnection, FleetState } from "../fleet/state.ts";
import { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import type { Informer, ReconcileContext, Reconciler, Request, Result } from "../runtime/index.ts";
import { statusConditions } from "../runtime/index.ts";
import { writeStatus } from "./status.ts";

export const ClusterKind = gvk("kaika.dev/v1alpha1", "Cluster");

/** A Cluster as read from the cache. */
export type ClusterObject = KubeObject & { spec: ClusterSpec; status?: ClusterStatus };

const probeTimeoutMs = 5000;

/** Probes Clusters and keeps their connections in the fleet state. */
export class ClusterReconciler implements Reconciler {
  readonly #api: KubeApi;
  readonly #clusters: Informer<ClusterObject>;
  readonly #fleet: FleetState;
  readonly #probeIntervalMs: number;
  readonly #onReachable: (namespace: string, cluster: string) => void;

  constructor(
    api: KubeApi,
    clusters: Informer<ClusterObject>,
    fleet: FleetState,
    options: { probeIntervalMs: number; onReachable: (namespace: string, cluster: string) => void },
  ) {
    this.#api = api;
    this.#clusters = clusters;
    this.#fleet = fleet;
    this.#probeIntervalMs = options.probeIntervalMs;
    this.#onReachable = options.onReachable;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const key = `${request.namespace}/${request.name}`;
    const cluster = this.#clusters.get(key);
    if (!cluster) {
      await this.#forget(key);
      return undefined;
    }
    const before = this.#fleet.connections.get(key)?.reachable;
    let connection: ClusterConnection | undefined;
    let probe: Partial<ClusterStatus> = {};
    let problem: string | undefined;
    try {
      connection = await this.#connect(key, cluster);
      probe = await probeCluster(connection.api);
      connection.reachable = true;
      connection.message = undefined;
    } catch (error) {
      problem = (error as Error).message;
      if (connection) {
        connection.reachable = false;
        connection.message = problem;
      }
    }
    const reachable = problem === undefined;
    if (before !== reachable) {
      log.info({ reachable, problem }, reachable ? "cluster reachable" : "cluster unreachable");
      if (reachable) this.#onReachable(request.namespace ?? "", request.name);
    }
    const generation = cluster.metadata.generation;
    const status: ClusterStatus = {
      ...cluster.status,
      ...probe,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      reachable,
      syncs: this.#fleet.runsOn(request.namespace ?? "", request.name).map(({ sync, run }) => ({
        sync,
        state: stateOf(run),
        ...(run.revision ? { revision: run.revision } : {}),
        ...(run.message ? { message: run.message.slice(0, 1000) } : {}),
        ...(run.violations ? { violations: run.violations } : {}),
        ...(run.drift ? { drift: run.drift } : {}),
        ...(run.lastAppliedAt ? { lastAppliedTime: new Date(run.lastAppliedAt).toISOString() } : {}),
      })),
      conditions: statusConditions(
        cluster.status?.conditions,
        reachable ? "ready" : "reconciling",
        reachable ? "Reachable" : "Unreachable",
        reachable ? `Kubernetes ${probe.kubernetesVersion}, ${probe.nodeCount} nodes` : (problem ?? ""),
        generation,
      ),
    };
    await writeStatus(this.#api, cluster, status);
    return { requeueAfter: this.#probeIntervalMs };
  }

  /** A client for the Cluster, rebuilt when its Secret changed. */
  async #connect(key: string, cluster: ClusterObject): Promise<ClusterConnection> {
    const ref = cluster.spec.kubeconfigSecretRef;
    const namespace = cluster.metadata.namespace ?? "";
    let secret: KubeObject;
    try {
      secret = await this.#api.get(gvk("v1", "Secret"), ref.name, namespace);
    } catch (error) {
      if (error instanceof NotFoundError)
        throw new Error(`spec.kubeconfigSecretRef: Secret ${namespace}/${ref.name} not found`);
      throw error;
    }
    const version = secret.metadata.resourceVersion ?? "";
    const existing = this.#fleet.connections.get(key);
    if (existing && existing.secretVersion === version) return existing;
    const dataKey = ref.key ?? "kubeconfig";
    const encoded = (secret.data as Record<string, string> | undefined)?.[dataKey];
    if (!encoded) throw new Error(`spec.kubeconfigSecretRef: Secret ${namespace}/${ref.name} has no key "${dataKey}"`);
    const api = KubeApi.load({ text: Buffer.from(encoded, "base64").toString("utf8") });
    await existing?.api.close();
    const connection: ClusterConnection = { api, secretVersion: version, reachable: false };
    this.#fleet.connections.set(key, connection);
    return connection;
  }

  async #forget(key: string): Promise<void> {
    const connection = this.#fleet.connections.get(key);
    this.#fleet.connections.delete(key);
    await connection?.api.close();
  }
}

/** Version and node count, each bounded by a short timeout. */
async function probeCluster(api: KubeApi): Promise<Partial<ClusterStatus>> {
  const version = await api.client.request<{ gitVersion: string }>("GET", "/version", { timeoutMs: probeTimeoutMs });
  const nodes = await api.client.request<{ items: unknown[]; metadata: { remainingItemCount?: number } }>(
    "GET",
    "/api/v1/nodes",
    { query: { limit: 500 }, timeoutMs: probeTimeoutMs },
  );
  return {
    kubernetesVersion: version.gitVersion,
    nodeCount: nodes.items.length + (nodes.metadata.remainingItemCount ?? 0),
    lastContactTime: new Date().toISOString(),
  };
}

/** The state word of a run, as Cluster and Sync statuses show it. */
export function stateOf(run: {
  revision?: string | undefined;
  applying?: string | undefined;
  failed?: { revision: string } | undefined;
  unreachable?: boolean | undefined;
}): string {
  if (run.unreachable) return "Unreachable";
  if (run.applying) return "Progressing";
  if (run.failed && run.failed.revision !== run.revision) return "Failed";
  if (run.revision) return "Applied";
  return "Pending";
}
