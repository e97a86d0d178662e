/** The fleet view: Clusters and Syncs from the informer caches, shaped as the API's ClusterView and SyncView. */
import type { SyncStatus } from "../../api/sync.ts";
import type { ClusterObject } from "../../controllers/cluster.ts";
import type { GitSourceObject } from "../../controllers/gitsource.ts";
import type { SyncObject } from "../../controllers/sync.ts";
import type { KubeObject } from "../../kube/types.ts";
import { findCondition } from "../../runtime/index.ts";
import { redact } from "../../source/index.ts";
import type {
  ClusterView,
  ConditionView,
  FleetResponse,
  RolloutView,
  SyncClusterView,
  SyncView,
  WaveView,
} from "./types.ts";

/** The caches the fleet view reads. */
export interface FleetCaches {
  readonly clusters: { list(): ClusterObject[] };
  readonly syncs: { list(): SyncObject[] };
  readonly sources: { get(key: string): GitSourceObject | undefined };
}

/** The Ready condition of an object's status, or null. */
export function readyOf(object: KubeObject): ConditionView | null {
  const status = object.status as { conditions?: Parameters<typeof findCondition>[0] } | undefined;
  const ready = findCondition(status?.conditions, "Ready");
  if (!ready) return null;
  return {
    status: ready.status,
    reason: ready.reason,
    message: ready.message,
    ...(ready.lastTransitionTime ? { lastTransitionTime: ready.lastTransitionTime } : {}),
  };
}

/** A Cluster as the API shows it. */
export function clusterView(c: ClusterObject): ClusterView {
  const s = c.status ?? {};
  const labels = c.metadata.labels ?? {};
  const audit = s.audit;
  return {
    namespace: c.metadata.namespace ?? "",
    name: c.metadata.name ?? "",
    labels,
    env: labels.env ?? null,
    region: labels.region ?? null,
    provider: labels.provider ?? null,
    reachable: s.reachable ?? null,
    kubernetesVersion: s.kubernetesVersion ?? null,
    nodeCount: s.nodeCount ?? null,
    lastContactTime: s.lastContactTime ?? null,
    shard: s.shard ?? null,
    handledBy: s.handledBy ?? null,
    suspended: c.spec?.suspend === true,
    ready: readyOf(c),
    audit: audit
      ? {
          lastAuditTime: audit.lastAuditTime,
          objects: audit.objects,
          enforce: audit.byMode.enforce,
          warn: audit.byMode.warn,
          critical: audit.bySeverity.critical,
          warning: audit.bySeverity.warning,
          info: audit.bySeverity.info,
        }
      : null,
    syncs: (s.syncs ?? []).map((r) => ({
      sync: r.sync,
      revision: r.revision ?? null,
      state: r.state,
      applying: r.applying ?? null,
      failedRevision: r.failedRevision ?? null,
      drift: r.drift ?? 0,
      violations: r.violations ?? 0,
      message: r.state === "Applied" ? null : (r.message ?? null),
      lastAppliedTime: r.lastAppliedTime ?? null,
    })),
  };
}

/** "10m" → ms; undefined for anything else (the CRD schema admits only Go durations). */
function durationMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g))
    total += Number(part[1]) * (units[part[2]!] ?? 0);
  return total;
}

function rolloutView(sync: SyncObject): RolloutView | null {
  const r = (sync.status as SyncStatus | undefined)?.rollout;
  if (!r) return null;
  const specWaves = sync.spec.rollout?.waves ?? [];
  const waves = r.waves.map((w, i): WaveView => {
    const spec = specWaves.find((s) => s.name === w.name);
    const soakMs = durationMs(spec?.soak);
    const gate = spec?.sloGate;
    return {
      name: w.name,
      state: w.state,
      clusters: w.clusters,
      current: i === r.wave,
      startedAt: w.startedAt ?? null,
      healthyAt: w.healthyAt ?? null,
      soak: spec?.soak ?? null,
      soakEndsAt: w.healthyAt && soakMs !== undefined ? new Date(Date.parse(w.healthyAt) + soakMs).toISOString() : null,
      requirePromotion: spec?.requirePromotion === true,
      promoted: w.promoted === true,
      maxUnavailable: spec?.maxUnavailable ?? null,
      sloGate: gate
        ? { maxBurnRate: gate.maxBurnRate, services: gate.services ?? [], rollback: gate.rollback === true }
        : null,
    };
  });
  return {
    revision: r.revision,
    previousRevision: r.previousRevision ?? null,
    phase: r.phase,
    message: r.message ?? null,
    paused: sync.spec.rollout?.paused === true,
    wave: r.wave,
    waves,
  };
}

/** A repository URL without credentials, for the API. */
export function safeUrl(url: string | undefined): string | null {
  return url === undefined ? null : redact(url);
}

