/** Pure operations on a service graph: the SLO state of a service, and the views `kaika topology` filters to. */
import type { SloReading } from "../slo/index.ts";
import type { CallEdge, ServiceGraph, ServiceNode, SloState } from "./types.ts";

/**
 * A service's SLO state from its readings: err when a budget is exhausted or a burn-rate alert
 * fires; warn when the last hour burns faster than the budget refills (rate > 1) or an alert is
 * pending; ok otherwise; none without a reading.
 */
export function sloState(readings: readonly SloReading[]): { slo: SloState; budget: number | null } {
  if (readings.length === 0) return { slo: "none", budget: null };
  const budgets = readings.flatMap((r) => (r.errorBudgetRemaining === undefined ? [] : [r.errorBudgetRemaining]));
  const budget = budgets.length ? Math.min(...budgets) : null;
  const alerts = readings.flatMap((r) => r.alerts);
  if (readings.some((r) => r.exhausted) || alerts.some((a) => a.state === "firing")) return { slo: "err", budget };
  if (readings.some((r) => (r.burnRates["1h"] ?? 0) > 1) || alerts.length > 0) return { slo: "warn", budget };
  return { slo: "ok", budget };
}

/** The part of `graph` with `nodes` and the edges between them. */
function restrict(
  graph: ServiceGraph,
  keep: (node: ServiceNode) => boolean,
  edges?: (e: CallEdge) => boolean,
): ServiceGraph {
  const kept = graph.edges.filter((e) => (edges ? edges(e) : true));
  const ends = new Set(kept.flatMap((e) => [e.source, e.target]));
  const nodes = graph.nodes.filter((n) => keep(n) || (edges !== undefined && ends.has(n.id)));
  const ids = new Set(nodes.map((n) => n.id));
  return { ...graph, nodes, edges: kept.filter((e) => ids.has(e.source) && ids.has(e.target)) };
}

/** The services of `namespace`, the calls in, out of and within it, and the services at their other ends. */
export function inNamespace(graph: ServiceGraph, namespace: string): ServiceGraph {
  const inside = new Set(graph.nodes.filter((n) => n.namespace === namespace).map((n) => n.id));
  return restrict(
    graph,
    (n) => inside.has(n.id),
    (e) => inside.has(e.source) || inside.has(e.target),
  );
}

/** The services within `depth` calls of `focus` (callers and callees alike), and the calls among them. */
export function around(graph: ServiceGraph, focus: string, depth: number): ServiceGraph {
  const neighbours = new Map<string, string[]>();
  const link = (a: string, b: string) => neighbours.set(a, [...(neighbours.get(a) ?? []), b]);
  for (const e of graph.edges) {
    link(e.source, e.target);
    link(e.target, e.source);
  }
  const distance = new Map([[focus, 0]]);
  let frontier = [focus];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const id of frontier)
      for (const n of neighbours.get(id) ?? [])
        if (!distance.has(n)) {
          distance.set(n, d);
          next.push(n);
        }
    frontier = next;
  }
  return restrict(graph, (n) => distance.has(n.id));
}

/** The id of the service `name` names: "namespace/name" as given, or the one service of that name. */
export function resolveService(graph: ServiceGraph, name: string): string | undefined {
  if (graph.nodes.some((n) => n.id === name)) return name;
  const matches = graph.nodes.filter((n) => n.name === name);
  return matches.length === 1 ? matches[0]?.id : undefined;
}
