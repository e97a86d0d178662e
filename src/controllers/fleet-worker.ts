/**
 * The fleet worker: on the replica holding a cluster's shard, applies what
 * each targeting Sync's rollout wants there (`status.clusters[].desiredRevision`)
 * in the bounded work pool, retries failures, syncs again at the Sync's
 * interval and at once on drift (touching only what changed, with a full
 * resync now and then), and records what it wrote in the version ledger.
 * The Cluster reconciler calls it after each probe and reports its runs.
 */
import { LiveCache } from "../apply/live-cache.ts";
import { applyToCluster } from "../fleet/apply-to-cluster.ts";
import type { ClusterWorkPool } from "../fleet/pool.ts";
import type { ClusterConnection, ClusterRunState, FleetState } from "../fleet/state.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Informer, Logger } from "../runtime/index.ts";
import type { ArtifactStore } from "./artifacts.ts";
import { answers, type ClusterObject } from "./cluster.ts";
import { parseDuration } from "./durations.ts";
import { type Targeted, targetedClusters } from "./fleet-sync.ts";
import { FullResyncClock } from "./resync.ts";
import { type SyncObject, syncNameLabel, syncNamespaceLabel } from "./sync.ts";

/** Where applied changes are recorded (the version ledger). */
export interface LedgerSink {
  record(entry: {
    time: Date;
    cluster: string;
    sync: string;
    revision: string;
    changes: { object: KubeObject; action: "created" | "configured" | "unchanged" | "pruned" }[];
  }): Promise<void>;
}

/** What the worker needs. */
export interface FleetWorkerDeps {
  readonly syncs: Informer<SyncObject>;
  readonly fleet: FleetState;
  readonly pool: ClusterWorkPool;
  readonly artifacts: ArtifactStore;
  /** Reconcile a Cluster again: an apply on it finished (its status reports the result). */
  readonly requeue: (namespace: string, cluster: string) => void;
  readonly labels: (sync: SyncObject) => Record<string, string>;
  /** The admin cluster's ReadinessPolicy objects, for the gate. */
  readonly policies: () => readonly KubeObject[];
  readonly ledger?: LedgerSink | undefined;
  /** Fetches an earlier revision of a GitSource ("namespace/name") into `artifacts`; false if the source is gone. */
  readonly fetchRevision?: ((source: string, revision: string) => Promise<boolean>) | undefined;
  /** When each Sync's run on each cluster next dry-runs every object; default every hour. */
  readonly resync?: FullResyncClock | undefined;
}

// Connection-level failures (a keep-alive socket the server closed) are retried at once, not held
// against the revision.
const transient = /socket hang up|ECONNRESET|EPIPE|ECONNREFUSED|ETIMEDOUT/;
// A failed cluster tries the same revision again after this long.
const retryAfterMs = 30_000;
const actionWord = { create: "created", configure: "configured", unchanged: "unchanged", pruned: "pruned" } as const;

/** Applies the Syncs' desired revisions on the clusters this replica handles. */
export class FleetWorker {
  readonly #deps: FleetWorkerDeps;
  /** Revisions being fetched on demand, by "source|revision", with the clusters waiting for them. */
  readonly #fetching = new Map<string, Set<string>>();
  /** The last failed on-demand fetch per "source|revision": not tried again for retryAfterMs. */
  readonly #fetchFailures = new Map<string, { readonly at: number; readonly message: string }>();
  readonly #resync: FullResyncClock;

  constructor(deps: FleetWorkerDeps) {
    this.#deps = deps;
    this.#resync = deps.resync ?? new FullResyncClock();
  }

  /** Starts, for every Sync targeting `cluster`, the apply it needs now (if any). */
  work(cluster: ClusterObject, connection: ClusterConnection, log: Logger): void {
    const namespace = cluster.metadata.namespace ?? "";
    const name = cluster.metadata.name ?? "";
    const now = Date.now();
    for (const sync of this.#deps.syncs.list()) {
      if (sync.metadata.namespace !== namespace || !sync.spec.targets?.length || sync.metadata.deletionTimestamp)
        continue;
      const syncKey = `${namespace}/${sync.metadata.name}`;
      const runs = this.#deps.fleet.runs(syncKey);
      const targeted = targetedClusters(sync, [cluster])[0];
      if (!targeted) {
        runs.delete(name);
        continue;
      }
      const want = sync.status?.clusters?.find((c) => c.name === name)?.desiredRevision;
      const run = runs.get(name) ?? this.#seed(sync, name);
      runs.set(name, run);
      if (!want || run.applying || now < (run.notBefore ?? 0)) continue;
      const current = run.revision === want;
      const retryDue = run.failed?.revision !== want || now - (run.failedAt ?? 0) >= retryAfterMs;
      const healDue = current && now - (run.lastAppliedAt ?? 0) >= parseDuration(sync.spec.interval ?? "10m");
      if ((!current && retryDue) || healDue) this.#start(sync, targeted, want, run, connection, log);
    }
  }

