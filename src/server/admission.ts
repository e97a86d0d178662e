/**
 * The validating admission webhook: the readiness checks on every workload
 * created or updated by hand. Critical findings deny; warnings come back as
 * admission warnings, which kubectl prints.
 */

import type { KubeObject } from "../kube/types.ts";
import { evaluate } from "../policy/index.ts";

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

// The apiserver caps each warning; keep them short and few.
const maxWarnings = 10;
const maxWarningLength = 240;

/** Reviews one object: denied with the critical findings listed, allowed with warnings otherwise. */
export function review(body: AdmissionReviewRequest): AdmissionReviewResponse {
  const uid = body.request?.uid ?? "";
  const object = body.request?.object;
  if (!object) return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid, allowed: true } };
  if (!object.metadata.namespace && body.request?.namespace) object.metadata.namespace = body.request.namespace;
  const findings = evaluate([{ object, source: { file: "<admission>", line: 1 } }]);
  const critical = findings.filter((f) => f.severity === "critical");
  const warnings = findings
    .filter((f) => f.severity === "warning")
    .slice(0, maxWarnings)
    .map((f) => `${f.check}: ${f.message}`.slice(0, maxWarningLength));
  if (critical.length > 0) {
    const message = `kaika readiness: ${critical.length} critical finding(s): ${critical
      .map((f) => `${f.check} at ${f.field}: ${f.message} (fix: ${f.fix})`)
      .join("; ")}`;
    return {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid, allowed: false, status: { code: 403, message }, ...(warnings.length ? { warnings } : {}) },
    };
  }
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid, allowed: true, ...(warnings.length ? { warnings } : {}) },
  };
}
