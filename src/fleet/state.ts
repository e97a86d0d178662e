/**
 * What this kaika process knows about its fleet right now: each Cluster's
 * connection and reachability, and what each Sync runs on each cluster.
 * The Cluster and Sync controllers write it; statuses are drawn from it.
 */
import type { LiveCache } from "../apply/live-cache.ts";
import type { KubeApi } from "../kube/api.ts";
import type { ClusterRun } from "./waves.ts";

/** A Cluster as last probed. */
export interface ClusterConnection {
  readonly api: KubeApi;
  /** The Secret's resourceVersion the client was built from: a new one rebuilds it. */
  readonly secretVersion: string;
  reachable: boolean;
  message?: string | undefined;
  /** When the last readiness audit of the cluster started (ms since the epoch). */
  lastAuditAt?: number | undefined;
  /**
   * This cluster's live cache: label-selected watches of the kinds kaika applied there, keeping a
   * fingerprint per object, so a hand change is reverted at once and a sync reads live state without
   * requests. Stopped with `stop` when the connection is dropped.
   */
  drift?: { readonly live: LiveCache; readonly stop: AbortController } | undefined;
}

/** One Sync on one cluster, with what the status shows besides the planner's view. */
export interface ClusterRunState extends ClusterRun {
  /** When `revision` was last applied (self-heal re-applies after the Sync's interval). */
  lastAppliedAt?: number | undefined;
  /** No new attempt before this time (after a connection error). */
  notBefore?: number | undefined;
  /** When the last failure happened (failed clusters retry after a backoff). */
  failedAt?: number | undefined;
  message?: string | undefined;
  /** Readiness findings the policy only warned about, at the last apply. */
  violations?: number | undefined;
  /** Objects that differed from Git at the last apply (changed by hand or new). */
  drift?: number | undefined;
}

/** Shared, in-memory fleet state keyed by "namespace/name". */
export class FleetState {
  readonly connections = new Map<string, ClusterConnection>();
  readonly #runs = new Map<string, Map<string, ClusterRunState>>();

  /** Runs of one Sync by cluster name (created empty on first use). */
  runs(sync: string): Map<string, ClusterRunState> {
    let runs = this.#runs.get(sync);
    if (!runs) {
      runs = new Map();
      this.#runs.set(sync, runs);
    }
    return runs;
  }

  /** Whether runs of the Sync were ever recorded in this process. */
  hasRuns(sync: string): boolean {
    return this.#runs.has(sync);
  }

  /** Every Sync's run on one cluster (for the Cluster's status). */
  runsOn(namespace: string, cluster: string): { sync: string; run: ClusterRunState }[] {
    const found: { sync: string; run: ClusterRunState }[] = [];
    for (const [sync, runs] of this.#runs) {
      const run = runs.get(cluster);
      if (run && sync.startsWith(`${namespace}/`)) found.push({ sync, run });
    }
    return found.sort((a, b) => (a.sync < b.sync ? -1 : 1));
  }

  forgetSync(sync: string): void {
    this.#runs.delete(sync);
  }

  /** Stops every cluster's watches and closes its client (on shutdown: open watches keep a process alive). */
  async close(): Promise<void> {
    const connections = [...this.connections.values()];
    this.connections.clear();
    for (const c of connections) c.drift?.stop.abort();
    await Promise.all(
      connections.map(async (c) => {
        await c.drift?.live.stopped();
        await c.api.close();
      }),
    );
  }
}
