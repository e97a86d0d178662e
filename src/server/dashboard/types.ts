/**
 * The dashboard's JSON API (/api/v1), as types: what each endpoint answers. The browser app imports
 * this file with `import type`, so it holds types only — no runtime import, nothing from node.
 * docs/dashboard-api.md describes every endpoint with these shapes.
 */

import type { ServiceGraph } from "../../topology/types.ts";

/** Every error answer: a message a person can act on; `field` names the bad parameter of a 400. */
export interface ApiErrorBody {
  readonly error: string;
  /** The query or path parameter that was wrong (400 only). */
  readonly field?: string;
  /** A machine-readable reason: NotConfigured, Unreachable, Forbidden, Csrf, NotFound, … */
  readonly reason?: string;
}

/** metav1.Condition as the API shows it (the Ready condition of kaika's objects). */
export interface ConditionView {
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime?: string;
}

/** Reference to a Sync: "namespace/name" is its key everywhere in the API. */
export interface SyncRef {
  readonly namespace: string;
  readonly name: string;
}

// ---------------------------------------------------------------- GET /api/v1/fleet

/** What one Sync runs on one cluster (from the Cluster's status.syncs). */
export interface ClusterSyncView {
  /** "namespace/name" of the Sync. */
  readonly sync: string;
  /** Revision applied and healthy here ("main@sha1:…"), null before the first apply. */
  readonly revision: string | null;
  /** Applied, Progressing, Failed, Unreachable, Pending or Held. */
  readonly state: string;
  readonly applying: string | null;
  readonly failedRevision: string | null;
  /** Objects a re-apply had to write at the last apply here (hand changes reverted). */
  readonly drift: number;
  /** Readiness findings the policy warned about at the last apply. */
  readonly violations: number;
  /** Why, when the state is not Applied; null when it is (the Sync's page has the apply's summary). */
  readonly message: string | null;
  readonly lastAppliedTime: string | null;
}

/** Counts of the last audit of a cluster's live objects. */
export interface AuditCounts {
  readonly lastAuditTime: string;
  readonly objects: number;
  readonly enforce: number;
  readonly warn: number;
  readonly critical: number;
  readonly warning: number;
  readonly info: number;
}

/** A fleet Cluster at a glance. */
export interface ClusterView {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** labels env, region and provider, or null. */
  readonly env: string | null;
  readonly region: string | null;
  readonly provider: string | null;
  /** null until the first probe. */
  readonly reachable: boolean | null;
  readonly kubernetesVersion: string | null;
  readonly nodeCount: number | null;
  readonly lastContactTime: string | null;
  readonly shard: number | null;
  readonly handledBy: string | null;
  readonly suspended: boolean;
  readonly ready: ConditionView | null;
  readonly audit: AuditCounts | null;
  readonly syncs: readonly ClusterSyncView[];
}

/** One wave of a rollout, with its clusters, soak timer and gate. */
export interface WaveView {
  readonly name: string;
  /** Pending, Progressing, Soaking, Done, Failed or GateFailed. */
  readonly state: string;
  readonly clusters: readonly string[];
  readonly current: boolean;
  readonly startedAt: string | null;
  /** When every reachable cluster of the wave ran the revision healthily: the soak started. */
  readonly healthyAt: string | null;
  /** The wave's soak, as written ("10m"), and when it ends (healthyAt + soak), if started. */
  readonly soak: string | null;
  readonly soakEndsAt: string | null;
  readonly requirePromotion: boolean;
  readonly promoted: boolean;
  readonly maxUnavailable: number | null;
  readonly sloGate: {
    readonly maxBurnRate: number;
    readonly services: readonly string[];
    readonly rollback: boolean;
  } | null;
}

/** A Sync's rollout across its clusters (fleet Syncs only). */
export interface RolloutView {
  readonly revision: string;
  readonly previousRevision: string | null;
  /** Progressing, Soaking, WaitingForPromotion, Paused, Halted or Complete. */
  readonly phase: string;
  readonly message: string | null;
  readonly paused: boolean;
  /** Index of the current wave. */
  readonly wave: number;
  readonly waves: readonly WaveView[];
}

/** Per targeted cluster, as the Sync's status lists it. */
export interface SyncClusterView {
  readonly name: string;
  readonly wave: string | null;
  readonly desiredRevision: string | null;
  readonly revision: string | null;
  readonly state: string;
  readonly message: string | null;
  readonly lastAppliedTime: string | null;
}

