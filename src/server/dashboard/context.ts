/**
 * What the dashboard reads from: the informer caches (shared with the controllers in `kaika run`,
 * its own in `kaika dashboard`), the admin cluster's API, the version ledger, Prometheus, the Git
 * artifacts and clients for fleet Clusters. Backends that may be absent say why when asked.
 */

import type { ClusterObject } from "../../controllers/cluster.ts";
import type { ClusterClients } from "../../controllers/cluster-clients.ts";
import type { GitSourceObject } from "../../controllers/gitsource.ts";
import type { SloObject } from "../../controllers/slo.ts";
import type { SyncObject } from "../../controllers/sync.ts";
import type { KubeApi } from "../../kube/api.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { Ledger } from "../../ledger/index.ts";
import type { Informer, Logger } from "../../runtime/index.ts";
import type { PrometheusClient } from "../../slo/index.ts";
import { ApiError } from "./http.ts";

/** The informers the dashboard reads; SLOs and ReadinessPolicies are absent when their CRD is not served. */
export interface DashboardCaches {
  readonly syncs: Informer<SyncObject>;
  readonly clusters: Informer<ClusterObject>;
  readonly sources: Informer<GitSourceObject>;
  readonly slos?: Informer<SloObject> | undefined;
  readonly policies?: Informer<KubeObject> | undefined;
}

/** A revision's tree, for diffs: fetched by the controllers already (kaika run) or on demand. */
export interface ArtifactTrees {
  /** The git cache of the GitSources (its mirrors hold commit messages and authors). */
  readonly cacheDir: string;
  /** The tree of `revision` of GitSource "namespace/name", fetching it if needed; undefined when the source is gone. */
  tree(
    source: string,
    revision: string,
  ): Promise<{ readonly dir: string; readonly ignore?: string | undefined } | undefined>;
}

/** The version ledger, opened on first use (a missing one is a 503 that says where it was looked for). */
export interface LedgerAccess {
  /** The ledger; throws ApiError 503 when there is none. */
  open(): Promise<Ledger>;
}

/** Everything the endpoints read from. */
export interface DashboardContext {
  /** The admin cluster as kaika (actions and reads run as this identity). */
  readonly api: KubeApi;
  readonly caches: DashboardCaches;
  readonly ledger: LedgerAccess;
  /** Unset when no Prometheus URL was given. */
  readonly prometheus?: PrometheusClient | undefined;
  /** Unset when kaika cannot fetch trees here (then there is no diff). */
  readonly artifacts?: ArtifactTrees | undefined;
  /** Clients of fleet Clusters, from their kubeconfig Secrets. */
  readonly clusterClients: ClusterClients;
  readonly log: Logger;
}

/** A ledger that is always there (kaika run's own). */
export function openedLedger(ledger: Ledger): LedgerAccess {
  return { open: async () => ledger };
}

/**
 * A ledger opened on first use with `open` and kept; while opening fails, each call tries again and
 * answers 503 with the reason (no ledger file yet, database down).
 */
export function lazyLedger(open: () => Promise<Ledger>): LedgerAccess & { close(): Promise<void> } {
  let ledger: Promise<Ledger> | undefined;
  return {
    async open() {
      ledger ??= open();
      try {
        return await ledger;
      } catch (error) {
        ledger = undefined;
        throw new ApiError(503, `version ledger unavailable: ${(error as Error).message}`, {
          reason: "LedgerUnavailable",
          cause: error,
        });
      }
    },
    async close() {
      const opened = await ledger?.catch(() => undefined);
      await opened?.close();
    },
  };
}
