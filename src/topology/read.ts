/**
 * Reads the service graph from Prometheus: Istio's request metrics for the calls (a fixed number of
 * aggregated queries, see queries.ts) and kaika's SLO recording rules for each service's state.
 */
import { type PrometheusClient, readSloStatus, type Sample, type SloReading } from "../slo/index.ts";
import { sloState } from "./graph.ts";
import { edgeLabels, graphQueries } from "./queries.ts";
import type { CallEdge, ServiceGraph, ServiceNode } from "./types.ts";

/** What to read. */
export interface ReadTopologyOptions {
  /** The rate window; default "5m". */
  readonly window?: string;
  /** Only this cluster's series (the `cluster` label). */
  readonly cluster?: string | undefined;
  readonly signal?: AbortSignal;
}

// readSloStatus asks four queries (objectives, budgets, burn rates, alerts).
const sloQueries = 4;

const edgeKey = (labels: Readonly<Record<string, string>>): string =>
  edgeLabels.map((l) => labels[l] ?? "").join("\u0000");

/** Values by edge key; NaN (no histogram data) becomes absent. */
function byEdge(samples: readonly Sample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (Number.isFinite(s.value)) out.set(edgeKey(s.labels), s.value);
  return out;
}

/** The graph as Prometheus has it now. Throws PrometheusError when it does not answer. */
export async function readTopology(
  prometheus: PrometheusClient,
  options: ReadTopologyOptions = {},
): Promise<ServiceGraph> {
  const window = options.window ?? "5m";
  const started = performance.now();
  const q = graphQueries({ window, cluster: options.cluster });
  const ask = (expr: string) => prometheus.query(expr, options.signal ? { signal: options.signal } : {});
  const [requests, errors, mtls, p50, p95, p99, readings] = await Promise.all([
    ask(q.requests),
    ask(q.errors),
    ask(q.mtls),
    ask(q.p50),
    ask(q.p95),
    ask(q.p99),
    readSloStatus(prometheus, options.signal ? { signal: options.signal } : {}),
  ]);
  const [errorsBy, mtlsBy, p50By, p95By, p99By] = [errors, mtls, p50, p95, p99].map(byEdge) as Map<string, number>[];

  const nodes = new Map<string, ServiceNode>();
  const sloByService = new Map<string, SloReading[]>();
  for (const r of readings) sloByService.set(r.service, [...(sloByService.get(r.service) ?? []), r]);
  const node = (namespace: string, name: string): string => {
    const id = `${namespace}/${name}`;
    if (!nodes.has(id)) nodes.set(id, { id, namespace, name, ...sloState(sloByService.get(name) ?? []) });
    return id;
  };
  const edges: CallEdge[] = [];
  for (const s of requests) {
    if (!(s.value > 0)) continue;
    const l = s.labels;
    const source = node(l.source_workload_namespace || "unknown", l.source_workload || "unknown");
    const target = node(l.destination_service_namespace || "unknown", l.destination_service_name || "unknown");
    const key = edgeKey(l);
    edges.push({
      id: `${source}->${target}`,
      source,
      target,
      rps: s.value,
      errorRate: Math.min(1, (errorsBy?.get(key) ?? 0) / s.value),
      p50Ms: p50By?.get(key) ?? null,
      p95Ms: p95By?.get(key) ?? null,
      p99Ms: p99By?.get(key) ?? null,
      mtls: Math.min(1, (mtlsBy?.get(key) ?? 0) / s.value),
    });
  }
  edges.sort((a, b) => a.id.localeCompare(b.id));
  return {
    window,
    time: new Date().toISOString(),
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edges,
    stats: { queries: Object.keys(q).length + sloQueries, durationMs: Math.round(performance.now() - started) },
  };
}
