/** The service graph as Graphviz dot and Mermaid, and its figures as people read them (JSON is the graph itself). */
import type { CallEdge, ServiceGraph, SloState } from "./types.ts";

/** A share as a percentage: "0.4%", "0.012%" below a tenth of a percent. */
export const percent = (x: number): string => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
/** Milliseconds, "-" for none. */
export const ms = (x: number | null): string => (x === null ? "-" : `${x < 10 ? x.toFixed(1) : Math.round(x)}ms`);
/** Requests per second. */
export const rps = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(2));

/** "12.00 rps · 0.4% err · p95 85ms" */
export function callLabel(e: CallEdge): string {
  return `${rps(e.rps)} rps · ${percent(e.errorRate)} err · p95 ${ms(e.p95Ms)}`;
}

const colours: Record<SloState, string> = { ok: "#1a7f37", warn: "#9a6700", err: "#cf222e", none: "#6e7781" };
const quote = (s: string): string => `"${s.replace(/["\\]/g, "\\$&")}"`;

/** Graphviz: services clustered by namespace, coloured by SLO state; calls labelled, red at ≥ 2% errors. */
export function formatDot(graph: ServiceGraph): string {
  const lines = ["digraph services {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontcolor=white];'];
  const namespaces = [...new Set(graph.nodes.map((n) => n.namespace))];
  namespaces.forEach((ns, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${quote(ns)};`);
    for (const n of graph.nodes.filter((x) => x.namespace === ns))
      lines.push(`    ${quote(n.id)} [label=${quote(n.name)}, fillcolor=${quote(colours[n.slo])}];`);
    lines.push("  }");
  });
  for (const e of graph.edges)
    lines.push(
      `  ${quote(e.source)} -> ${quote(e.target)} [label=${quote(callLabel(e))}${e.errorRate >= 0.02 ? ', color="#cf222e"' : ""}];`,
    );
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Mermaid flowchart: the same graph for a README or a pull request. */
export function formatMermaid(graph: ServiceGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `s${i}`]));
  const text = (s: string): string => s.replace(/"/g, "#quot;");
  const lines = ["flowchart LR"];
  for (const ns of new Set(graph.nodes.map((n) => n.namespace))) {
    lines.push(`  subgraph ${text(ns)}`);
    for (const n of graph.nodes.filter((x) => x.namespace === ns))
      lines.push(`    ${ids.get(n.id)}["${text(n.name)}"]:::${n.slo}`);
    lines.push("  end");
  }
  for (const e of graph.edges) lines.push(`  ${ids.get(e.source)} -->|"${text(callLabel(e))}"| ${ids.get(e.target)}`);
  for (const [state, colour] of Object.entries(colours)) lines.push(`  classDef ${state} fill:${colour},color:#fff`);
  return `${lines.join("\n")}\n`;
}
