/**
 * A Sync with `targets`: the rollout across fleet clusters. Each reconcile
 * plans (src/fleet/waves.ts) which revision every targeted cluster should
 * run, starts per-cluster applies in the bounded work pool, and reports the
 * rollout. It never waits on a cluster: a finished apply enqueues the Sync
 * again, so a slow or unreachable cluster holds back nothing but itself.
 */
import type { SyncStatus } from "../api/sync.ts";
import { configMapInventory } from "../apply/inventory.ts";
import { pruneObjects } from "../apply/prune.ts";
import { applyToCluster, fleetNamespace } from "../fleet/apply-to-cluster.ts";
import type { ClusterWorkPool } from "../fleet/pool.ts";
import type { ClusterRunState, FleetState } from "../fleet/state.ts";
import { type FleetCluster, planRollout, type RolloutStatus, type SloGate, selectsCluster } from "../fleet/waves.ts";
import type { KubeObject } from "../kube/types.ts";
import type { EventRecorder, Informer, Logger, Result } from "../runtime/index.ts";
import type { ArtifactStore } from "./artifacts.ts";
import { type ClusterObject, stateOf } from "./cluster.ts";
import { parseDuration } from "./durations.ts";
import type { SyncObject } from "./sync.ts";

/** Annotations `kaika rollout promote` and `kaika rollout resume` set (any new value is a new request). */
export const promoteRequestedAnnotation = "kaika.dev/promote-requested-at";
export const retryRequestedAnnotation = "kaika.dev/retry-requested-at";

/** What each applied change is, for the version ledger. */
export interface LedgerSink {
  record(entry: {
    time: Date;
    cluster: string;
    sync: string;
    revision: string;
    changes: { object: KubeObject; action: "created" | "configured" | "unchanged" | "pruned" }[];
  }): Promise<void>;
}

/** What the fleet path of the Sync controller needs. */
export interface FleetSyncDeps {
  readonly clusters: Informer<ClusterObject>;
  readonly fleet: FleetState;
  readonly pool: ClusterWorkPool;
  readonly artifacts: ArtifactStore;
  readonly events: EventRecorder;
  /** Reconcile a Sync ("namespace/name") again: a cluster's apply finished. */
  readonly enqueue: (sync: string) => void;
  /** Probe a Cluster now: an apply to it failed in a way that may mean it is gone. */
  readonly probe: (namespace: string, cluster: string) => void;
  readonly labels: (sync: SyncObject) => Record<string, string>;
  /** The admin cluster's ReadinessPolicy objects, for the gate. */
  readonly policies: () => readonly KubeObject[];
  readonly ledger?: LedgerSink | undefined;
  readonly sloGate?: SloGate | undefined;
}

type SetStatus = (
  outcome: "ready" | "reconciling" | "stalled",
  reason: string,
  message: string,
  extra?: Partial<SyncStatus>,
) => Promise<void>;

