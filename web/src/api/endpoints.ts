/** One typed function per /api/v1 endpoint (docs/dashboard-api.md); pages call these, never fetch. */
import { getJson, postJson, sendJson } from "./client.ts";
import type {
  ActionResponse,
  DiffResponse,
  FleetResponse,
  ReadinessResponse,
  ReadinessTrendResponse,
  SessionResponse,
  SloSeriesResponse,
  SlosResponse,
  SyncDetailResponse,
  TopologyResponse,
  VersionsDiffResponse,
  VersionsResponse,
  WhoamiResponse,
} from "./types.ts";

/** The actions a Sync takes (POST /api/v1/syncs/{ns}/{name}/{action}). */
export type SyncAction = "reconcile" | "suspend" | "resume" | "rollout/pause" | "rollout/resume" | "rollout/promote";

const seg = encodeURIComponent;

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const api = {
  whoami: (signal?: AbortSignal) => getJson<WhoamiResponse>("/whoami", signal),
  /** Signs this browser in with a Kubernetes token (kept in an HttpOnly cookie, checked by TokenReview). */
  signIn: (token: string) => sendJson<SessionResponse>("POST", "/session", { token }),
  signOut: () => sendJson<SessionResponse>("DELETE", "/session"),
  fleet: (signal?: AbortSignal) => getJson<FleetResponse>("/fleet", signal),
  /** A Sync's detail; `cluster` picks whose objects are listed (fleet Syncs). */
  sync: (namespace: string, name: string, cluster: string | undefined, signal?: AbortSignal) =>
    getJson<SyncDetailResponse>(`/syncs/${seg(namespace)}/${seg(name)}${query({ cluster })}`, signal),
  syncDiff: (namespace: string, name: string, signal?: AbortSignal) =>
    getJson<DiffResponse>(`/syncs/${seg(namespace)}/${seg(name)}/diff`, signal),
  syncAction: (namespace: string, name: string, action: SyncAction, csrfToken: string) =>
    postJson<ActionResponse>(`/syncs/${seg(namespace)}/${seg(name)}/${action}`, csrfToken),
  /** The services × clusters matrix at `at` (ISO time; now when undefined). */
  versions: (at: string | undefined, signal?: AbortSignal) =>
    getJson<VersionsResponse>(`/versions${query({ at })}`, signal),
  /** Two clusters, or one cluster at two times: each side is CLUSTER or CLUSTER@TIME. */
  versionsDiff: (
    p: { a: string; b: string; atA?: string | undefined; atB?: string | undefined },
    signal?: AbortSignal,
  ) =>
    getJson<VersionsDiffResponse>(
      `/versions/diff${query({ a: p.atA ? `${p.a}@${p.atA}` : p.a, b: p.atB ? `${p.b}@${p.atB}` : p.b })}`,
      signal,
    ),
  readiness: (signal?: AbortSignal) => getJson<ReadinessResponse>("/readiness", signal),
  /** Each cluster's readiness score over `range` (from Prometheus). */
  readinessTrend: (range: string, signal?: AbortSignal) =>
    getJson<ReadinessTrendResponse>(`/readiness/trend${query({ range })}`, signal),
  slos: (signal?: AbortSignal) => getJson<SlosResponse>("/slos", signal),
  sloSeries: (namespace: string, name: string, range: string | undefined, signal?: AbortSignal) =>
    getJson<SloSeriesResponse>(`/slos/${seg(namespace)}/${seg(name)}/series${query({ range })}`, signal),
  topology: (signal?: AbortSignal) => getJson<TopologyResponse>("/topology", signal),
};
