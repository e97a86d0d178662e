/**
 * A Sync with `targets`: the rollout across fleet clusters. Each reconcile
 * plans (src/fleet/waves.ts) which revision every targeted cluster should run
 * from what the clusters report in their status, and publishes it as
 * `status.clusters[].desiredRevision`; the replica holding each cluster's
 * shard applies it (fleet-worker.ts) and reports back in the Cluster's
 * status, which wakes this Sync again. It never waits on a cluster.
 */

import type { ClusterSyncState } from "../api/cluster.ts";
import type { SyncStatus } from "../api/sync.ts";
import { configMapInventory } from "../apply/inventory.ts";
import { pruneObjects } from "../apply/prune.ts";
import { fleetNamespace } from "../fleet/apply-to-cluster.ts";
import type { FleetState } from "../fleet/state.ts";
import {
  type ClusterRun,
  type FleetCluster,
  planRollout,
  type RolloutStatus,
  type SloGate,
  selectsCluster,
} from "../fleet/waves.ts";
import type { KubeApi } from "../kube/api.ts";
import type { EventRecorder, Informer, Logger, Result } from "../runtime/index.ts";
import { answers, type ClusterObject, connectCluster } from "./cluster.ts";
import { parseDuration } from "./durations.ts";
import type { SyncObject } from "./sync.ts";

/** Annotations `kaika rollout promote` and `kaika rollout resume` set (any new value is a new request). */
export const promoteRequestedAnnotation = "kaika.dev/promote-requested-at";
export const retryRequestedAnnotation = "kaika.dev/retry-requested-at";

/** What the fleet path of the Sync controller needs. */
export interface FleetSyncDeps {
  /** The admin cluster (Secrets of Clusters, for the finalizer's prune). */
  readonly api: KubeApi;
  readonly clusters: Informer<ClusterObject>;
  readonly fleet: FleetState;
  readonly events: EventRecorder;
  readonly sloGate?: SloGate | undefined;
}

type SetStatus = (
  outcome: "ready" | "reconciling" | "stalled",
  reason: string,
  message: string,
  extra?: Partial<SyncStatus>,
) => Promise<void>;

/** Targets, waves and per-cluster applies of one Sync. */
export class FleetSyncer {
  readonly #deps: FleetSyncDeps;
  // What this process last wrote per Sync: the cache may not show our own status write yet, and a
  // promote read twice from a stale status would skip two waves.
  readonly #written = new Map<string, { rollout: RolloutStatus; promoteAt?: string; retryAt?: string }>();

  constructor(deps: FleetSyncDeps) {
    this.#deps = deps;
  }

  /** The Syncs of a namespace that target clusters (a Cluster's change concerns them). */
  static targeting(syncs: readonly SyncObject[], namespace: string): SyncObject[] {
    return syncs.filter((s) => s.metadata.namespace === namespace && (s.spec.targets?.length ?? 0) > 0);
  }

