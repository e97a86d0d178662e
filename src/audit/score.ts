/** The readiness score of an audit summary: what the dashboard shows and kaika_audit_score records. */
import { severityWeights } from "../policy/scores.ts";
import type { Severity } from "../policy/types.ts";
import type { AuditSummary } from "./status.ts";

/**
 * The score of one audited scope, 0–100, from its counts: the points of its findings (critical 20,
 * warning 5, info 1; enforced twice that, as docs/checks.md scores) spread over its objects, rounded
 * down, at most 99 with any finding. The status lists only the first findings (enforced first), so an
 * enforced finding beyond the list counts as critical, which is what the default policy enforces.
 */
export function auditScore(audit: AuditSummary): number {
  const { critical, warning, info } = audit.bySeverity;
  const total = critical + warning + info;
  if (total === 0) return 100;
  let points = critical * severityWeights.critical + warning * severityWeights.warning + info * severityWeights.info;
  const listedEnforced = audit.findings.filter((f) => f.mode === "enforce");
  for (const f of listedEnforced) points += severityWeights[f.severity as Severity] ?? 0;
  points += Math.max(0, audit.byMode.enforce - listedEnforced.length) * severityWeights.critical;
  const score = Math.floor(100 - points / Math.max(1, audit.objects));
  return Math.max(0, Math.min(99, score));
}
