/** The service graph kaika reads from a mesh's request metrics: services, the calls between them, and each service's SLO state. */

/** ok: budget healthy; warn: burning faster than it refills; err: exhausted or alerting; none: no SLO. */
export type SloState = "ok" | "warn" | "err" | "none";

/** A service (or a calling workload outside the mesh's services, such as an ingress gateway). */
export interface ServiceNode {
  /** "namespace/name". */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly slo: SloState;
  /** The lowest error budget left of its SLOs (1 untouched, ≤ 0 exhausted); null without an SLO with data. */
  readonly budget: number | null;
}

/** The calls from one workload to one service over the window. */
export interface CallEdge {
  /** "source->target". */
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** Requests per second. */
  readonly rps: number;
  /** Share of requests answered 5xx (0–1). */
  readonly errorRate: number;
  /** Latency quantiles in milliseconds; null where the histogram has no data. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  /** Share of requests over mutual TLS (0–1). */
  readonly mtls: number;
}

/** What reading the graph cost: Prometheus queries and time. */
export interface TopologyStats {
  readonly queries: number;
  readonly durationMs: number;
}

/** The graph over one window. */
export interface ServiceGraph {
  /** The rate window, e.g. "5m". */
  readonly window: string;
  /** When it was read (RFC 3339). */
  readonly time: string;
  readonly nodes: readonly ServiceNode[];
  readonly edges: readonly CallEdge[];
  readonly stats: TopologyStats;
}
