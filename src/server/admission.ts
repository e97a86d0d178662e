/**
 * The validating admission webhook's answer: the readiness checks on a workload created or updated
 * by hand, under the cluster's ReadinessPolicies. Enforced findings deny; warned ones come back as
 * admission warnings, which kubectl prints; off ones (and exempted or opted-out ones) say nothing.
 */

import type { KubeObject } from "../kube/types.ts";
import { checks } from "../policy/catalogue.ts";
import { objectRef } from "../policy/objects.ts";
import { assess, type Decision, type NamespaceLabels, PolicySet } from "../policy/readiness-policy.ts";

/** The AdmissionReview fields the webhook reads. */
export interface AdmissionReviewRequest {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly request?: {
    readonly uid: string;
    readonly object?: KubeObject;
    readonly namespace?: string;
    readonly dryRun?: boolean;
  };
}

/** The AdmissionReview answer (admission.k8s.io/v1). */
export interface AdmissionReviewResponse {
  apiVersion: "admission.k8s.io/v1";
  kind: "AdmissionReview";
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    warnings?: string[];
  };
}

/** What a review reads besides the request; all of it cached, so a review never waits on the apiserver. */
export interface ReviewContext {
  /** The cluster's ReadinessPolicies; default: none (critical enforces, the rest warns). */
  readonly policies?: PolicySet | undefined;
  /** Labels of namespaces, for spec.namespaces[].selector. */
  readonly namespaceLabels?: NamespaceLabels | undefined;
  /** Live objects of a namespace that cross-object checks read (PodDisruptionBudgets, HorizontalPodAutoscalers). */
  readonly related?: ((namespace: string) => readonly KubeObject[]) | undefined;
  /** The cluster's version, for the API checks where the policy names none. */
  readonly kubernetesVersion?: string | undefined;
  /** False when live Secrets are not watched: secrets.ref-missing then cannot tell and is left out. */
  readonly secretNamesKnown?: boolean | undefined;
}

// The apiserver caps each warning; keep them short and few.
const maxWarnings = 10;
const maxWarningLength = 240;
const rank = { critical: 0, warning: 1, info: 2 } as const;

const answer = (uid: string, rest: Omit<AdmissionReviewResponse["response"], "uid">): AdmissionReviewResponse => ({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  response: { uid, ...rest },
});

/**
 * Warnings for kubectl: critical then warning findings (infos are for lint and the audit, unless a
 * policy enforced them and admission only warns), at most 10.
 */
function warningsOf(warned: readonly Decision[]): string[] {
  const shown = warned
    .filter((d) => d.severity !== "info" || downgraded.has(d))
    .sort((a, b) => rank[a.severity] - rank[b.severity]);
  const lines = shown.map((d) => `${d.check}: ${d.message}`.slice(0, maxWarningLength));
  if (lines.length <= maxWarnings) return lines;
  return [...lines.slice(0, maxWarnings - 1), `and ${lines.length - maxWarnings + 1} more: run kaika lint`];
}

const scopes = new Map(checks.map((c) => [c.id, c.scope]));
/** Enforced decisions admission turned into warnings: shown whatever their severity. */
const downgraded = new WeakSet<Decision>();

/**
 * A decision as admission may take it: manifest-only checks are left out (the apiserver has
 * defaulted the object), and checks that judge an object by others of its commit warn instead of
 * deny — the Sync gate and lint judge those over the whole set; a webhook sees one object at a
 * time, before its PDB, HPA or Service may exist.
 */
function atAdmission(d: Decision): Decision[] {
  const scope = scopes.get(d.check);
  if (scope === "manifest") return [];
  if (scope !== "set" || d.mode !== "enforce") return [d];
  const warned: Decision = { ...d, mode: "warn" };
  downgraded.add(warned);
  return [warned];
}

/**
 * Reviews one object. Allowed without a review: requests without an object (deletes), objects
 * being deleted (a denial would wedge their finalizers) and objects a controller owns (their
 * owner was reviewed; denying a CronJob's Job would wedge the CronJob).
 */
export function review(body: AdmissionReviewRequest, context: ReviewContext = {}): AdmissionReviewResponse {
  const uid = body.request?.uid ?? "";
  const object = body.request?.object;
  if (!object?.metadata) return answer(uid, { allowed: true });
  if (object.metadata.deletionTimestamp || object.metadata.ownerReferences?.some((o) => o.controller))
    return answer(uid, { allowed: true });
  if (!object.metadata.namespace && body.request?.namespace) object.metadata.namespace = body.request.namespace;
  const namespace = object.metadata.namespace ?? "";
  const ref = objectRef(object);
  const input = [object, ...(context.related?.(namespace) ?? [])].map((o) => ({
    object: o,
    source: { file: "<admission>", line: 1 },
  }));
  const decided = assess(input, context.policies ?? new PolicySet(), {
    ...(context.namespaceLabels ? { namespaceLabels: context.namespaceLabels } : {}),
    ...(context.kubernetesVersion ? { kubernetesVersion: context.kubernetesVersion } : {}),
  })
    .filter((d) => d.object === ref && (context.secretNamesKnown !== false || d.check !== "secrets.ref-missing"))
    .flatMap((d) => atAdmission(d));
  const enforced = decided.filter((d) => d.mode === "enforce");
  const warnings = warningsOf(decided.filter((d) => d.mode === "warn"));
  const extra = warnings.length ? { warnings } : {};
  if (enforced.length === 0) return answer(uid, { allowed: true, ...extra });
  const message = `kaika readiness: ${enforced.length} enforced finding(s): ${enforced
    .map((f) => `${f.check} (${f.severity}) at ${f.field}: ${f.message} (fix: ${f.fix})`)
    .join("; ")}`;
  return answer(uid, { allowed: false, status: { code: 403, message }, ...extra });
}
