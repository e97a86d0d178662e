/**
 * The audit's scan: the live objects of a cluster through the same checks and ReadinessPolicy
 * decisions as lint, the Sync gate and the admission webhook. It finds what got in around them —
 * objects made before kaika, by hand with the webhook down, or in excluded namespaces.
 */
import { type KubeApi, serverVersion } from "../kube/api.ts";
import { NoKindMatchError, RestMapper } from "../kube/discovery.ts";
import { KubeApiError } from "../kube/errors.ts";
import { type GroupVersionKind, gvk, type KubeObject } from "../kube/types.ts";
import { checks } from "../policy/catalogue.ts";
import { builtinPodTemplates } from "../policy/objects.ts";
import { assess, type Decision, type PolicySet, type PolicySource, toPolicySet } from "../policy/readiness-policy.ts";
import type { RenderedObject } from "../render/types.ts";

/** Options of auditCluster(). */
export interface AuditOptions {
  /** Where the fleet-wide default ReadinessPolicy lives; default kaika-system. */
  readonly systemNamespace?: string | undefined;
  /** Namespaces left out; default kube-system, kube-public, kube-node-lease. */
  readonly excludeNamespaces?: readonly string[] | undefined;
  /** For the API checks where the policy names none; default the cluster's own version. */
  readonly kubernetesVersion?: string | undefined;
}

/** A finding of the audit: a Decision without file and line (live objects have none). */
export type AuditFinding = Omit<Decision, "file" | "line">;

/** What one scan found. */
export interface AuditReport {
  readonly startTime: Date;
  readonly durationSeconds: number;
  /** Objects checked per namespace ("" for cluster-scoped ones). */
  readonly objects: ReadonlyMap<string, number>;
  /** Every finding with its mode, off ones included (exempted, opted out, or off by policy). */
  readonly findings: readonly AuditFinding[];
  /** Kinds that could not be listed (not served, forbidden), and why; the others were audited. */
  readonly skipped: readonly { readonly kind: string; readonly message: string }[];
}

/** The kinds the checks read: workloads, what they rely on (PDBs, HPAs, Services…), config, RBAC. */
const auditedKinds: readonly GroupVersionKind[] = [
  ["apps/v1", "Deployment"],
  ["apps/v1", "StatefulSet"],
  ["apps/v1", "DaemonSet"],
  ["batch/v1", "CronJob"],
  ["batch/v1", "Job"],
  ["v1", "Service"],
  ["v1", "ConfigMap"],
  ["v1", "Secret"],
  ["v1", "ServiceAccount"],
  ["v1", "Namespace"],
  ["v1", "ResourceQuota"],
  ["v1", "LimitRange"],
  ["policy/v1", "PodDisruptionBudget"],
  ["autoscaling/v2", "HorizontalPodAutoscaler"],
  ["networking.k8s.io/v1", "Ingress"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
  ["rbac.authorization.k8s.io/v1", "Role"],
  ["rbac.authorization.k8s.io/v1", "RoleBinding"],
  ["rbac.authorization.k8s.io/v1", "ClusterRole"],
  ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
].map(([apiVersion, kind]) => gvk(apiVersion ?? "", kind ?? ""));

const PodKind = gvk("v1", "Pod");

/** Checks about manifests in Git, meaningless on live objects (every live Secret holds plain data). */
const gitOnly = new Set(checks.filter((c) => c.scope === "manifest").map((c) => c.id));

const defaultExcluded = ["kube-system", "kube-public", "kube-node-lease"];

/** Lists one kind; a kind that is not served or not readable is reported, not fatal. */
async function listKind(
  api: KubeApi,
  kind: GroupVersionKind,
  skipped: { kind: string; message: string }[],
): Promise<KubeObject[]> {
  try {
    return (await api.list(kind)).items;
  } catch (error) {
    if (error instanceof NoKindMatchError || error instanceof KubeApiError) {
      skipped.push({ kind: kind.kind, message: error.message });
      return [];
    }
    throw error;
  }
}

/** Custom resources with a pod template (built in, or from the policies) that the cluster serves. */
async function templateKinds(api: KubeApi, set: PolicySet): Promise<GroupVersionKind[]> {
  const declared = [set.for(""), ...set.namespaces().map((n) => set.for(n))].flatMap((s) => s.podTemplates ?? []);
  const out = new Map<string, GroupVersionKind>();
  // Fresh discovery: CRDs installed since the last audit count (the shared mapper refreshes only on a miss).
  const mapper = new RestMapper(api.client);
  for (const t of [...builtinPodTemplates, ...declared]) {
    const mapping = await mapper.forGroupKind(t.group, t.kind).catch(() => undefined);
    if (mapping?.group.includes("."))
      out.set(`${mapping.group}/${mapping.kind}`, {
        group: mapping.group,
        version: mapping.version,
        kind: mapping.kind,
      });
  }
  return [...out.values()];
}

/** Objects the audit leaves out: system namespaces, Kubernetes' own RBAC, Jobs a CronJob made. */
function audited(object: KubeObject, excluded: ReadonlySet<string>): boolean {
  const namespace = object.kind === "Namespace" ? object.metadata.name : object.metadata.namespace;
  if (namespace && excluded.has(namespace)) return false;
  if (object.metadata.labels?.["kubernetes.io/bootstrapping"] === "rbac-defaults") return false;
  if (object.metadata.name?.startsWith("system:")) return false;
  return !object.metadata.ownerReferences?.some((o) => o.controller && o.kind === "CronJob");
}

/** What the checks may see of an object: Secrets without their values, Pods as labels only. */
function reduced(object: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = object.metadata;
  if (object.kind === "Secret")
    return { apiVersion: object.apiVersion, kind: object.kind, metadata, type: object.type };
  if (object.kind === "Pod") {
    const { name, namespace, labels } = metadata;
    return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels } };
  }
  return { ...object, metadata };
}

