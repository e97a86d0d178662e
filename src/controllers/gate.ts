/**
 * The readiness gate of a Sync: under the ReadinessPolicies of the admin
 * cluster, the findings a policy enforces hold the whole commit back
 * (`spec.policy.mode: enforce`, the default) or are only reported (`warn`).
 */
import type { SyncSpec, SyncStatus } from "../api/sync.ts";
import type { KubeObject } from "../kube/types.ts";
import { gateFindings } from "../policy/readiness-policy.ts";
import type { RenderedObject } from "../render/types.ts";

export type Violation = NonNullable<SyncStatus["violations"]>[number];

/** The gate's verdict on one rendered commit. */
export interface GateVerdict {
  /** Findings the policy enforces, at most 50 (status keeps no more). */
  readonly violations: Violation[];
  /** Findings the policy only warns about. */
  readonly warned: number;
  /** True when the commit must not be applied. */
  readonly hold: boolean;
  /** One line for status and Events, when there are violations. */
  readonly summary?: string | undefined;
}

/**
 * Judges rendered objects; `policies` are the ReadinessPolicy objects (none: critical findings enforce);
 * `kubernetesVersion` is the target cluster's.
 */
export function readinessGate(
  objects: readonly RenderedObject[],
  spec: Pick<SyncSpec, "policy" | "targetNamespace">,
  revision: string,
  policies: readonly KubeObject[],
  defaultNamespace: string,
  kubernetesVersion?: string | undefined,
): GateVerdict {
  const mode = spec.policy?.mode ?? "enforce";
  if (mode === "off") return { violations: [], warned: 0, hold: false };
  const { enforced, warned } = gateFindings(
    objects,
    policies,
    (o) => (o.kind === "Namespace" ? "" : (o.metadata.namespace ?? spec.targetNamespace ?? defaultNamespace)),
    // The target cluster's own version, where the policy names none: api.* judge what it serves.
    { kubernetesVersion },
  );
  const violations = enforced.slice(0, 50).map((f) => ({
    check: f.check,
    severity: f.severity,
    object: f.object,
    message: f.message,
    field: f.field,
    ...(f.file ? { file: f.file } : {}),
    ...(f.line ? { line: f.line } : {}),
  }));
  const first = violations[0];
  if (!first) return { violations, warned: warned.length, hold: false };
  const summary = `${enforced.length} enforced readiness finding(s) in ${revision}; first: ${first.file ?? ""}:${first.line ?? ""} ${first.object} ${first.check}: ${first.message}`;
  return { violations, warned: warned.length, hold: mode === "enforce", summary };
}
