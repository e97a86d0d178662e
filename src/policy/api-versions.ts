/**
 * API version checks: apiVersion/kind pairs that the target Kubernetes version no longer serves, or
 * serves with a deprecation warning. The table follows the upstream Deprecated API Migration Guide
 * (kubernetes.io/docs/reference/using-api/deprecation-guide) and, for releases it does not list
 * yet, the prerelease lifecycle (APILifecycleDeprecated/Removed/Replacement) of k8s.io/api v0.37,
 * which is what kube-apiserver enforces.
 */

import type { KubeObject } from "../kube/types.ts";
import type { Check, CheckContext } from "./types.ts";

/** The version kaika's local fleet runs; the target when EvaluateOptions.kubernetesVersion is unset. */
export const defaultKubernetesVersion = "1.37";

/** One apiVersion/kind on its way out. Versions are Kubernetes 1.x minors. */
export interface ApiLifecycle {
  readonly apiVersion: string;
  readonly kind: string;
  /** First minor that warns on it. */
  readonly deprecated: number;
  /** First minor that no longer serves it. */
  readonly removed: number;
  /** What to use instead: an apiVersion, or a sentence when no API replaces it. */
  readonly replacement: string;
  /** Minor from which the replacement apiVersion is served, when it is one. */
  readonly replacementSince?: number;
  /** An alpha, or a beta added since 1.24: clusters serve it only when enabled with --runtime-config. */
  readonly optIn?: true;
}

type Row = readonly [
  apiVersion: string,
  kinds: string,
  deprecated: number,
  removed: number,
  replacement: string,
  since?: number,
];

const psa = "Pod Security Admission (pod-security.kubernetes.io/* namespace labels); no API replaces it";
const rbac = "rbac.authorization.k8s.io/v1";
const admission = "admissionregistration.k8s.io/v1";
const flowcontrol = "flowcontrol.apiserver.k8s.io/v1";
const dra = "resource.k8s.io/v1";

