/**
 * The service topology for the dashboard: the graph kaika reads from the mesh's request metrics in
 * Prometheus (src/topology), or why there is none. Read on request, never from the browser to Prometheus.
 */
import { parseDuration } from "../../ledger/index.ts";
import { readTopology } from "../../topology/index.ts";
import type { DashboardContext } from "./context.ts";
import { badParameter } from "./http.ts";
import { unavailable } from "./series.ts";
import type { TopologyResponse } from "./types.ts";

/** GET /api/v1/topology[?window=5m][&cluster=C] */
export async function topology(
  ctx: DashboardContext,
  window: string,
  cluster: string | undefined,
): Promise<TopologyResponse> {
  const ms = parseDuration(window);
  if (!/^\d+[smhd]$/.test(window) || ms === undefined || ms < 60_000 || ms > 86_400_000)
    throw badParameter("window", `"${window}": a duration from 1m to 1d, e.g. 5m`);
  if (!ctx.prometheus)
    return {
      configured: false,
      reason: "no Prometheus configured: start kaika with --prometheus-url to read the mesh's request metrics",
    };
  const graph = await readTopology(ctx.prometheus, { window, cluster }).catch(unavailable);
  return { configured: true, ...graph };
}