/**
 * Scans one cluster: lists the audited kinds (and served custom resources with a pod template),
 * evaluates them with each namespace's ReadinessPolicy, and returns every finding with its mode.
 * `policies`: a PolicySet, PolicySources, or ReadinessPolicy objects as listed (read leniently).
 * Pods are listed for their labels only (Services must select something) and get no findings of
 * their own; Secret values are dropped on arrival and never reach a check or a finding. Throws
 * only when the apiserver cannot be reached at all.
 */
export async function auditCluster(
  api: KubeApi,
  policies: PolicySet | readonly PolicySource[] | readonly KubeObject[],
  options: AuditOptions = {},
): Promise<AuditReport> {
  const startTime = new Date();
  const started = performance.now();
  const set = toPolicySet(policies, { systemNamespace: options.systemNamespace });
  const excluded = new Set(options.excludeNamespaces ?? defaultExcluded);
  const skipped: { kind: string; message: string }[] = [];
  const kinds = [...auditedKinds, ...(await templateKinds(api, set)), PodKind];
  const lists = await Promise.all(kinds.map((k) => listKind(api, k, skipped)));
  const objects: RenderedObject[] = lists
    .flat()
    .filter((o) => audited(o, excluded))
    .map((o) => ({ object: reduced(o), source: { file: "", line: 0 } }));
  const kubernetesVersion = options.kubernetesVersion ?? (await serverVersion(api));
  const findings = assess(objects, set, {
    only: (id) => !gitOnly.has(id),
    ...(kubernetesVersion ? { kubernetesVersion } : {}),
  })
    .filter((d) => !d.object.startsWith("Pod/"))
    .map(({ file: _f, line: _l, ...d }): AuditFinding => d);
  const counts = new Map<string, number>();
  for (const { object } of objects) {
    if (object.kind === "Pod") continue;
    const namespace = object.metadata.namespace ?? "";
    counts.set(namespace, (counts.get(namespace) ?? 0) + 1);
  }
  return {
    startTime,
    durationSeconds: (performance.now() - started) / 1000,
    objects: counts,
    findings,
    skipped,
  };
}