/** A Sync as the API shows it; `source` is its GitSource from the cache, if there. */
export function syncView(sync: SyncObject, source: GitSourceObject | undefined): SyncView {
  const s = (sync.status ?? {}) as SyncStatus;
  const fleet = (sync.spec.targets?.length ?? 0) > 0;
  return {
    namespace: sync.metadata.namespace ?? "",
    name: sync.metadata.name ?? "",
    source: {
      name: sync.spec.sourceRef.name,
      url: safeUrl(source?.spec.url),
      revision: source?.status?.artifact?.revision ?? null,
    },
    path: sync.spec.path ?? ".",
    fleet,
    suspended: sync.spec.suspend === true,
    revision: (fleet ? s.rollout?.revision : s.lastAppliedRevision) ?? s.lastAppliedRevision ?? null,
    ready: readyOf(sync),
    rollout: rolloutView(sync),
    clusterStates: clusterStates(sync),
    violations: s.violations?.length ?? 0,
    failures: s.failures?.length ?? 0,
  };
}

function clusterStates(sync: SyncObject): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of (sync.status as SyncStatus | undefined)?.clusters ?? []) counts[c.state] = (counts[c.state] ?? 0) + 1;
  return counts;
}

/** Per targeted cluster, as a fleet Sync's status lists it. */
export function syncClusters(sync: SyncObject): SyncClusterView[] {
  return ((sync.status as SyncStatus | undefined)?.clusters ?? []).map((c) => ({
    name: c.name,
    wave: c.wave ?? null,
    desiredRevision: c.desiredRevision ?? null,
    revision: c.revision ?? null,
    state: c.state,
    message: c.message ?? null,
    lastAppliedTime: c.lastAppliedTime ?? null,
  }));
}

const byKey = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number =>
  a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1;

/**
 * The fleet answer as JSON text, built from per-object pieces kept by resourceVersion: after one
 * Cluster changes only its piece is serialized again, so a rebuild at 200 Clusters × 50 Syncs
 * costs a concatenation, not a walk over every object.
 */
export class FleetJson {
  #clusters = new Map<string, { readonly stamp: string; readonly json: string }>();
  #syncs = new Map<string, { readonly stamp: string; readonly json: string }>();

  /** FleetResponse as JSON (the same value fleetView returns). */
  build(caches: FleetCaches, eventId: string): string {
    const clusters = new Map<string, { readonly stamp: string; readonly json: string }>();
    for (const c of caches.clusters.list()) {
      const key = `${c.metadata.namespace}/${c.metadata.name}`;
      const stamp = c.metadata.resourceVersion ?? "";
      const known = this.#clusters.get(key);
      clusters.set(key, known?.stamp === stamp && stamp ? known : { stamp, json: JSON.stringify(clusterView(c)) });
    }
    const syncs = new Map<string, { readonly stamp: string; readonly json: string }>();
    for (const sync of caches.syncs.list()) {
      const key = `${sync.metadata.namespace}/${sync.metadata.name}`;
      const source = caches.sources.get(`${sync.metadata.namespace}/${sync.spec.sourceRef.name}`);
      const stamp = `${sync.metadata.resourceVersion ?? ""}|${source?.metadata.resourceVersion ?? ""}`;
      const known = this.#syncs.get(key);
      syncs.set(
        key,
        known?.stamp === stamp && sync.metadata.resourceVersion
          ? known
          : { stamp, json: JSON.stringify(syncView(sync, source)) },
      );
    }
    this.#clusters = clusters;
    this.#syncs = syncs;
    const sorted = (m: Map<string, { json: string }>): string =>
      [...m.entries()]
        .sort(([a], [b]) => compareKeys(a, b))
        .map(([, v]) => v.json)
        .join(",");
    return `{"eventId":${JSON.stringify(eventId)},"clusters":[${sorted(clusters)}],"syncs":[${sorted(syncs)}]}`;
  }
}

// "namespace/name" keys in the order fleetView sorts objects: by namespace, then name.
function compareKeys(a: string, b: string): number {
  const [an = "", ...ar] = a.split("/");
  const [bn = "", ...br] = b.split("/");
  return byKey({ namespace: an, name: ar.join("/") }, { namespace: bn, name: br.join("/") });
}

/** The whole fleet: every Cluster and Sync, sorted by namespace and name. */
export function fleetView(caches: FleetCaches, eventId: string): FleetResponse {
  const sourceOf = (s: SyncObject) => caches.sources.get(`${s.metadata.namespace}/${s.spec.sourceRef.name}`);
  return {
    eventId,
    clusters: caches.clusters.list().map(clusterView).sort(byKey),
    syncs: caches.syncs
      .list()
      .map((s) => syncView(s, sourceOf(s)))
      .sort(byKey),
  };
}

/**
 * True when a Cluster's update renews only its contact time (every probe writes one): what the fleet
 * page shows otherwise is unchanged, so the event can wait for the hub's routine flush.
 */
export function contactTimeOnly(previous: ClusterObject, next: ClusterObject): boolean {
  const shown = (c: ClusterObject) =>
    JSON.stringify([c.metadata.labels, c.metadata.deletionTimestamp, c.spec, { ...c.status, lastContactTime: null }]);
  return shown(previous) === shown(next);
}
