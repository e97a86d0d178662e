/**
 * The Cluster controller, on every replica for the clusters of its shards:
 * builds a client from each Cluster's kubeconfig Secret, probes the cluster
 * (version, nodes) on an interval, starts the applies the Syncs want there,
 * and reports reachability and what every Sync runs there in the Cluster's
 * status. A cluster that comes back wakes the Syncs that target it.
 */
import type { ClusterSpec, ClusterStatus } from "../api/cluster.ts";
import { type AuditMetrics, auditCluster, summarize } from "../audit/index.ts";
import { type Shards, shardOf } from "../fleet/shards.ts";
import type { ClusterConnection, FleetState } from "../fleet/state.ts";
import { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import type { Informer, Logger, ReconcileContext, Reconciler, Request, Result } from "../runtime/index.ts";
import { statusConditions } from "../runtime/index.ts";
import { writeStatus } from "./status.ts";

export const ClusterKind = gvk("kaika.dev/v1alpha1", "Cluster");

/** A Cluster as read from the cache. */
export type ClusterObject = KubeObject & { spec: ClusterSpec; status?: ClusterStatus };

const probeTimeoutMs = 5000;

/** What the Cluster reconciler needs besides the API. */
export interface ClusterReconcilerOptions {
  readonly probeIntervalMs: number;
  /** Which clusters this replica handles. */
  readonly shards: Shards;
  /** This replica's identity, shown in status.handledBy. */
  readonly identity: string;
  /** A cluster answered again: wake the Syncs that target it. */
  readonly onReachable: (namespace: string, cluster: string) => void;
  /** Starts the applies the Syncs want on a reachable cluster this replica handles. */
  readonly work: (cluster: ClusterObject, connection: ClusterConnection, log: Logger) => void;
  /** The readiness audit of each fleet cluster, every intervalMs; off when unset. */
  readonly audit?:
    | {
        readonly intervalMs: number;
        readonly policies: () => readonly KubeObject[];
        readonly metrics: AuditMetrics;
        readonly systemNamespace: string;
      }
    | undefined;
}

/** Probes the Clusters of this replica's shards, keeps their connections, and reports them in status. */
export class ClusterReconciler implements Reconciler {
  readonly #api: KubeApi;
  readonly #clusters: Informer<ClusterObject>;
  readonly #fleet: FleetState;
  readonly #options: ClusterReconcilerOptions;

  constructor(api: KubeApi, clusters: Informer<ClusterObject>, fleet: FleetState, options: ClusterReconcilerOptions) {
    this.#api = api;
    this.#clusters = clusters;
    this.#fleet = fleet;
    this.#options = options;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const key = `${request.namespace}/${request.name}`;
    const cluster = this.#clusters.get(key);
    const shards = this.#options.shards;
    // Another replica holds this cluster's shard: it probes, applies and reports.
    if (!cluster || !shards.owns(key)) {
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
      if (reachable) this.#options.onReachable(request.namespace ?? "", request.name);
    }
    // Start what the Syncs want here, so the status below already shows it as applying.
    if (connection && reachable) this.#options.work(cluster, connection, log);
    const audit = connection && reachable ? await this.#audit(request.name, connection, log) : undefined;
    const generation = cluster.metadata.generation;
    const status: ClusterStatus = {
      ...cluster.status,
      ...probe,
      ...(audit ? { audit } : {}),
      shard: shardOf(key, shards.count),
      handledBy: this.#options.identity,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      reachable,
      syncs: this.#fleet.runsOn(request.namespace ?? "", request.name).map(({ sync, run }) => ({
        sync,
        state: stateOf(run),
        ...(run.revision ? { revision: run.revision } : {}),
        ...(run.applying ? { applying: run.applying } : {}),
        ...(run.failed && run.failed.revision !== run.revision ? { failedRevision: run.failed.revision } : {}),
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
    return { requeueAfter: this.#options.probeIntervalMs };
  }

  /** The cluster's audit when one is due (its metrics carry the cluster's name); undefined otherwise. */
  async #audit(name: string, connection: ClusterConnection, log: Logger): Promise<ClusterStatus["audit"]> {
    const audit = this.#options.audit;
    if (!audit || Date.now() - (connection.lastAuditAt ?? 0) < audit.intervalMs) return undefined;
    connection.lastAuditAt = Date.now();
    try {
      const report = await auditCluster(connection.api, audit.policies(), { systemNamespace: audit.systemNamespace });
      audit.metrics.record(report, name);
      return summarize(report, "*", 10);
    } catch (error) {
      log.warn({ err: error }, "audit of the cluster failed");
      return undefined;
    }
  }

  /** A client for the Cluster, rebuilt when its Secret changed. */
  async #connect(key: string, cluster: ClusterObject): Promise<ClusterConnection> {
    const { text, version } = await readKubeconfig(this.#api, cluster);
    const existing = this.#fleet.connections.get(key);
    if (existing && existing.secretVersion === version) return existing;
    const api = KubeApi.load({ text });
    existing?.drift?.stop.abort();
    await existing?.api.close();
    const connection: ClusterConnection = { api, secretVersion: version, reachable: false };
    this.#fleet.connections.set(key, connection);
    return connection;
  }

  async #forget(key: string): Promise<void> {
    const connection = this.#fleet.connections.get(key);
    this.#fleet.connections.delete(key);
    connection?.drift?.stop.abort();
    await connection?.drift?.live.stopped();
    await connection?.api.close();
  }
}

/** The Cluster's kubeconfig from its Secret, and the Secret's resourceVersion. */
export async function readKubeconfig(api: KubeApi, cluster: ClusterObject): Promise<{ text: string; version: string }> {
  const ref = cluster.spec.kubeconfigSecretRef;
  const namespace = cluster.metadata.namespace ?? "";
  let secret: KubeObject;
  try {
    secret = await api.get(gvk("v1", "Secret"), ref.name, namespace);
  } catch (error) {
    if (error instanceof NotFoundError)
      throw new Error(`spec.kubeconfigSecretRef: Secret ${namespace}/${ref.name} not found`);
    throw error;
  }
  const dataKey = ref.key ?? "kubeconfig";
  const encoded = (secret.data as Record<string, string> | undefined)?.[dataKey];
  if (!encoded) throw new Error(`spec.kubeconfigSecretRef: Secret ${namespace}/${ref.name} has no key "${dataKey}"`);
  return { text: Buffer.from(encoded, "base64").toString("utf8"), version: secret.metadata.resourceVersion ?? "" };
}

/** A new client for the Cluster (the caller closes it). */
export async function connectCluster(api: KubeApi, cluster: ClusterObject): Promise<KubeApi> {
  return KubeApi.load({ text: (await readKubeconfig(api, cluster)).text });
}

/** Whether the cluster answers /version within 5 s (an apply failure may just be the cluster going away). */
export async function answers(api: KubeApi): Promise<boolean> {
  try {
    await api.client.request("GET", "/version", { timeoutMs: probeTimeoutMs });
    return true;
  } catch {
    return false;
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
