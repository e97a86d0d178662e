/**
 * One Sync in detail: the applied commit (from the GitSource's mirror), each inventory object's
 * live health, failures and findings with file:line:field, its Events, and its history from the
 * version ledger.
 */
import type { SyncStatus } from "../../api/sync.ts";
import { computeHealth } from "../../apply/health.ts";
import { configMapInventory } from "../../apply/inventory.ts";
import { describeId, type ObjectId } from "../../apply/refs.ts";
import type { ClusterObject } from "../../controllers/cluster.ts";
import type { SyncObject } from "../../controllers/sync.ts";
import { fleetNamespace } from "../../fleet/apply-to-cluster.ts";
import type { KubeApi } from "../../kube/api.ts";
import { resourcePath } from "../../kube/discovery.ts";
import { NotFoundError } from "../../kube/errors.ts";
import { gvk, type KubeObject } from "../../kube/types.ts";
import { type CommitInfo, readCommit } from "../../source/index.ts";
import type { DashboardContext } from "./context.ts";
import { syncClusters, syncView } from "./fleet-view.ts";
import { ApiError, badParameter, notFound } from "./http.ts";
import type { CommitView, EventView, HistoryEntry, ObjectsView, ObjectView, SyncDetailResponse } from "./types.ts";

/** Objects whose health one detail answer reads at most. */
const maxObjects = 300;

/** The Sync from the cache, or a 404. */
export function findSync(ctx: DashboardContext, namespace: string, name: string): SyncObject {
  const sync = ctx.caches.syncs.get(`${namespace}/${name}`);
  if (!sync) throw notFound(`Sync ${namespace}/${name}`);
  return sync;
}

/** The fleet Cluster of a Sync's namespace named `name`, or a 400 naming the parameter. */
export function targetCluster(ctx: DashboardContext, sync: SyncObject, name: string): ClusterObject {
  const cluster = ctx.caches.clusters.get(`${sync.metadata.namespace}/${name}`);
  const targeted = (sync.status as SyncStatus | undefined)?.clusters?.some((c) => c.name === name);
  if (!cluster || !targeted)
    throw badParameter(
      "cluster",
      `"${name}" is not a cluster Sync ${sync.metadata.namespace}/${sync.metadata.name} targets`,
    );
  return cluster;
}

// Commits never change: what was read once is kept (bounded).
const commitCache = new Map<string, CommitInfo | null>();

function linkOf(url: string | undefined, sha: string): string | null {
  if (!url || !/^https?:\/\//.test(url)) return null;
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) return null;
    return `${parsed.origin}${parsed.pathname.replace(/\.git$/, "").replace(/\/$/, "")}/commit/${sha}`;
  } catch {
    return null;
  }
}