/** A Sync at a glance. */
export interface SyncView {
  readonly namespace: string;
  readonly name: string;
  /** The GitSource: name, URL (credentials removed) and the revision it last fetched. */
  readonly source: { readonly name: string; readonly url: string | null; readonly revision: string | null };
  readonly path: string;
  /** True for Syncs with spec.targets (applied to fleet Clusters); false: the admin cluster itself. */
  readonly fleet: boolean;
  readonly suspended: boolean;
  /** Last applied revision (single-cluster), or the rollout's revision (fleet). */
  readonly revision: string | null;
  readonly ready: ConditionView | null;
  readonly rollout: RolloutView | null;
  /**
   * How many targeted clusters are in each state (fleet Syncs; {} for the admin cluster's own). The
   * per-cluster rows are the Sync detail's `clusters` and each ClusterView's `syncs`: the fleet answer
   * carries them once, not twice (at 200 clusters × 50 Syncs that halves it).
   */
  readonly clusterStates: Readonly<Record<string, number>>;
  /** Readiness findings of the last rendered revision that the policies enforce. */
  readonly violations: number;
  readonly failures: number;
}

/** GET /api/v1/fleet */
export interface FleetResponse {
  /** The newest server-sent event id when this answer was built: pass it as Last-Event-ID to miss nothing. */
  readonly eventId: string;
  readonly clusters: readonly ClusterView[];
  readonly syncs: readonly SyncView[];
}

// ---------------------------------------------------------------- GET /api/v1/syncs/{ns}/{name}

/** The commit a Sync applied, with what kaika knows of it. */
export interface CommitView {
  readonly revision: string;
  readonly sha: string;
  readonly message: string | null;
  readonly author: string | null;
  readonly authorEmail: string | null;
  readonly time: string | null;
  /** A web link for http(s) repositories (…/commit/<sha>), else null. */
  readonly link: string | null;
  /** Why message/author/time are null, when they are. */
  readonly missing: string | null;
}

/** One object of a Sync's inventory, with its live health. */
export interface ObjectView {
  /** "Kind/namespace/name" or "Kind/name". */
  readonly ref: string;
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** kstatus: Current, InProgress, Failed, Terminating, NotFound or Unknown. */
  readonly health: string;
  readonly message: string;
  readonly reason: string | null;
}

/** The objects of a Sync on one cluster. */
export interface ObjectsView {
  /** The fleet cluster read, or null for the admin cluster (single-cluster Syncs). */
  readonly cluster: string | null;
  readonly items: readonly ObjectView[];
  /** More objects than the answer holds (the inventory lists `total`). */
  readonly total: number;
  /** Why items could not be read (unreachable cluster, no inventory yet…). */
  readonly error: string | null;
}

/** A failure of the last attempt: the object, the phase and where in Git. */
export interface FailureView {
  readonly object: string;
  readonly phase: string;
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly field: string | null;
}

/** A readiness finding that holds the commit back, with where it is in Git. */
export interface ViolationView {
  readonly check: string;
  readonly severity: string;
  readonly object: string;
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly field: string | null;
}

/** A core/v1 Event about the Sync. */
export interface EventView {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly firstTime: string | null;
  readonly lastTime: string | null;
}

/** One change the version ledger recorded for the Sync. */
export interface HistoryEntry {
  readonly time: string;
  readonly cluster: string;
  readonly revision: string;
  readonly action: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** null when the object is gone (pruned/deleted). */
  readonly service: string | null;
  readonly version: string | null;
}

/** GET /api/v1/syncs/{ns}/{name} */
export interface SyncDetailResponse {
  readonly sync: SyncView;
  /** Per targeted cluster, as the Sync's status lists it (fleet Syncs; empty otherwise). */
  readonly clusters: readonly SyncClusterView[];
  readonly spec: {
    readonly renderer: string;
    readonly interval: string;
    readonly prune: boolean;
    readonly selfHeal: boolean;
    readonly policyMode: string;
    readonly serviceAccountName: string | null;
    readonly targets: readonly { readonly name: string | null; readonly path: string | null }[];
  };
  /** The applied commit (the rollout's for fleet Syncs); null before anything was applied. */
  readonly commit: CommitView | null;
  readonly objects: ObjectsView;
  readonly failures: readonly FailureView[];
  readonly violations: readonly ViolationView[];
  /** Objects that differ from Git (selfHeal off). */
  readonly drift: readonly string[];
  readonly events: readonly EventView[];
  readonly history: { readonly entries: readonly HistoryEntry[]; readonly missing: string | null };
}

/** GET /api/v1/syncs/{ns}/{name}/diff: one object whose apply would change something. */
export interface DiffObject {
  readonly ref: string;
  /** create or configure (unchanged objects are left out). */
  readonly action: string;
  /** A unified diff live → Git, YAML, without managedFields, status and Secret values. */
  readonly diff: string;
}