// [apiVersion, kinds (space-separated), deprecated in 1.x, removed in 1.x, replacement, replacement served since 1.x]
const rows: readonly Row[] = [
  ["extensions/v1beta1", "Deployment DaemonSet ReplicaSet", 8, 16, "apps/v1", 9],
  ["extensions/v1beta1", "NetworkPolicy", 9, 16, "networking.k8s.io/v1", 8],
  ["extensions/v1beta1", "PodSecurityPolicy", 10, 16, psa],
  ["extensions/v1beta1", "Ingress", 14, 22, "networking.k8s.io/v1", 19],
  ["apps/v1beta1", "Deployment StatefulSet ReplicaSet ControllerRevision", 8, 16, "apps/v1", 9],
  ["apps/v1beta2", "Deployment StatefulSet DaemonSet ReplicaSet ControllerRevision", 9, 16, "apps/v1", 9],
  ["batch/v1beta1", "CronJob", 21, 25, "batch/v1", 21],
  ["autoscaling/v2beta1", "HorizontalPodAutoscaler", 22, 25, "autoscaling/v2", 23],
  ["autoscaling/v2beta2", "HorizontalPodAutoscaler", 23, 26, "autoscaling/v2", 23],
  ["policy/v1beta1", "PodDisruptionBudget", 21, 25, "policy/v1", 21],
  ["policy/v1beta1", "PodSecurityPolicy", 21, 25, psa],
  ["networking.k8s.io/v1beta1", "Ingress IngressClass", 19, 22, "networking.k8s.io/v1", 19],
  ["rbac.authorization.k8s.io/v1beta1", "ClusterRole ClusterRoleBinding Role RoleBinding", 17, 22, rbac, 8],
  [
    "admissionregistration.k8s.io/v1beta1",
    "MutatingWebhookConfiguration ValidatingWebhookConfiguration",
    16,
    22,
    admission,
    16,
  ],
  ["apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 16, 22, "apiextensions.k8s.io/v1", 16],
  ["apiregistration.k8s.io/v1beta1", "APIService", 19, 22, "apiregistration.k8s.io/v1", 10],
  ["storage.k8s.io/v1beta1", "CSIDriver", 19, 22, "storage.k8s.io/v1", 19],
  ["storage.k8s.io/v1beta1", "StorageClass", 19, 22, "storage.k8s.io/v1", 6],
  ["storage.k8s.io/v1beta1", "VolumeAttachment", 19, 22, "storage.k8s.io/v1", 13],
  ["storage.k8s.io/v1beta1", "CSINode", 17, 22, "storage.k8s.io/v1", 17],
  ["storage.k8s.io/v1beta1", "CSIStorageCapacity", 24, 27, "storage.k8s.io/v1", 24],
  ["scheduling.k8s.io/v1beta1", "PriorityClass", 14, 22, "scheduling.k8s.io/v1", 14],
  ["flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema PriorityLevelConfiguration", 23, 26, flowcontrol, 29],
  ["flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema PriorityLevelConfiguration", 26, 29, flowcontrol, 29],
  ["flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema PriorityLevelConfiguration", 29, 32, flowcontrol, 29],
  ["certificates.k8s.io/v1beta1", "CertificateSigningRequest", 19, 22, "certificates.k8s.io/v1", 19],
  ["coordination.k8s.io/v1beta1", "Lease", 19, 22, "coordination.k8s.io/v1", 14],
  ["discovery.k8s.io/v1beta1", "EndpointSlice", 21, 25, "discovery.k8s.io/v1", 21],
  ["events.k8s.io/v1beta1", "Event", 22, 25, "events.k8s.io/v1", 19],
  ["node.k8s.io/v1beta1", "RuntimeClass", 22, 25, "node.k8s.io/v1", 20],
];

/**
 * Alphas, and betas added since 1.24 (KEP-3136: new betas are off by default): while deprecated, a
 * cluster serves them only when enabled. The local fleet's kube-apiserver 1.37 serves none of them.
 */
const optInRows: readonly Row[] = [
  ["networking.k8s.io/v1beta1", "IPAddress ServiceCIDR", 34, 37, "networking.k8s.io/v1", 33],
  [
    "admissionregistration.k8s.io/v1beta1",
    "ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding",
    31,
    34,
    admission,
    30,
  ],
  [
    "admissionregistration.k8s.io/v1beta1",
    "MutatingAdmissionPolicy MutatingAdmissionPolicyBinding",
    37,
    40,
    admission,
    36,
  ],
  [
    "admissionregistration.k8s.io/v1alpha1",
    "ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding",
    29,
    32,
    admission,
    30,
  ],
  [
    "admissionregistration.k8s.io/v1alpha1",
    "MutatingAdmissionPolicy MutatingAdmissionPolicyBinding",
    35,
    38,
    admission,
    36,
  ],
  ["storage.k8s.io/v1beta1", "VolumeAttributesClass", 34, 37, "storage.k8s.io/v1", 34],
  ["storage.k8s.io/v1alpha1", "CSIStorageCapacity VolumeAttachment", 21, 24, "storage.k8s.io/v1", 24],
  ["storage.k8s.io/v1alpha1", "VolumeAttributesClass", 32, 35, "storage.k8s.io/v1", 34],
  ["certificates.k8s.io/v1beta1", "ClusterTrustBundle PodCertificateRequest", 37, 40, "certificates.k8s.io/v1", 37],
  ["certificates.k8s.io/v1alpha1", "ClusterTrustBundle", 34, 37, "certificates.k8s.io/v1", 37],
  ["resource.k8s.io/v1beta1", "DeviceClass ResourceClaim ResourceClaimTemplate ResourceSlice", 35, 38, dra, 34],
  ["resource.k8s.io/v1beta2", "DeviceClass ResourceClaim ResourceClaimTemplate ResourceSlice", 36, 39, dra, 34],
  ["resource.k8s.io/v1beta2", "DeviceTaintRule", 39, 42, dra, 37],
  ["resource.k8s.io/v1alpha3", "DeviceTaintRule", 36, 39, dra, 37],
  ["storagemigration.k8s.io/v1beta1", "StorageVersionMigration", 37, 40, "storagemigration.k8s.io/v1", 37],
];

const expand = (table: readonly Row[], optIn: boolean): ApiLifecycle[] =>
  table.flatMap(([apiVersion, kinds, deprecated, removed, replacement, since]) =>
    kinds.split(" ").map((kind) => ({
      apiVersion,
      kind,
      deprecated,
      removed,
      replacement,
      ...(since === undefined ? {} : { replacementSince: since }),
      ...(optIn ? { optIn: true as const } : {}),
    })),
  );

/** Every apiVersion/kind the API checks know to be deprecated or removed: the on-by-default ones, then the opt-in ones. */
export const apiLifecycles: readonly ApiLifecycle[] = [...expand(rows, false), ...expand(optInRows, true)];

const byApiKind = new Map(apiLifecycles.map((l) => [`${l.apiVersion} ${l.kind}`, l]));

/** A Kubernetes version as [major, minor]. */
export type KubernetesVersion = readonly [major: number, minor: number];

/** Parses "1.29", "v1.29" or "v1.29.3" (a pre-release or build suffix is ignored); undefined when it is none of these. */
export function parseKubernetesVersion(version: string): KubernetesVersion | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

const parsed = new Map<string, KubernetesVersion | undefined>();

/** The context's target version, parsed once per string; the default when unset or unparseable. */
export function targetVersion(context: CheckContext): { version: KubernetesVersion; label: string } {
  const label = context.kubernetesVersion ?? defaultKubernetesVersion;
  if (!parsed.has(label)) parsed.set(label, parseKubernetesVersion(label));
  const version = parsed.get(label) ?? parseKubernetesVersion(defaultKubernetesVersion)!;
  return { version, label: `${version[0]}.${version[1]}` };
}

/** Whether `version` is at or past 1.`minor`. */
const reached = ([major, minor]: KubernetesVersion, at: number): boolean => major > 1 || (major === 1 && minor >= at);

/** The lifecycle entry of the object's apiVersion and kind, if it is on its way out. */
export const lifecycleOf = (object: KubeObject): ApiLifecycle | undefined =>
  byApiKind.get(`${object.apiVersion} ${object.kind}`);

const isApiVersion = (s: string): boolean => /^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(s);

/** "apiVersion kind" → the first minor serving it, for the replacements the table names with a version. */
const servedSince = new Map<string, number>();
for (const l of apiLifecycles) {
  if (l.replacementSince === undefined || !isApiVersion(l.replacement)) continue;
  const key = `${l.replacement} ${l.kind}`;
  servedSince.set(key, Math.min(servedSince.get(key) ?? l.replacementSince, l.replacementSince));
}

/** What a cluster of `version` serves instead of a too-new apiVersion: the table's predecessors still served there. */
const predecessors = (object: KubeObject, version: KubernetesVersion): string[] =>
  apiLifecycles
    .filter((l) => l.replacement === object.apiVersion && l.kind === object.kind && !l.optIn)
    .filter((l) => !reached(version, l.removed))
    .map((l) => l.apiVersion);

const use = (l: ApiLifecycle): string =>
  l.replacementSince === undefined
    ? `use ${l.replacement}`
    : `use ${l.replacement} ${l.kind} (served since 1.${l.replacementSince})`;

/** The API version checks; they apply to every kind. */
export const apiChecks: readonly Check[] = [
  {
    id: "api.unavailable",
    severity: "critical",
    title: "apiVersion is not served yet",
    why: "The target cluster is older than the apiVersion: it rejects the object (no matches for kind), so the apply or sync fails there.",
    fix: "Use the older apiVersion the message names for clusters of that version, or upgrade them first (per-cluster overlays select by Cluster labels).",
    kinds: ["*"],
    run: (o, context) => {
      const since = servedSince.get(`${o.apiVersion} ${o.kind}`);
      const { version, label } = targetVersion(context);
      if (since === undefined || reached(version, since)) return [];
      const older = predecessors(o, version);
      // The oldest predecessor still served: the table knows when betas leave, not when they came.
      const instead = older.length > 0 ? `use ${older[0]} there, or upgrade first` : "upgrade first";
      return [
        {
          field: "apiVersion",
          message: `${o.apiVersion} ${o.kind} is served from Kubernetes 1.${since} (target ${label}); ${instead}`,
        },
      ];
    },
  },
  {
    id: "api.removed",
    severity: "critical",
    title: "apiVersion is no longer served",
    why: "The API server rejects the object (no matches for kind), so the apply or sync fails after the upgrade.",
    fix: "Move the manifest to the replacement named in the message (kubectl convert helps) and adapt the changed fields.",
    kinds: ["*"],
    run: (o, context) => {
      const l = lifecycleOf(o);
      const { version, label } = targetVersion(context);
      return l && reached(version, l.removed)
        ? [
            {
              field: "apiVersion",
              message: `${l.apiVersion} ${l.kind} is not served since Kubernetes 1.${l.removed} (target ${label}); ${use(l)}`,
            },
          ]
        : [];
    },
  },
  {
    id: "api.deprecated",
    severity: "warning",
    title: "apiVersion is deprecated",
    why: "It still works, but a coming upgrade stops serving it and every apply prints a deprecation warning until then.",
    fix: "Move the manifest to the replacement named in the message before upgrading to the removal version.",
    kinds: ["*"],
    run: (o, context) => {
      const l = lifecycleOf(o);
      const { version, label } = targetVersion(context);
      return l && reached(version, l.deprecated) && !reached(version, l.removed)
        ? [
            {
              field: "apiVersion",
              message: `${l.apiVersion} ${l.kind} is deprecated since 1.${l.deprecated} and removed in 1.${l.removed} (target ${label}); ${use(l)}${l.optIn ? "; clusters serve it only when enabled with --runtime-config" : ""}`,
            },
          ]
        : [];
    },
  },
];
