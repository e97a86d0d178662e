/**
 * The service graph as the topology page draws it, and pure operations on it (neighbourhood, search, stats).
 * The API's topology answer (GET /api/v1/topology) has these shapes, with more figures per call.
 */

/** ok: budget healthy; warn: burning; err: exhausted or alerting; none: no SLO. */
export type SloState = "ok" | "warn" | "err" | "none";

export interface TopoNode {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly slo: SloState;
  /** Error budget remaining (0–1), when the service has an SLO with data. */
  readonly budget: number | null;
}

export interface TopoEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** Requests per second. */
  readonly rps: number;
  /** Share of requests that failed (0–1). */
  readonly errorRate: number;
  /** 95th percentile latency in milliseconds; null where the histogram has no data. */
  readonly p95Ms: number | null;
}

export interface TopoGraph {
  readonly nodes: readonly TopoNode[];
  readonly edges: readonly TopoEdge[];
}

/** "120 rps · 0.4% err · p95 85 ms" */
export function edgeLabel(e: TopoEdge): string {
  const rps = e.rps >= 100 ? e.rps.toFixed(0) : e.rps.toFixed(1);
  const err = e.errorRate >= 0.1 ? (e.errorRate * 100).toFixed(0) : (e.errorRate * 100).toFixed(1);
  return `${rps} rps · ${err}% err · p95 ${e.p95Ms === null ? "–" : `${Math.round(e.p95Ms)} ms`}`;
}

/** The nodes within `depth` calls of `focus` (callers and callees), with their distance. */
export function neighbourhood(graph: TopoGraph, focus: string, depth: number): Map<string, number> {
  const adj = new Map<string, string[]>();
  for (const e of graph.edges) {
    const a = adj.get(e.source);
    if (a) a.push(e.target);
    else adj.set(e.source, [e.target]);
    const b = adj.get(e.target);
    if (b) b.push(e.source);
    else adj.set(e.target, [e.source]);
  }
  const dist = new Map<string, number>([[focus, 0]]);
  let frontier = [focus];
  for (let d = 1; d <= depth && frontier.length; d++) {
    const next: string[] = [];
    for (const id of frontier)
      for (const n of adj.get(id) ?? [])
        if (!dist.has(n)) {
          dist.set(n, d);
          next.push(n);
        }
    frontier = next;
  }
  return dist;
}

/** The subgraph of `ids`. */
export function subgraph(graph: TopoGraph, ids: ReadonlySet<string> | ReadonlyMap<string, unknown>): TopoGraph {
  return {
    nodes: graph.nodes.filter((n) => ids.has(n.id)),
    edges: graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
  };
}

/** Nodes whose name or namespace contains `q` (case-insensitive), best first (name prefix). */
export function search(graph: TopoGraph, q: string, limit = 20): TopoNode[] {
  const s = q.trim().toLowerCase();
  if (!s) return [];
  const hits = graph.nodes.filter((n) => n.id.toLowerCase().includes(s));
  hits.sort(
    (a, b) =>
      Number(!a.name.toLowerCase().startsWith(s)) - Number(!b.name.toLowerCase().startsWith(s)) ||
      a.id.localeCompare(b.id),
  );
  return hits.slice(0, limit);
}

/** A node's calls in and out, busiest first. */
export function edgesOf(graph: TopoGraph, id: string): { inbound: TopoEdge[]; outbound: TopoEdge[] } {
  const inbound = graph.edges.filter((e) => e.target === id).sort((a, b) => b.rps - a.rps);
  const outbound = graph.edges.filter((e) => e.source === id).sort((a, b) => b.rps - a.rps);
  return { inbound, outbound };
}

/**
 * Positions for the grouped overview, in O(n): namespaces as blocks in a grid, services in a grid inside
 * their block. Deterministic and instant at thousands of services, where force layouts take seconds.
 */
export function namespaceGridLayout(graph: TopoGraph, spacing = 70): Map<string, { x: number; y: number }> {
  const byNs = new Map<string, TopoNode[]>();
  for (const n of graph.nodes) {
    const list = byNs.get(n.namespace);
    if (list) list.push(n);
    else byNs.set(n.namespace, [n]);
  }
  const namespaces = [...byNs.keys()].sort();
  const blockCols = Math.ceil(Math.sqrt(namespaces.length * 1.6));
  const maxPer = Math.max(...[...byNs.values()].map((l) => l.length), 1);
  const inner = Math.ceil(Math.sqrt(maxPer));
  const block = inner * spacing + spacing * 1.6;
  const pos = new Map<string, { x: number; y: number }>();
  namespaces.forEach((ns, i) => {
    const bx = (i % blockCols) * block;
    const by = Math.floor(i / blockCols) * block;
    const list = (byNs.get(ns) ?? []).sort((a, b) => a.name.localeCompare(b.name));
    const cols = Math.ceil(Math.sqrt(list.length));
    list.forEach((n, j) => {
      pos.set(n.id, { x: bx + (j % cols) * spacing, y: by + Math.floor(j / cols) * spacing });
    });
  });
  return pos;
}

/** Calls between two namespaces, drawn as one edge in the grouped overview of a large graph. */
export interface NamespaceBundle extends TopoEdge {
  /** How many service-to-service calls it stands for. */
  readonly calls: number;
}

/**
 * The calls between namespaces, one bundle per ordered pair (calls inside a namespace are left out):
 * summed rate, error rate weighted by rate, the worst p95. Node ids are "ns:<namespace>".
 */
export function namespaceBundles(graph: TopoGraph): NamespaceBundle[] {
  const nsOf = new Map(graph.nodes.map((n) => [n.id, n.namespace]));
  const bundles = new Map<
    string,
    { source: string; target: string; rps: number; errors: number; p95Ms: number; calls: number }
  >();
  for (const e of graph.edges) {
    const a = nsOf.get(e.source);
    const b = nsOf.get(e.target);
    if (a === undefined || b === undefined || a === b) continue;
    const id = `ns:${a}->ns:${b}`;
    const bundle = bundles.get(id) ?? { source: `ns:${a}`, target: `ns:${b}`, rps: 0, errors: 0, p95Ms: 0, calls: 0 };
    bundle.rps += e.rps;
    bundle.errors += e.rps * e.errorRate;
    bundle.p95Ms = Math.max(bundle.p95Ms, e.p95Ms ?? 0);
    bundle.calls++;
    bundles.set(id, bundle);
  }
  return [...bundles].map(([id, b]) => ({
    id,
    source: b.source,
    target: b.target,
    rps: b.rps,
    errorRate: b.rps > 0 ? b.errors / b.rps : 0,
    p95Ms: b.p95Ms,
    calls: b.calls,
  }));
}
