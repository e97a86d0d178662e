/** Versions from the ledger: service × cluster → version at a time, and what differs between two sides. */
import { parseTime, type Side, TimeFormatError, type VersionMatrix } from "../../ledger/index.ts";
import type { DashboardContext } from "./context.ts";
import { badParameter } from "./http.ts";
import type { VersionsDiffResponse, VersionsResponse } from "./types.ts";

/** A time parameter: RFC 3339 (a date alone is midnight UTC) or a duration ago ("2h ago"), as the CLI reads it. */
export function timeParameter(field: string, text: string): Date {
  try {
    return parseTime(text);
  } catch (error) {
    if (error instanceof TimeFormatError) throw badParameter(field, error.message);
    throw error;
  }
}

/** "kaika-2" or "kaika-2@2026-03-01T12:00:00Z" → a side of a diff. */
export function sideParameter(field: string, text: string): Side {
  const at = text.indexOf("@");
  const cluster = at < 0 ? text : text.slice(0, at);
  if (!cluster) throw badParameter(field, `"${text}": expected CLUSTER or CLUSTER@TIME`);
  return at < 0 ? { cluster } : { cluster, at: timeParameter(field, text.slice(at + 1)) };
}

function matrixView(matrix: VersionMatrix, earliest: Date | null): VersionsResponse {
  return {
    at: matrix.at.toISOString(),
    earliest: earliest?.toISOString() ?? null,
    clusters: matrix.clusters,
    services: matrix.services.map((s) => ({ service: s.service, clusters: s.clusters })),
    workloads: matrix.workloads.map((w) => ({
      cluster: w.cluster,
      service: w.service,
      version: w.version,
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
      images: w.images.map((i) => i.image),
      sync: w.sync,
      revision: w.revision,
      since: w.since.toISOString(),
    })),
  };
}

/** GET /api/v1/versions[?at=TIME][&cluster=C] */
export async function versions(
  ctx: DashboardContext,
  at: string | undefined,
  cluster: string | undefined,
): Promise<VersionsResponse> {
  const when = at === undefined ? undefined : timeParameter("at", at);
  const ledger = await ctx.ledger.open();
  return matrixView(await ledger.versions({ cluster, at: when }), await ledger.earliest());
}

/** GET /api/v1/versions/diff?a=CLUSTER[@TIME]&b=CLUSTER[@TIME] */
export async function versionsDiff(ctx: DashboardContext, a: string, b: string): Promise<VersionsDiffResponse> {
  const left = sideParameter("a", a);
  const right = sideParameter("b", b);
  const ledger = await ctx.ledger.open();
  const diff = await ledger.diff(left, right);
  return {
    a: { cluster: diff.a.cluster, at: diff.a.at.toISOString() },
    b: { cluster: diff.b.cluster, at: diff.b.at.toISOString() },
    services: diff.services.map((d) => ({
      service: d.service,
      a: d.a ?? null,
      b: d.b ?? null,
      aImages: d.aImages,
      bImages: d.bImages,
    })),
  };
}