/** The pending diff on one cluster. */
export interface DiffTarget {
  /** The fleet cluster, or null for the admin cluster. */
  readonly cluster: string | null;
  readonly objects: readonly DiffObject[];
  readonly unchanged: number;
  /** Render, validation or connection errors: the diff is incomplete. */
  readonly errors: readonly string[];
}

/** GET /api/v1/syncs/{ns}/{name}/diff */
export interface DiffResponse {
  /** The GitSource's latest revision, diffed against live. */
  readonly revision: string;
  readonly targets: readonly DiffTarget[];
}

/** POST /api/v1/syncs/{ns}/{name}/{action} */
export interface ActionResponse {
  readonly sync: string;
  /** reconcile, suspend, resume, rollout/pause, rollout/resume, rollout/promote */
  readonly action: string;
  /** When it was requested (the annotation's value for reconcile, promote and resume). */
  readonly requestedAt: string;
}

// ---------------------------------------------------------------- versions

/** One workload behind the matrix. */
export interface WorkloadView {
  readonly cluster: string;
  readonly service: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly images: readonly string[];
  readonly sync: string;
  readonly revision: string;
  readonly since: string;
}

/** GET /api/v1/versions */
export interface VersionsResponse {
  readonly at: string;
  /** When the ledger recorded its first change (null: none yet): the time slider starts there. */
  readonly earliest: string | null;
  readonly clusters: readonly string[];
  /** Rows: service → cluster → version (absent where it does not run). */
  readonly services: readonly { readonly service: string; readonly clusters: Readonly<Record<string, string>> }[];
  readonly workloads: readonly WorkloadView[];
}

/** GET /api/v1/versions/diff */
export interface VersionsDiffResponse {
  readonly a: { readonly cluster: string; readonly at: string };
  readonly b: { readonly cluster: string; readonly at: string };
  /** Services whose version or images differ; a side where it does not run has null. */
  readonly services: readonly {
    readonly service: string;
    readonly a: string | null;
    readonly b: string | null;
    readonly aImages: readonly string[];
    readonly bImages: readonly string[];
  }[];
}

// ---------------------------------------------------------------- readiness

/** A finding of the periodic audit, with the check's why and fix. */
export interface FindingView {
  readonly check: string;
  readonly title: string;
  readonly severity: string;
  readonly mode: string;
  readonly object: string;
  readonly namespace: string;
  /** The fleet cluster, or null for the admin cluster. */
  readonly cluster: string | null;
  readonly field: string;
  readonly message: string;
  readonly why: string;
  readonly fix: string;
}

/** Findings counted under one key (a check, a namespace or a cluster). */
export interface FindingGroup {
  readonly key: string;
  readonly total: number;
  readonly enforce: number;
  readonly warn: number;
  readonly critical: number;
  readonly warning: number;
  readonly info: number;
}

/** One audited scope: a ReadinessPolicy's namespace in the admin cluster, or a fleet cluster. */
export interface AuditScopeView {
  /** "policy" (admin cluster) or "cluster" (a fleet Cluster). */
  readonly source: "policy" | "cluster";
  /** "namespace/name" of the ReadinessPolicy or Cluster. */
  readonly object: string;
  /** The namespace audited, or "*" for a whole cluster. */
  readonly scope: string;
  readonly cluster: string | null;
  readonly lastAuditTime: string;
  readonly objects: number;
  readonly enforce: number;
  readonly warn: number;
  readonly critical: number;
  readonly warning: number;
  readonly info: number;
  /** 0–100: see docs/dashboard-api.md (Readiness score). */
  readonly score: number;
}

/** A ReadinessPolicy exemption. */
export interface ExemptionView {
  readonly policy: string;
  readonly check: string;
  readonly object: string;
  readonly reason: string;
  readonly expires: string | null;
  readonly expired: boolean;
}

/** GET /api/v1/readiness */
export interface ReadinessResponse {
  /** The fleet's score: the mean of the scopes' scores weighted by their objects; null with no audit. */
  readonly score: number | null;
  readonly scopes: readonly AuditScopeView[];
  /** The listed findings (each audit status lists its first 20, enforced first). */
  readonly findings: readonly FindingView[];
  readonly byCheck: readonly FindingGroup[];
  readonly byNamespace: readonly FindingGroup[];
  readonly byCluster: readonly FindingGroup[];
  readonly exemptions: readonly ExemptionView[];
  /** Why the answer is partial or empty (no policy, no audit yet), else null. */
  readonly missing: string | null;
}

// ---------------------------------------------------------------- SLOs

/** An alert of the SLO active in Prometheus. */
export interface AlertView {
  readonly name: string;
  /** page or ticket */
  readonly severity: string;
  /** pending or firing */
  readonly state: string;
}

