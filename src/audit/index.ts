/** The audit: periodic scans of live objects through the readiness checks and ReadinessPolicies. */
export {
  AuditReconciler,
  type AuditSetup,
  addAuditController,
  addAuditControllerIfServed,
  auditKey,
} from "./controller.ts";
export { AuditMetrics } from "./metrics.ts";
export { type AuditFinding, type AuditOptions, type AuditReport, auditCluster } from "./scan.ts";
export { type AuditStatusOptions, type AuditSummary, summarize, writeAuditStatus } from "./status.ts";
