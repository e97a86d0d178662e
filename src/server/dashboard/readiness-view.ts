/**
 * Readiness across the fleet: the periodic audits' findings (ReadinessPolicy status in the admin
 * cluster, Cluster status for each fleet cluster) with each check's why and fix, grouped by check,
 * namespace and cluster; exemptions with their expiry; and scores.
 */
import type { ReadinessPolicySpec, ReadinessPolicyStatus } from "../../api/readiness-policy.ts";
import { auditScore } from "../../audit/score.ts";
import { checks } from "../../policy/catalogue.ts";
import type { DashboardContext } from "./context.ts";
import { gridOf, onGrid, prometheusOf, unavailable } from "./series.ts";
import type {
  AuditScopeView,
  ExemptionView,
  FindingGroup,
  FindingView,
  ReadinessResponse,
  ReadinessTrendResponse,
} from "./types.ts";

type Audit = NonNullable<ReadinessPolicyStatus["audit"]>;

const catalogue = new Map(checks.map((c) => [c.id, c]));

const namespaceOf = (object: string): string => {
  const parts = object.split("/");
  return parts.length >= 3 ? (parts[1] ?? "") : "";
};

function scopeView(source: "policy" | "cluster", object: string, cluster: string | null, audit: Audit): AuditScopeView {
  return {
    source,
    object,
    scope: audit.scope,
    cluster,
    lastAuditTime: audit.lastAuditTime,
    objects: audit.objects,
    enforce: audit.byMode.enforce,
    warn: audit.byMode.warn,
    critical: audit.bySeverity.critical,
    warning: audit.bySeverity.warning,
    info: audit.bySeverity.info,
    score: auditScore(audit),
  };
}

function group(findings: readonly FindingView[], key: (f: FindingView) => string): FindingGroup[] {
  const groups = new Map<string, { -readonly [K in keyof FindingGroup]: FindingGroup[K] }>();
  for (const f of findings) {
    const k = key(f);
    const g = groups.get(k) ?? { key: k, total: 0, enforce: 0, warn: 0, critical: 0, warning: 0, info: 0 };
    g.total++;
    if (f.mode === "enforce") g.enforce++;
    if (f.mode === "warn") g.warn++;
    if (f.severity === "critical" || f.severity === "warning" || f.severity === "info") g[f.severity]++;
    groups.set(k, g);
  }
  return [...groups.values()].sort((a, b) => b.enforce - a.enforce || b.total - a.total || a.key.localeCompare(b.key));
}

/** GET /api/v1/readiness */
export function readiness(ctx: DashboardContext, now: Date = new Date()): ReadinessResponse {
  const scopes: AuditScopeView[] = [];
  const findings = new Map<string, FindingView>();
  const exemptions: ExemptionView[] = [];
  const add = (cluster: string | null, audit: Audit): void => {
    for (const f of audit.findings) {
      const check = catalogue.get(f.check);
      const key = JSON.stringify([cluster, f.check, f.object, f.field]);
      if (findings.has(key)) continue;
      findings.set(key, {
        check: f.check,
        title: check?.title ?? f.check,
        severity: f.severity,
        mode: f.mode,
        object: f.object,
        namespace: namespaceOf(f.object),
        cluster,
        field: f.field,
        message: f.message,
        why: check?.why ?? "",
        fix: check?.fix ?? "",
      });
    }
  };
  const policies = ctx.caches.policies?.list() ?? [];
  for (const policy of policies) {
    const key = `${policy.metadata.namespace}/${policy.metadata.name}`;
    const audit = (policy.status as ReadinessPolicyStatus | undefined)?.audit;
    if (audit) {
      scopes.push(scopeView("policy", key, null, audit));
      add(null, audit);
    }
    for (const e of (policy.spec as ReadinessPolicySpec | undefined)?.exemptions ?? []) {
      const expires = e.expires ? Date.parse(e.expires.length === 10 ? `${e.expires}T00:00:00Z` : e.expires) : NaN;
      exemptions.push({
        policy: key,
        check: e.check,
        object: e.object ?? `${e.kind ?? "*"}/${e.namespace ?? "*"}/${e.name ?? "*"}`,
        reason: e.reason,
        expires: e.expires ?? null,
        expired: Number.isFinite(expires) && expires <= now.getTime(),
      });
    }
  }
  for (const cluster of ctx.caches.clusters.list()) {
    const audit = cluster.status?.audit;
    if (!audit) continue;
    scopes.push(
      scopeView(
        "cluster",
        `${cluster.metadata.namespace}/${cluster.metadata.name}`,
        cluster.metadata.name ?? "",
        audit,
      ),
    );
    add(cluster.metadata.name ?? "", audit);
  }
  // The fleet's score: whole-cluster scopes weighted by their objects (namespace policies repeat parts of them).
  const whole = scopes.filter((s) => s.scope === "*");
  const counted = whole.length > 0 ? whole : scopes;
  const objects = counted.reduce((n, s) => n + s.objects, 0);
  const score =
    counted.length === 0
      ? null
      : objects === 0
        ? Math.min(...counted.map((s) => s.score))
        : Math.floor(counted.reduce((n, s) => n + s.score * s.objects, 0) / objects);
  const list = [...findings.values()];
  const missing =
    policies.length === 0 && ctx.caches.policies === undefined
      ? "the ReadinessPolicy CRD is not served here"
      : scopes.length === 0
        ? "no audit yet: kaika run audits every --audit-interval (a ReadinessPolicy must exist in the admin cluster)"
        : null;
  return {
    score,
    scopes,
    findings: list,
    byCheck: group(list, (f) => f.check),
    byNamespace: group(list, (f) => f.namespace || "(cluster-scoped)"),
    byCluster: group(list, (f) => f.cluster ?? "(admin cluster)"),
    exemptions: exemptions.sort(
      (a, b) => Number(b.expired) - Number(a.expired) || (a.expires ?? "~").localeCompare(b.expires ?? "~"),
    ),
    missing,
  };
}

/**
 * GET /api/v1/readiness/trend?range=7d[&step=…]: each cluster's score over the range, from the
 * kaika_audit_score gauge as Prometheus scraped it (kaika keeps no history of its own).
 */
export async function readinessTrend(
  ctx: DashboardContext,
  rangeText: string,
  stepText: string | undefined,
  now: Date = new Date(),
): Promise<ReadinessTrendResponse> {
  const grid = gridOf(rangeText, stepText, now);
  const prometheus = prometheusOf(ctx, "the readiness score's trend");
  const series = await prometheus
    .queryRange("max by (cluster) (kaika_audit_score)", {
      start: grid.start,
      end: grid.end,
      stepSeconds: grid.stepSeconds,
    })
    .catch(unavailable);
  return {
    range: rangeText,
    stepSeconds: grid.stepSeconds,
    timestamps: grid.timestamps,
    series: series
      .map((s) => ({ cluster: s.labels.cluster || null, values: onGrid(grid, s.points) }))
      .sort((a, b) => (a.cluster ?? "").localeCompare(b.cluster ?? "")),
  };
}
