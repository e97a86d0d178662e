/** The service topology: a mesh's calls from Prometheus, with each service's SLO state. */
export { callLabel, formatDot, formatMermaid, ms, percent, rps } from "./format.ts";
export { around, inNamespace, resolveService, sloState } from "./graph.ts";
export { edgeLabels, type GraphQueries, graphQueries } from "./queries.ts";
export { type ReadTopologyOptions, readTopology } from "./read.ts";
export type { CallEdge, ServiceGraph, ServiceNode, SloState, TopologyStats } from "./types.ts";
