/** The policy engine's values: checks, the violations they return, and the findings evaluate() reports. */

import type { KubeObject } from "../kube/types.ts";

/** critical: will break or be exploited; warning: likely to hurt in production; info: worth a look. */
export type Severity = "critical" | "warning" | "info";

/** One problem a check found in one object. */
export interface Violation {
  /** Path to the problem, containers named in brackets: "spec.template.spec.containers[web].readinessProbe". */
  readonly field: string;
  /** One line. */
  readonly message: string;
}

/**
 * Where a custom resource keeps its pod template, so the pod checks can read it (Argo Rollouts,
 * OpenKruise, Knative, an in-house operator).
 */
export interface PodTemplatePath {
  /** API group of the custom resource: "argoproj.io". */
  readonly group: string;
  readonly kind: string;
  /** Dotted path to the PodTemplateSpec (metadata and spec): "spec.template", "spec.jobTemplate.spec.template". */
  readonly path: string;
}

/** What a check may read besides its object. */
export interface CheckContext {
  /** The whole input, for cross-object checks (Service → pods, PDB, HPA); read through lookup() in checks. */
  readonly objects: readonly KubeObject[];
  /** Registries (host, or host/path prefix) images may come from; unset means any. */
  readonly trustedRegistries?: readonly string[] | undefined;
  /** Kubernetes version the objects are applied to ("1.29", "v1.29.3"); unset means defaultKubernetesVersion. */
  readonly kubernetesVersion?: string | undefined;
  /** Pod template paths of custom resources, in addition to builtinPodTemplates. */
  readonly podTemplates?: readonly PodTemplatePath[] | undefined;
}

/** A production-readiness check: a pure function over one object and its context. */
export interface Check {
  /** "topic.name", e.g. "probes.readiness-missing". */
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  /** One line: what goes wrong in production. */
  readonly why: string;
  /** One line: what to change. */
  readonly fix: string;
  /**
   * Kinds it applies to; "*" for all. Kind names match objects of Kubernetes' own API groups only; custom
   * resources with a declared pod template match the "@…" tokens of `templated` (objects.ts) instead.
   */
  readonly kinds: readonly string[];
  /**
   * "set": judges the object by others of its input (a PDB, an HPA, a Service, a ServiceAccount…).
   * The admission webhook sees one object at a time, before the rest of its commit exists, so there
   * such findings warn instead of deny. "manifest": meaningful for manifests only (live objects are
   * defaulted or decoded), so admission and the audit leave it out. Default: the object alone.
   */
  readonly scope?: "set" | "manifest";
  /** Pure: reads the object and context, returns violations (none when the object passes). */
  run(object: KubeObject, context: CheckContext): readonly Violation[];
}

/** A violation placed: which check, which object, where in the sources. */
export interface Finding {
  readonly check: string;
  readonly severity: Severity;
  /** "Kind/namespace/name", or "Kind/name" when the object has no namespace. */
  readonly object: string;
  readonly file?: string;
  readonly line?: number;
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}