async function commitOf(ctx: DashboardContext, sync: SyncObject, revision: string): Promise<CommitView> {
  const sha = revision.slice(revision.lastIndexOf(":") + 1);
  const sourceKey = `${sync.metadata.namespace}/${sync.spec.sourceRef.name}`;
  const url = ctx.caches.sources.get(sourceKey)?.spec.url;
  const view = (info: CommitInfo | null | undefined, missing: string | null): CommitView => ({
    revision,
    sha,
    message: info?.message ?? null,
    author: info?.author ?? null,
    authorEmail: info?.authorEmail ?? null,
    time: info?.time ?? null,
    link: linkOf(url, sha),
    missing: info ? null : missing,
  });
  if (!url) return view(undefined, `GitSource ${sourceKey} is not there: only the revision is known`);
  const artifacts = ctx.artifacts;
  if (!artifacts) return view(undefined, "this server keeps no Git cache: only the revision is known");
  const key = `${url}|${sha}`;
  if (commitCache.has(key)) return view(commitCache.get(key), "the commit is not in the repository any more");
  try {
    let info = await readCommit({ cacheDir: artifacts.cacheDir, url, commit: sha });
    if (!info) {
      // Not fetched here yet (kaika dashboard, or an old revision): fetch it, then read again.
      await artifacts.tree(sourceKey, revision);
      info = await readCommit({ cacheDir: artifacts.cacheDir, url, commit: sha });
    }
    if (commitCache.size > 1000) commitCache.clear();
    commitCache.set(key, info ?? null);
    return view(info, "the commit is not in the repository any more");
  } catch (error) {
    return view(undefined, `could not read the commit: ${(error as Error).message}`);
  }
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** The live health of each inventory object (as kaika's identity, which applied them). */
async function healthOf(api: KubeApi, ids: readonly ObjectId[]): Promise<ObjectView[]> {
  const views: ObjectView[] = new Array(ids.length);
  await pool([...ids.keys()], 8, async (index) => {
    const id = ids[index] as ObjectId;
    let live: KubeObject | undefined;
    let failure: string | undefined;
    try {
      const mapping = await api.mapper.forGroupKind(id.group, id.kind);
      if (!mapping) failure = `${id.group ? `${id.kind}.${id.group}` : id.kind} is not served`;
      else
        live = await api.client.request<KubeObject>("GET", resourcePath(mapping, id.namespace, id.name), {
          timeoutMs: 5000,
        });
    } catch (error) {
      if (!(error instanceof NotFoundError)) failure = (error as Error).message;
    }
    const health = failure ? { status: "Unknown", message: failure, reason: "ReadFailed" } : computeHealth(live);
    views[index] = {
      ref: describeId(id),
      group: id.group,
      kind: id.kind,
      namespace: id.namespace,
      name: id.name,
      health: health.status,
      message: health.message,
      reason: health.reason ?? null,
    };
  });
  return views;
}

async function objectsOf(
  ctx: DashboardContext,
  sync: SyncObject,
  clusterName: string | undefined,
): Promise<ObjectsView> {
  const namespace = sync.metadata.namespace ?? "";
  const name = sync.metadata.name ?? "";
  const fleet = (sync.spec.targets?.length ?? 0) > 0;
  if (!fleet && clusterName !== undefined)
    throw badParameter(
      "cluster",
      `Sync ${namespace}/${name} has no spec.targets: it applies to the admin cluster only`,
    );
  const status = sync.status as SyncStatus | undefined;
  const cluster = fleet ? (clusterName ?? status?.clusters?.[0]?.name) : undefined;
  const empty = (error: string | null): ObjectsView => ({ cluster: cluster ?? null, items: [], total: 0, error });
  if (fleet && !cluster) return empty("the Sync targets no cluster yet");
  let api = ctx.api;
  if (cluster) {
    const object = targetCluster(ctx, sync, cluster);
    if (object.status?.reachable === false) return empty(`cluster ${cluster} is unreachable`);
    try {
      api = await ctx.clusterClients.get(object);
    } catch (error) {
      return empty(`cannot reach cluster ${cluster}: ${(error as Error).message}`);
    }
  }
  const inventory = configMapInventory(
    api,
    cluster ? { namespace: fleetNamespace, name: `sync-${namespace}.${name}` } : { namespace, name: `sync-${name}` },
  );
  let ids: ObjectId[] | undefined;
  try {
    ids = await inventory.read();
  } catch (error) {
    return empty(`cannot read the inventory: ${(error as Error).message}`);
  }
  if (!ids) return empty("no inventory yet: nothing was applied");
  const items = await healthOf(api, ids.slice(0, maxObjects));
  return { cluster: cluster ?? null, items, total: ids.length, error: null };
}

async function eventsOf(ctx: DashboardContext, sync: SyncObject): Promise<EventView[]> {
  const { items } = await ctx.api.list(gvk("v1", "Event"), {
    namespace: sync.metadata.namespace ?? "",
    fieldSelector: `involvedObject.kind=Sync,involvedObject.name=${sync.metadata.name}`,
  });
  type Event = KubeObject & {
    type?: string;
    reason?: string;
    message?: string;
    count?: number;
    firstTimestamp?: string;
    lastTimestamp?: string;
    eventTime?: string;
  };
  return (items as Event[])
    .map((e) => ({
      type: e.type ?? "Normal",
      reason: e.reason ?? "",
      message: e.message ?? "",
      count: e.count ?? 1,
      firstTime: e.firstTimestamp ?? e.eventTime ?? null,
      lastTime: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? null,
    }))
    .sort((a, b) => (b.lastTime ?? "").localeCompare(a.lastTime ?? ""))
    .slice(0, 100);
}

async function historyOf(ctx: DashboardContext, sync: SyncObject): Promise<SyncDetailResponse["history"]> {
  try {
    const ledger = await ctx.ledger.open();
    const changes = await ledger.history({ sync: `${sync.metadata.namespace}/${sync.metadata.name}`, limit: 200 });
    const entries = changes.map(
      (c): HistoryEntry => ({
        time: c.time.toISOString(),
        cluster: c.cluster,
        revision: c.revision,
        action: c.action,
        kind: c.kind,
        namespace: c.namespace,
        name: c.name,
        service: c.service ?? null,
        version: c.version ?? null,
      }),
    );
    const missing =
      entries.length > 0
        ? null
        : (sync.spec.targets?.length ?? 0) > 0
          ? "the ledger has no change of this Sync (it records workloads only)"
          : "the ledger records fleet Syncs (spec.targets) only";
    return { entries, missing };
  } catch (error) {
    return { entries: [], missing: error instanceof ApiError ? error.message : `ledger: ${(error as Error).message}` };
  }
}

/** GET /api/v1/syncs/{ns}/{name}[?cluster=C] */
export async function syncDetail(
  ctx: DashboardContext,
  namespace: string,
  name: string,
  cluster: string | undefined,
): Promise<SyncDetailResponse> {
  const sync = findSync(ctx, namespace, name);
  const s = (sync.status ?? {}) as SyncStatus;
  const fleet = (sync.spec.targets?.length ?? 0) > 0;
  const revision = fleet ? s.rollout?.revision : s.lastAppliedRevision;
  const [commit, objects, events, history] = await Promise.all([
    revision ? commitOf(ctx, sync, revision) : Promise.resolve(null),
    objectsOf(ctx, sync, cluster),
    eventsOf(ctx, sync).catch(() => []),
    historyOf(ctx, sync),
  ]);
  const spec = sync.spec;
  return {
    sync: syncView(sync, ctx.caches.sources.get(`${namespace}/${spec.sourceRef.name}`)),
    clusters: syncClusters(sync),
    spec: {
      renderer: spec.renderer ?? "auto",
      interval: spec.interval ?? "10m",
      prune: spec.prune ?? true,
      selfHeal: spec.selfHeal ?? true,
      policyMode: spec.policy?.mode ?? "enforce",
      serviceAccountName: spec.serviceAccountName ?? null,
      targets: (spec.targets ?? []).map((t) => ({ name: t.name ?? null, path: t.path ?? null })),
    },
    commit,
    objects,
    failures: (s.failures ?? []).map((f) => ({
      object: f.object,
      phase: f.phase,
      message: f.message,
      file: f.file ?? null,
      line: f.line ?? null,
      field: f.field ?? null,
    })),
    violations: (s.violations ?? []).map((v) => ({
      check: v.check,
      severity: v.severity,
      object: v.object,
      message: v.message,
      file: v.file ?? null,
      line: v.line ?? null,
      field: v.field ?? null,
    })),
    drift: s.drift ?? [],
    events,
    history,
  };
}
