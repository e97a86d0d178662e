/** Request counts from the apiserver's own /metrics (apiserver_request_total), and their differences. */
import type { KubeClient } from "../../src/kube/client.ts";
import { parseProm } from "./prom.ts";

/** One series of apiserver_request_total. */
export interface RequestSeries {
  readonly verb: string;
  readonly dryRun: boolean;
  /** group/resource[/subresource], "core" for the core group. */
  readonly resource: string;
  readonly code: string;
  readonly count: number;
}

const writeVerbs = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);
export const isWrite = (s: RequestSeries): boolean => writeVerbs.has(s.verb);

/**
 * Writes that are not the Sync's doing or are allowed: the Sync's own status and annotation (kaika.dev
 * syncs), Events, Leases (leader election and kwok node leases) and Nodes (kwok heartbeats).
 */
export function excludedReason(s: RequestSeries): string | undefined {
  const [group, resource] = s.resource.split("/");
  if (group === "kaika.dev" && resource === "syncs") return "Sync status/annotation";
  if (resource === "events") return "Events";
  if (resource === "leases") return "Leases";
  if (resource === "nodes") return "Nodes (kwok heartbeats)";
  return undefined;
}

const key = (s: Omit<RequestSeries, "count">): string =>
  `${s.verb}\t${s.dryRun ? "dry" : ""}\t${s.resource}\t${s.code}`;

/** A snapshot of apiserver_request_total, keyed by verb, dry run, resource and code. */
export async function requestCounts(client: KubeClient): Promise<Map<string, RequestSeries>> {
  const text = await client.request<string>("GET", "/metrics", { accept: "text/plain" });
  const out = new Map<string, RequestSeries>();
  for (const s of parseProm(text)) {
    if (s.name !== "apiserver_request_total") continue;
    const l = s.labels;
    const series = {
      verb: l.verb ?? "",
      // dry_run is "" for real requests and "All" for dry runs.
      dryRun: (l.dry_run ?? "") !== "",
      resource: [l.group || "core", l.resource ?? "", ...(l.subresource ? [l.subresource] : [])].join("/"),
      code: l.code ?? "",
    };
    const k = key(series);
    out.set(k, { ...series, count: (out.get(k)?.count ?? 0) + s.value });
  }
  return out;
}

/** The series that grew between two snapshots, with their growth, largest first. */
export function requestDelta(
  before: ReadonlyMap<string, RequestSeries>,
  after: ReadonlyMap<string, RequestSeries>,
): RequestSeries[] {
  const out: RequestSeries[] = [];
  for (const [k, s] of after) {
    const d = s.count - (before.get(k)?.count ?? 0);
    if (d > 0) out.push({ ...s, count: d });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** "APPLY core/configmaps 200 ×12" style. */
export const describeSeries = (s: RequestSeries): string =>
  `${s.verb}${s.dryRun ? " (dry run)" : ""} ${s.resource} ${s.code} ×${s.count}`;