  /**
   * The cluster's live cache (started on first use): watches by the Sync labels of the kinds applied
   * there, keeping a fingerprint per object. A change to an object's state (not its status), or its
   * deletion, makes the owning Sync's next pass here a sync at once, which re-applies just that object.
   */
  #liveCache(connection: ClusterConnection, namespace: string, cluster: string, log: Logger): LiveCache {
    connection.drift ??= (() => {
      const stop = new AbortController();
      const live = new LiveCache(connection.api, {
        labelSelector: syncNameLabel,
        onChange: (object: KubeObject) => {
          const name = object.metadata.labels?.[syncNameLabel];
          const ns = object.metadata.labels?.[syncNamespaceLabel];
          const run = name && ns === namespace ? this.#deps.fleet.runs(`${ns}/${name}`).get(cluster) : undefined;
          if (!run || run.applying) return;
          log.info(
            { cluster, object: `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}` },
            "drift: re-applying",
          );
          run.lastAppliedAt = 0;
          this.#deps.requeue(namespace, cluster);
        },
      });
      live.start(stop.signal);
      return { live, stop };
    })();
    return connection.drift.live;
  }

  /** Fetches an earlier revision once however many clusters wait for it; each is requeued when it is there. */
  #fetch(source: string, revision: string, namespace: string, cluster: string, log: Logger): void {
    const fetchRevision = this.#deps.fetchRevision;
    if (!fetchRevision) return;
    const key = `${source}|${revision}`;
    const waiting = this.#fetching.get(key);
    if (waiting) {
      waiting.add(cluster);
      return;
    }
    const clusters = new Set([cluster]);
    this.#fetching.set(key, clusters);
    const failed = (message: string): void => {
      this.#fetchFailures.set(key, { at: Date.now(), message });
      log.warn({ source, revision, reason: message }, "could not fetch an earlier revision");
    };
    fetchRevision(source, revision)
      .then(
        (found) => {
          if (!found) return failed(`GitSource ${source} not found`);
          this.#fetchFailures.delete(key);
          log.info({ source, revision }, "fetched an earlier revision on demand");
        },
        (err: Error) => failed(err.message),
      )
      .finally(() => {
        this.#fetching.delete(key);
        for (const name of clusters) this.#deps.requeue(namespace, name);
      });
  }

  /**
   * A run as the Cluster's status last reported it (after a restart or a shard moving here), due for
   * a heal at once: that sets up the watches this process does not have yet, whose first list shows
   * (against the inventory's hashes) what changed while nobody watched, and re-applies just that.
   */
  #seed(sync: SyncObject, cluster: string): ClusterRunState {
    const entry = sync.status?.clusters?.find((c) => c.name === cluster);
    return entry?.revision ? { revision: entry.revision } : {};
  }

  /** Starts one cluster's apply in the pool; its end records the result and requeues the Cluster. */
  #start(
    sync: SyncObject,
    { cluster, target, object }: Targeted,
    revision: string,
    run: ClusterRunState,
    connection: ClusterConnection,
    log: Logger,
  ): void {
    const namespace = sync.metadata.namespace ?? "";
    const syncKey = `${namespace}/${sync.metadata.name}`;
    const source = `${namespace}/${sync.spec.sourceRef.name}`;
    const artifact = this.#deps.artifacts.revision(source, revision);
    if (!artifact) {
      const failure = this.#fetchFailures.get(`${source}|${revision}`);
      if (failure && Date.now() - failure.at < retryAfterMs) {
        run.message = `revision ${revision} could not be fetched: ${failure.message}`;
        return;
      }
      run.message = `fetching revision ${revision} (not in this replica's artifact cache)`;
      this.#fetch(source, revision, namespace, cluster.name, log);
      return;
    }
    run.applying = revision;
    const healing = run.revision === revision;
    const live = this.#liveCache(connection, namespace, cluster.name, log);
    const resyncKey = `${syncKey}|${cluster.name}`;
    this.#deps.pool.submit(`${namespace}/${cluster.name}`, async () => {
      try {
        const full = this.#resync.due(resyncKey);
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
          kubernetesVersion: object.status?.kubernetesVersion,
          live,
          full,
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
          if (full) this.#resync.done(resyncKey);
          run.revision = revision;
          run.failed = undefined;
          run.lastAppliedAt = at;
          run.violations = result.violations;
          // On a re-apply of the same revision, anything written was drift.
          run.drift = healing ? (result.summary?.configured ?? 0) + (result.summary?.created ?? 0) : 0;
          run.message = result.message;
          log.info({ cluster: cluster.name, sync: syncKey, revision }, result.message);
        } else if (transient.test(result.message) && (await answers(connection.api))) {
          // A dropped keep-alive connection is not the commit's fault: try again on the next pass.
          run.message = `retrying after a connection error: ${result.message}`;
          run.notBefore = at + 2000;
          log.info({ cluster: cluster.name, sync: syncKey, revision }, run.message);
        } else if (await answers(connection.api)) {
          run.failed = { revision, message: result.message };
          run.failedAt = at;
          run.message = result.message;
          log.warn({ cluster: cluster.name, sync: syncKey, revision }, result.message);
        } else {
          connection.reachable = false;
          run.message = `unreachable during apply: ${result.message}`;
        }
      } catch (error) {
        run.message = (error as Error).message;
      } finally {
        run.applying = undefined;
        this.#deps.requeue(namespace, cluster.name);
      }
    });
  }
}