/** One label set of an SLO (its queries may keep labels, e.g. cluster). */
export interface SloReadingView {
  readonly labels: Readonly<Record<string, string>>;
  /** Share of the window's budget left (1 untouched, ≤ 0 exhausted); null before data. */
  readonly errorBudgetRemaining: number | null;
  /** Window ("5m" … "30d") → burn rate. */
  readonly burnRates: Readonly<Record<string, number>>;
  /** Seconds until the budget is gone at the 1h burn rate; 0 exhausted; null when not burning. */
  readonly timeToExhaustionSeconds: number | null;
  readonly exhausted: boolean;
  readonly alerts: readonly AlertView[];
}

/** A ServiceLevelObjective with its budget as Prometheus has it now. */
export interface SloView {
  readonly namespace: string;
  readonly name: string;
  /** slo_id in Prometheus: "namespace/name". */
  readonly id: string;
  readonly service: string;
  readonly description: string | null;
  readonly objective: number;
  readonly window: string;
  readonly ready: ConditionView | null;
  /** The worst reading's values (lowest budget), or null without data. */
  readonly errorBudgetRemaining: number | null;
  readonly timeToExhaustionSeconds: number | null;
  readonly exhausted: boolean;
  readonly readings: readonly SloReadingView[];
}

/** GET /api/v1/slos */
export interface SlosResponse {
  readonly prometheus: string;
  readonly slos: readonly SloView[];
}

/** GET /api/v1/readiness/trend: the score of each audited cluster over time, from Prometheus. */
export interface ReadinessTrendResponse {
  readonly range: string;
  readonly stepSeconds: number;
  /** Unix seconds, start to end by step. */
  readonly timestamps: readonly number[];
  /** One line per cluster: null is the cluster kaika runs in; values 0–100, null where not scraped. */
  readonly series: readonly { readonly cluster: string | null; readonly values: readonly (number | null)[] }[];
}

/** One line of a chart: values aligned with the answer's timestamps (null where Prometheus has no point). */
export interface SeriesLine {
  /** budgetRemaining or burnRate */
  readonly metric: string;
  /** The burn rate's window ("5m", "1h", …), null for the budget. */
  readonly window: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly values: readonly (number | null)[];
}

/** GET /api/v1/slos/{ns}/{name}/series */
export interface SloSeriesResponse {
  readonly id: string;
  readonly range: string;
  readonly stepSeconds: number;
  /** Unix seconds, start to end by step. */
  readonly timestamps: readonly number[];
  readonly series: readonly SeriesLine[];
}

// ---------------------------------------------------------------- topology, whoami, events

/**
 * GET /api/v1/topology: the service graph (src/topology's ServiceGraph), or why kaika reads none. An
 * empty graph means Prometheus has no mesh request metrics in the window.
 */
export type TopologyResponse =
  | { readonly configured: false; readonly reason: string }
  | ({ readonly configured: true } & ServiceGraph);

/** What the caller may do in one namespace. */
export interface NamespaceActions {
  readonly namespace: string;
  /** patch on syncs.kaika.dev there: every action on that namespace's Syncs. */
  readonly allowed: boolean;
}

/** POST /api/v1/session (signed in as `user`) and DELETE /api/v1/session (signed out: user null). */
export interface SessionResponse {
  readonly user: string | null;
  readonly groups: readonly string[];
}

/** GET /api/v1/whoami */
export interface WhoamiResponse {
  /** The user as the apiserver knows it; "local" for a loopback caller without a token. */
  readonly user: string;
  readonly groups: readonly string[];
  /** loopback (no token, this host), token (a bearer token) or session (a browser signed in with a token). */
  readonly via: "loopback" | "token" | "session";
  /** Whether this server takes actions at all (kaika dashboard --allow-actions). */
  readonly actionsEnabled: boolean;
  /** The action names the API knows. */
  readonly actions: readonly string[];
  /** Per namespace that has Syncs: whether the caller may act on them. */
  readonly namespaces: readonly NamespaceActions[];
  /** Send it as X-Kaika-CSRF with every POST (the cookie kaika_csrf carries it too). */
  readonly csrfToken: string;
}

/**
 * The data of a server-sent `change` event (GET /api/v1/events): an object of a watched kind
 * changed. `cluster` and `sync` carry the new fleet view of Clusters and Syncs, so a page can
 * update in place; other kinds say only what changed (refetch the page's endpoint).
 */
export interface ChangeEvent {
  /** Sync, Cluster, GitSource, ServiceLevelObjective or ReadinessPolicy. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly type: "upsert" | "delete";
  readonly cluster?: ClusterView;
  readonly sync?: SyncView;
}
