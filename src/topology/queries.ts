/**
 * The PromQL of the service graph from Istio's standard metrics. One query per metric family and
 * figure, each aggregated by the edge's labels, so the cost does not grow with the number of edges:
 * requests, 5xx, mutual-TLS requests, and three latency quantiles — six queries for any graph.
 */
import { promString } from "../slo/promql.ts";

/** Where to look. */
export interface GraphQueryOptions {
  /** The rate window ("5m"). */
  readonly window: string;
  /** Only series with this `cluster` label (a fleet's Prometheus adds one per cluster). */
  readonly cluster?: string | undefined;
}

/** The labels that make an edge: the calling workload and the called service. */
export const edgeLabels = [
  "source_workload",
  "source_workload_namespace",
  "destination_service_name",
  "destination_service_namespace",
] as const;

/** The six queries, by the figure each answers. */
export interface GraphQueries {
  readonly requests: string;
  readonly errors: string;
  readonly mtls: string;
  readonly p50: string;
  readonly p95: string;
  readonly p99: string;
}

export function graphQueries(options: GraphQueryOptions): GraphQueries {
  // The destination reports every request it served, once; the source side would count them again.
  const base = [`reporter="destination"`, ...(options.cluster ? [`cluster=${promString(options.cluster)}`] : [])];
  const by = edgeLabels.join(", ");
  const rate = (metric: string, extra: string[] = []) =>
    `rate(${metric}{${[...base, ...extra].join(",")}}[${options.window}])`;
  const sum = (metric: string, extra: string[] = []) => `sum by (${by}) (${rate(metric, extra)})`;
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (le, ${by}) (${rate("istio_request_duration_milliseconds_bucket")}))`;
  return {
    requests: sum("istio_requests_total"),
    errors: sum("istio_requests_total", [`response_code=~"5.."`]),
    mtls: sum("istio_requests_total", [`connection_security_policy="mutual_tls"`]),
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
  };
}
