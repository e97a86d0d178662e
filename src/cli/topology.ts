/** kaika topology: the service graph from a mesh's request metrics, with each service's SLO state. */
import { stringify } from "yaml";
import { parseDuration } from "../ledger/index.ts";
import {
  around,
  formatDot,
  formatMermaid,
  inNamespace,
  ms,
  percent,
  readTopology,
  resolveService,
  rps,
  type ServiceGraph,
} from "../topology/index.ts";
import type { GlobalOptions } from "./main.ts";
import { table, UsageError } from "./output.ts";
import { prometheusFrom } from "./slo.ts";

/** Flags of kaika topology. */
export interface TopologyFlags {
  readonly prometheusUrl?: string;
  readonly window: string;
  readonly cluster?: string;
  readonly focus?: string;
  readonly depth: string;
}

const formats = ["text", "wide", "json", "yaml", "dot", "mermaid"];

export async function topology(options: GlobalOptions, flags: TopologyFlags): Promise<void> {
  const output = options.output ?? "text";
  if (!formats.includes(output)) throw new UsageError(`-o ${output}: expected one of ${formats.join(", ")}`);
  if (!/^\d+[smhd]$/.test(flags.window) || (parseDuration(flags.window) ?? 0) < 60_000)
    throw new UsageError(`--window ${flags.window}: a Prometheus duration of at least 1m, e.g. 5m`);
  const depth = Number(flags.depth);
  if (!Number.isInteger(depth) || depth < 1 || depth > 10) throw new UsageError(`--depth ${flags.depth}: 1 to 10`);
  let graph = await readTopology(prometheusFrom(flags), { window: flags.window, cluster: flags.cluster });
  if (options.namespace) graph = inNamespace(graph, options.namespace);
  if (flags.focus) {
    const id = resolveService(graph, flags.focus);
    if (!id)
      throw new UsageError(
        `--focus ${flags.focus}: no such service in the graph (or several of that name: give namespace/name)`,
      );
    graph = around(graph, id, depth);
  }
  if (output === "json") console.log(JSON.stringify(graph, null, 2));
  else if (output === "yaml") console.log(stringify(graph).trimEnd());
  else if (output === "dot") process.stdout.write(formatDot(graph));
  else if (output === "mermaid") process.stdout.write(formatMermaid(graph));
  else printText(graph);
}

function printText(graph: ServiceGraph): void {
  console.log(
    `window ${graph.window}: ${graph.nodes.length} services, ${graph.edges.length} calls (${graph.stats.queries} Prometheus queries, ${graph.stats.durationMs} ms)`,
  );
  if (graph.nodes.length === 0) {
    console.log("no calls: Prometheus has no istio_requests_total in this window");
    return;
  }
  console.log();
  table(
    ["service", "slo", "budget"],
    graph.nodes.map((n) => [n.id, n.slo, n.budget === null ? "-" : percent(n.budget)]),
  );
  console.log();
  table(
    ["from", "to", "rps", "errors", "p50", "p95", "p99", "mtls"],
    graph.edges.map((e) => [
      e.source,
      e.target,
      rps(e.rps),
      percent(e.errorRate),
      ms(e.p50Ms),
      ms(e.p95Ms),
      ms(e.p99Ms),
      percent(e.mtls),
    ]),
  );
}