  async reconcile(sync: SyncObject, revision: string, setStatus: SetStatus): Promise<Result> {
    const { events } = this.#deps;
    const namespace = sync.metadata.namespace ?? "";
    const interval = parseDuration(sync.spec.interval ?? "10m");
    const now = Date.now();
    const key = `${namespace}/${sync.metadata.name}`;
    const targeted = this.#targeted(sync);
    // What each cluster runs, as the replica holding its shard reported it in the Cluster's status.
    const runs = new Map<string, ClusterRun>();
    const reported = new Map<string, ClusterSyncState>();
    for (const { cluster, object } of targeted) {
      const entry = object.status?.syncs?.find((e) => e.sync === key);
      if (entry) reported.set(cluster.name, entry);
      runs.set(cluster.name, {
        revision: entry?.revision,
        applying: entry?.applying,
        failed: entry?.failedRevision ? { revision: entry.failedRevision, message: entry.message ?? "" } : undefined,
        unreachable: object.status?.reachable !== true,
      });
    }

    const annotations = sync.metadata.annotations ?? {};
    const promoteAt = annotations[promoteRequestedAnnotation];
    const retryAt = annotations[retryRequestedAnnotation];
    const written = this.#written.get(key);
    const handledPromote = written ? written.promoteAt : sync.status?.lastHandledPromoteAt;
    const handledRetry = written ? written.retryAt : sync.status?.lastHandledRetryAt;
    const input = {
      rollout: sync.spec.rollout,
      clusters: targeted.map((t) => t.cluster),
      revision,
      previous: written?.rollout ?? sync.status?.rollout,
      runs,
      now,
      promote: promoteAt !== undefined && promoteAt !== handledPromote,
      retry: retryAt !== undefined && retryAt !== handledRetry,
    };
    let plan = planRollout(input);
    if (plan.gateNeeded) {
      const wave = plan.gateNeeded;
      const gate = this.#deps.sloGate
        ? await this.#deps
            .sloGate({ namespace, name: sync.metadata.name ?? "" }, wave, revision)
            .catch((e: Error) => ({ ok: false, reason: e.message }))
        : { ok: false, reason: "the wave has an sloGate but kaika run has no --prometheus-url" };
      plan = planRollout({ ...input, gates: new Map([[wave.name, gate]]) });
    }

    for (const event of plan.events) await events.event(sync, event.type, event.reason, event.message);
    const waveOf = new Map(plan.rollout.waves.flatMap((w) => w.clusters.map((c) => [c, w.name] as const)));
    const clusters: NonNullable<SyncStatus["clusters"]> = targeted.slice(0, 500).map(({ cluster }) => {
      const run = runs.get(cluster.name) ?? {};
      const entry = reported.get(cluster.name);
      const desired = plan.desired.get(cluster.name);
      return {
        name: cluster.name,
        ...(waveOf.has(cluster.name) ? { wave: waveOf.get(cluster.name) as string } : {}),
        ...(desired ? { desiredRevision: desired } : {}),
        ...(run.revision ? { revision: run.revision } : {}),
        state: run.unreachable ? "Unreachable" : (entry?.state ?? "Pending"),
        ...(entry?.message ? { message: entry.message } : {}),
        ...(entry?.lastAppliedTime ? { lastAppliedTime: entry.lastAppliedTime } : {}),
      };
    });
    const unreachable = clusters.filter((c) => c.state === "Unreachable").map((c) => c.name);
    const phase = plan.rollout.phase;
    const message =
      `${phase}: ${plan.rollout.message ?? ""}` +
      (unreachable.length ? `; unreachable: ${unreachable.join(", ")}` : "");
    const extra: Partial<SyncStatus> = {
      rollout: plan.rollout,
      clusters,
      lastAttemptedRevision: revision,
      ...(promoteAt ? { lastHandledPromoteAt: promoteAt } : {}),
      ...(retryAt ? { lastHandledRetryAt: retryAt } : {}),
      ...(phase === "Complete" ? { lastAppliedRevision: revision } : {}),
    };
    this.#written.set(key, {
      rollout: plan.rollout,
      ...(promoteAt ? { promoteAt } : {}),
      ...(retryAt ? { retryAt } : {}),
    });
    if (phase === "Complete") await setStatus("ready", "RolloutComplete", message, extra);
    else if (phase === "Halted") await setStatus("stalled", "RolloutHalted", message, extra);
    else await setStatus("reconciling", `Rollout${phase}`, message, extra);
    return { requeueAfter: Math.min(interval, plan.recheckAfterMs ?? interval, 60_000) };
  }

  /**
   * On deletion with prune: deletes what the Sync applied on every reachable targeted cluster.
   * Unreachable clusters are skipped with a Warning Event (their objects stay): a cluster that
   * never returns must not keep the Sync from being deleted.
   */
  async finalize(sync: SyncObject, log: Logger): Promise<void> {
    const namespace = sync.metadata.namespace ?? "";
    let failed = 0;
    for (const { cluster, object } of this.#targeted(sync)) {
      // Any replica may finalize: it connects for the occasion, whoever holds the cluster's shard.
      const api = await connectCluster(this.#deps.api, object).catch(() => undefined);
      try {
        if (!api || !(await answers(api))) {
          await this.#deps.events.event(
            sync,
            "Warning",
            "PruneSkipped",
            `cluster ${cluster.name} is unreachable: what this Sync applied there stays`,
          );
          continue;
        }
        const inventory = configMapInventory(api, {
          namespace: fleetNamespace,
          name: `sync-${namespace}.${sync.metadata.name}`,
        });
        const ids = (await inventory.read()) ?? [];
        for await (const event of pruneObjects(api, ids, new Set(), 8)) if (event.type === "failed") failed++;
        if (failed === 0) await inventory.write([]);
        log.info({ cluster: cluster.name, pruned: ids.length }, "Sync deleted: its objects were pruned");
      } finally {
        await api?.close();
      }
    }
    if (failed > 0) throw new Error(`${failed} objects could not be pruned; the Sync stays until they are`);
    this.#deps.fleet.forgetSync(`${namespace}/${sync.metadata.name}`);
    this.#written.delete(`${namespace}/${sync.metadata.name}`);
  }
  #targeted(sync: SyncObject): Targeted[] {
    return targetedClusters(sync, this.#deps.clusters.list());
  }
}

type Target = NonNullable<SyncObject["spec"]["targets"]>[number];

/** A cluster a Sync targets: its name and labels, the first target selecting it, and the Cluster object. */
export interface Targeted {
  readonly cluster: FleetCluster;
  readonly target: Target;
  readonly object: ClusterObject;
}

/** The Sync's clusters (its namespace, not suspended) with the first target selecting each, by name. */
export function targetedClusters(sync: SyncObject, clusters: readonly ClusterObject[]): Targeted[] {
  const found: Targeted[] = [];
  for (const object of clusters) {
    if (object.metadata.namespace !== sync.metadata.namespace || object.spec.suspend) continue;
    const labels = object.metadata.labels ?? {};
    const target = sync.spec.targets?.find((t) => selectsCluster(t.clusterSelector, labels));
    if (target) found.push({ cluster: { name: object.metadata.name ?? "", labels }, target, object });
  }
  return found.sort((a, b) => (a.cluster.name < b.cluster.name ? -1 : 1));
}
