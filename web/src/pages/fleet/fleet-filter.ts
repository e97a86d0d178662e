/** Pure filtering and grouping of the fleet view, driven by the URL's query parameters. */
import type { ClusterView, SyncView } from "../../api/types.ts";

export interface FleetFilter {
  readonly q: string;
  readonly env: string;
  readonly region: string;
  readonly provider: string;
  /** "", "unreachable", "failing", "drift", "violations" */
  readonly status: string;
}

/** The distinct non-empty values of a label across clusters, sorted. */
export function labelValues(clusters: readonly ClusterView[], key: "env" | "region" | "provider"): string[] {
  return [...new Set(clusters.map((c) => c[key]).filter((v): v is string => !!v))].sort();
}

function failing(c: ClusterView): boolean {
  return c.syncs.some((s) => s.state === "Failed");
}

/** The clusters that pass the filter. */
export function filterClusters(clusters: readonly ClusterView[], f: FleetFilter): ClusterView[] {
  const q = f.q.trim().toLowerCase();
  return clusters.filter((c) => {
    if (f.env && c.env !== f.env) return false;
    if (f.region && c.region !== f.region) return false;
    if (f.provider && c.provider !== f.provider) return false;
    if (f.status === "unreachable" && c.reachable !== false) return false;
    if (f.status === "failing" && !failing(c)) return false;
    if (f.status === "drift" && !c.syncs.some((s) => s.drift > 0)) return false;
    if (f.status === "violations" && !c.syncs.some((s) => s.violations > 0)) return false;
    if (!q) return true;
    return (
      c.name.toLowerCase().includes(q) ||
      Object.entries(c.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(q)) ||
      c.syncs.some((s) => s.sync.toLowerCase().includes(q))
    );
  });
}

/** The Syncs whose name matches the search (all when the search names a cluster). */
export function filterSyncs(syncs: readonly SyncView[], q: string): SyncView[] {
  const s = q.trim().toLowerCase();
  if (!s) return [...syncs];
  const hits = syncs.filter((x) => `${x.namespace}/${x.name}`.toLowerCase().includes(s));
  return hits.length ? hits : [...syncs];
}

/** Fleet-wide counts for the headline. */
export function fleetTotals(clusters: readonly ClusterView[], syncs: readonly SyncView[]) {
  let drift = 0;
  let violations = 0;
  for (const c of clusters)
    for (const s of c.syncs) {
      drift += s.drift;
      violations += s.violations;
    }
  return {
    clusters: clusters.length,
    reachable: clusters.filter((c) => c.reachable === true).length,
    unreachable: clusters.filter((c) => c.reachable === false).length,
    syncs: syncs.length,
    ready: syncs.filter((s) => s.ready?.status === "True").length,
    failing: syncs.filter((s) => s.ready?.status === "False").length,
    rollouts: syncs.filter((s) => s.rollout && s.rollout.phase !== "Complete").length,
    drift,
    violations,
  };
}

/** The state word of a Sync at a glance. */
export function syncState(s: SyncView): string {
  if (s.suspended) return "Suspended";
  if (s.rollout && s.rollout.phase !== "Complete") return s.rollout.paused ? "Paused" : s.rollout.phase;
  if (!s.ready) return "Unknown";
  if (s.ready.status === "True") return "Ready";
  if (s.ready.status === "False") return "Failed";
  return "Progressing";
}
