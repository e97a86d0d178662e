/** The audit in each ReadinessPolicy's status: counts and the first findings of the namespace it governs. */
import type { ReadinessPolicyStatus } from "../api/readiness-policy.ts";
import { writeStatus } from "../controllers/status.ts";
import type { KubeApi } from "../kube/api.ts";
import type { KubeObject } from "../kube/types.ts";
import { defaultSystemNamespace, policiesFrom } from "../policy/readiness-policy.ts";
import { type Condition, statusConditions } from "../runtime/conditions.ts";
import type { AuditFinding, AuditReport } from "./scan.ts";

/** status.audit of a ReadinessPolicy. */
export type AuditSummary = NonNullable<ReadinessPolicyStatus["audit"]>;

const modeRank = { enforce: 0, warn: 1, off: 2 } as const;
const severityRank = { critical: 0, warning: 1, info: 2 } as const;

/**
 * The summary of `report` for `scope`: a namespace, or "*" for the whole cluster (the fleet-wide
 * default policy). Findings that are off are counted, not listed; the list shows the first
 * `top` (default 20) of the others, enforced first, then by severity, object and check.
 */
export function summarize(report: AuditReport, scope: string, top = 20): AuditSummary {
  const inScope = (f: AuditFinding): boolean => scope === "*" || f.namespace === scope;
  const findings = report.findings.filter(inScope);
  const byMode = { enforce: 0, warn: 0, off: 0 };
  const bySeverity = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) {
    byMode[f.mode]++;
    if (f.mode !== "off") bySeverity[f.severity]++;
  }
  const objects =
    scope === "*" ? [...report.objects.values()].reduce((a, b) => a + b, 0) : (report.objects.get(scope) ?? 0);
  const listed = findings
    .filter((f) => f.mode !== "off")
    .sort(
      (a, b) =>
        modeRank[a.mode] - modeRank[b.mode] ||
        severityRank[a.severity] - severityRank[b.severity] ||
        a.object.localeCompare(b.object) ||
        a.check.localeCompare(b.check),
    )
    .slice(0, top)
    .map((f) => ({
      check: f.check,
      severity: f.severity,
      mode: f.mode,
      object: f.object,
      field: f.field,
      message: f.message,
    }));
  return {
    lastAuditTime: report.startTime.toISOString().replace(/\.\d+Z$/, "Z"),
    scope,
    objects,
    byMode,
    bySeverity,
    findings: listed,
  };
}

/** Options of writeAuditStatus(). */
export interface AuditStatusOptions {
  readonly systemNamespace?: string | undefined;
  /** Findings listed per policy; default 20 (the schema's maximum). */
  readonly top?: number | undefined;
}

/**
 * Writes each ReadinessPolicy's status: the audit of its namespace (of the whole cluster for a
 * policy in the system namespace), and Ready — False with reason InvalidSpec when entries of its
 * spec were left out, naming them. Returns the policies whose status could not be written (the
 * next audit tries again).
 */
export async function writeAuditStatus(
  api: KubeApi,
  policies: readonly KubeObject[],
  report: AuditReport,
  options: AuditStatusOptions = {},
): Promise<{ policy: string; error: unknown }[]> {
  const system = options.systemNamespace ?? defaultSystemNamespace;
  const { problems } = policiesFrom(policies);
  const failed: { policy: string; error: unknown }[] = [];
  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? "";
    const scope = namespace === system ? "*" : namespace;
    const audit = summarize(report, scope, options.top);
    const wrong = problems.get(`${namespace}/${policy.metadata.name ?? ""}`) ?? [];
    const previous = (policy.status as { conditions?: Condition[] } | undefined)?.conditions;
    const conditions =
      wrong.length > 0
        ? statusConditions(
            previous,
            "stalled",
            "InvalidSpec",
            `left out: ${wrong
              .slice(0, 5)
              .map((p) => p.message)
              .join("; ")}${wrong.length > 5 ? ` (and ${wrong.length - 5} more)` : ""}`,
            policy.metadata.generation,
          )
        : statusConditions(
            previous,
            "ready",
            "Audited",
            `${audit.byMode.enforce} enforced, ${audit.byMode.warn} warned finding(s) in ${audit.objects} object(s)`,
            policy.metadata.generation,
          );
    try {
      await writeStatus(api, policy, {
        ...(policy.metadata.generation !== undefined ? { observedGeneration: policy.metadata.generation } : {}),
        conditions,
        audit,
      });
    } catch (error) {
      failed.push({ policy: `${namespace}/${policy.metadata.name ?? ""}`, error });
    }
  }
  return failed;
}