// A failed cluster tries the same revision again after this long.
const retryAfterMs = 30_000;
const actionWord = { create: "created", configure: "configured", unchanged: "unchanged", pruned: "pruned" } as const;

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

  async reconcile(sync: SyncObject, revision: string, setStatus: SetStatus, log: Logger): Promise<Result> {
    const { fleet, events } = this.#deps;
    const namespace = sync.metadata.namespace ?? "";
    const interval = parseDuration(sync.spec.interval ?? "10m");
    const now = Date.now();
    const runs = this.#runs(sync);
    const targeted = this.#targeted(sync);
    for (const name of runs.keys()) if (!targeted.some((t) => t.cluster.name === name)) runs.delete(name);
    for (const { cluster } of targeted) {
      const run = runs.get(cluster.name) ?? {};
      run.unreachable = fleet.connections.get(`${namespace}/${cluster.name}`)?.reachable !== true;
      runs.set(cluster.name, run);
    }

    const annotations = sync.metadata.annotations ?? {};
    const promoteAt = annotations[promoteRequestedAnnotation];
    const retryAt = annotations[retryRequestedAnnotation];
    const key = `${namespace}/${sync.metadata.name}`;
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
      if (!gate.ok && wave.sloGate?.rollback && plan.rollout.previousRevision) {
        // Roll the failed wave back: its clusters go to the previous revision.
        for (const c of wave.clusters) (plan.desired as Map<string, string>).set(c, plan.rollout.previousRevision);
      }
    }

    for (const { cluster, target } of targeted) {
      const want = plan.desired.get(cluster.name);
      const run = runs.get(cluster.name) as ClusterRunState;
      if (!want || run.unreachable || run.applying) continue;
      const current = run.revision === want;
      const retryDue = run.failed?.revision !== want || now - (run.failedAt ?? 0) >= retryAfterMs;
      const healDue = current && now - (run.lastAppliedAt ?? 0) >= interval;
      if ((!current && retryDue) || healDue) this.#start(sync, cluster, target, want, run, log);
    }

    for (const event of plan.events) await events.event(sync, event.type, event.reason, event.message);
    const waveOf = new Map(plan.rollout.waves.flatMap((w) => w.clusters.map((c) => [c, w.name] as const)));
    const clusters: NonNullable<SyncStatus["clusters"]> = targeted.slice(0, 500).map(({ cluster }) => {
      const run = runs.get(cluster.name) ?? {};
      return {
        name: cluster.name,
        ...(waveOf.has(cluster.name) ? { wave: waveOf.get(cluster.name) as string } : {}),
        ...(run.revision ? { revision: run.revision } : {}),
        state: stateOf(run),
        ...(run.message ? { message: run.message.slice(0, 1000) } : {}),
        ...(run.lastAppliedAt ? { lastAppliedTime: new Date(run.lastAppliedAt).toISOString() } : {}),
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
    for (const { cluster } of this.#targeted(sync)) {
      const connection = this.#deps.fleet.connections.get(`${namespace}/${cluster.name}`);
      if (!connection?.reachable) {
        await this.#deps.events.event(
          sync,
          "Warning",
          "PruneSkipped",
          `cluster ${cluster.name} is unreachable: what this Sync applied there stays`,
        );
        continue;
      }
      const inventory = configMapInventory(connection.api, {
        namespace: fleetNamespace,
        name: `sync-${namespace}.${sync.metadata.name}`,
      });
      const ids = (await inventory.read()) ?? [];
      for await (const event of pruneObjects(connection.api, ids, new Set(), 8)) if (event.type === "failed") failed++;
      if (failed === 0) await inventory.write([]);
      log.info({ cluster: cluster.name, pruned: ids.length }, "Sync deleted: its objects were pruned");
    }
    if (failed > 0) throw new Error(`${failed} objects could not be pruned; the Sync stays until they are`);
    this.#deps.fleet.forgetSync(`${namespace}/${sync.metadata.name}`);
    this.#written.delete(`${namespace}/${sync.metadata.name}`);
  }

  /** This process's runs of the Sync, seeded from its status after a restart. */
  #runs(sync: SyncObject): Map<string, ClusterRunState> {
    const key = `${sync.metadata.namespace}/${sync.metadata.name}`;
    const seeded = this.#deps.fleet.hasRuns(key);
    const runs = this.#deps.fleet.runs(key);
    if (!seeded) {
      for (const c of sync.status?.clusters ?? []) {
        if (c.revision) runs.set(c.name, { revision: c.revision });
      }
    }
    return runs;
  }

  /** The Sync's clusters with the first target that selects each; suspended Clusters are left out. */
  #targeted(sync: SyncObject): { cluster: FleetCluster; target: NonNullable<SyncObject["spec"]["targets"]>[number] }[] {
    const found = [];
    for (const object of this.#deps.clusters.list()) {
      if (object.metadata.namespace !== sync.metadata.namespace || object.spec.suspend) continue;
      const labels = object.metadata.labels ?? {};
      const target = sync.spec.targets?.find((t) => selectsCluster(t.clusterSelector, labels));
      if (target) found.push({ cluster: { name: object.metadata.name ?? "", labels }, target });
    }
    return found.sort((a, b) => (a.cluster.name < b.cluster.name ? -1 : 1));
  }

  /** Starts one cluster's apply in the pool; its end records the result and enqueues the Sync. */
  #start(
    sync: SyncObject,
    cluster: FleetCluster,
    target: NonNullable<SyncObject["spec"]["targets"]>[number],
    revision: string,
    run: ClusterRunState,
    log: Logger,
  ): void {
    const { fleet, pool, artifacts } = this.#deps;
    const namespace = sync.metadata.namespace ?? "";
    const syncKey = `${namespace}/${sync.metadata.name}`;
    const clusterKey = `${namespace}/${cluster.name}`;
    const artifact = artifacts.revision(`${namespace}/${sync.spec.sourceRef.name}`, revision);
    if (!artifact) {
      run.message = `revision ${revision} is not in this process's artifact cache; waiting for a new commit`;
      return;
    }
    run.applying = revision;
    const healing = run.revision === revision;
    pool.submit(clusterKey, async () => {
      try {
        const connection = fleet.connections.get(clusterKey);
        if (!connection?.reachable) throw new Error("unreachable");
        const result = await applyToCluster({
          api: connection.api,
          sync: { namespace, name: sync.metadata.name ?? "", spec: sync.spec },
          cluster,
          target,
          revision,
          dir: artifact.dir,
          ignore: artifact.ignore,
          labels: this.#deps.labels(sync),
          policies: this.#deps.policies(),
        });
        const at = Date.now();
        // What was written runs there (or tries to), healthy or not: the ledger records it either way.
        if (result.changes.length > 0) {
          await this.#deps.ledger
            ?.record({
              time: new Date(at),
              cluster: cluster.name,
              sync: syncKey,
              revision,
              changes: result.changes.map((c) => ({ object: c.object, action: actionWord[c.action] })),
            })
            .catch((err: Error) => log.warn({ err, cluster: cluster.name }, "ledger: change not recorded"));
        }
        if (result.ok) {
          run.revision = revision;
          run.failed = undefined;
          run.lastAppliedAt = at;
          run.violations = result.violations;
          // On a re-apply of the same revision, anything written was drift.
          run.drift = healing ? (result.summary?.configured ?? 0) + (result.summary?.created ?? 0) : 0;
          run.message = result.message;
          log.info({ cluster: cluster.name, revision }, result.message);
        } else if (await reachable(connection.api)) {
          run.failed = { revision, message: result.message };
          run.failedAt = at;
          run.message = result.message;
          log.warn({ cluster: cluster.name, revision }, result.message);
        } else {
          connection.reachable = false;
          run.message = `unreachable during apply: ${result.message}`;
        }
      } catch (error) {
        run.message = (error as Error).message;
        this.#deps.probe(namespace, cluster.name);
      } finally {
        run.applying = undefined;
        this.#deps.enqueue(syncKey);
        this.#deps.probe(namespace, cluster.name);
      }
    });
  }
}

/** Whether the cluster still answers (an apply failure may just be the cluster going away). */
async function reachable(api: { client: { request(m: string, p: string, i: object): Promise<unknown> } }) {
  try {
    await api.client.request("GET", "/version", { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}
