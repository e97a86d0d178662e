/**
 * The dashboard's backends on their own (`kaika dashboard`, benchmarks): informers of its own over
 * the admin cluster, a Git cache to fetch trees for diffs and commit messages, the ledger opened on
 * first use, and Prometheus when given. `kaika run` passes the controllers' instead.
 */
import { join } from "node:path";
import { ReadinessPolicyKind } from "../../api/readiness-policy.ts";
import { ArtifactStore } from "../../controllers/artifacts.ts";
import { ClusterKind, type ClusterObject } from "../../controllers/cluster.ts";
import { ClusterClients } from "../../controllers/cluster-clients.ts";
import { GitSourceKind, type GitSourceObject, GitSourceReconciler } from "../../controllers/gitsource.ts";
import { ServiceLevelObjectiveKind, type SloObject } from "../../controllers/slo.ts";
import { SyncKind, type SyncObject } from "../../controllers/sync.ts";
import type { KubeApi } from "../../kube/api.ts";
import { NoKindMatchError } from "../../kube/discovery.ts";
import type { GroupVersionKind, KubeObject } from "../../kube/types.ts";
import { type Ledger, openLedger } from "../../ledger/index.ts";
import { type Logger, SharedCache } from "../../runtime/index.ts";
import { PrometheusClient } from "../../slo/index.ts";
import { type ArtifactTrees, type DashboardContext, lazyLedger } from "./context.ts";

/** Trees from an artifact store, fetching a revision by its commit through `fetchRevision` when missing. */
export function artifactTrees(
  cacheDir: string,
  store: ArtifactStore,
  fetchRevision: (source: string, revision: string) => Promise<boolean>,
): ArtifactTrees {
  return {
    cacheDir,
    async tree(source, revision) {
      const known = store.revision(source, revision);
      if (known) return known;
      if (!(await fetchRevision(source, revision))) return undefined;
      return store.revision(source, revision);
    },
  };
}

/** Options of a standalone context. */
export interface StandaloneOptions {
  readonly api: KubeApi;
  readonly log: Logger;
  /** Where fetched repositories are kept (a `sources` folder is made in it). */
  readonly dataDir: string;
  /** The ledger's location (a SQLite path or postgres:// URL); it must exist. */
  readonly ledger: string;
  readonly prometheusUrl?: string | undefined;
}

/** A standalone context and what it runs. */
export interface Standalone {
  readonly context: DashboardContext;
  /** True once every informer has synced. */
  synced(): boolean;
  waitForSync(timeoutMs: number): Promise<void>;
  /** Stops the informers and closes the clients and the ledger. */
  close(): Promise<void>;
}

async function served(api: KubeApi, kind: GroupVersionKind): Promise<boolean> {
  try {
    await api.mapper.mapping(kind);
    return true;
  } catch (error) {
    if (error instanceof NoKindMatchError) return false;
    throw error;
  }
}

/** Starts informers over `options.api` (SLOs and ReadinessPolicies only where their CRD is served). */
export async function startStandalone(options: StandaloneOptions): Promise<Standalone> {
  const { api, log } = options;
  const stop = new AbortController();
  const cache = new SharedCache(api);
  const sources = cache.informer<GitSourceObject>(GitSourceKind);
  const caches = {
    syncs: cache.informer<SyncObject>(SyncKind),
    clusters: cache.informer<ClusterObject>(ClusterKind),
    sources,
    slos: (await served(api, ServiceLevelObjectiveKind))
      ? cache.informer<SloObject>(ServiceLevelObjectiveKind)
      : undefined,
    policies: (await served(api, ReadinessPolicyKind)) ? cache.informer<KubeObject>(ReadinessPolicyKind) : undefined,
  };
  cache.start(stop.signal);
  const store = new ArtifactStore();
  // Never writes status (the controllers do): it only fetches revisions for diffs and commit messages.
  const fetcher = new GitSourceReconciler(api, sources, store, options.dataDir, () => false);
  const ledger = lazyLedger((): Promise<Ledger> => openLedger(options.ledger, { mustExist: true }));
  const clusterClients = new ClusterClients(api);
  const context: DashboardContext = {
    api,
    caches,
    ledger,
    prometheus: options.prometheusUrl ? new PrometheusClient({ url: options.prometheusUrl }) : undefined,
    artifacts: artifactTrees(join(options.dataDir, "sources"), store, (source, revision) =>
      fetcher.fetchRevision(source, revision),
    ),
    clusterClients,
    log,
  };
  return {
    context,
    synced: () => cache.hasSynced(),
    waitForSync: (timeoutMs) => cache.waitForSync(timeoutMs),
    async close() {
      stop.abort();
      await cache.stopped();
      await clusterClients.close();
      await ledger.close();
    },
  };
}
