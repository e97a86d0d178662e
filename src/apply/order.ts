/** Apply order: what other objects need first (CRDs, Namespaces, RBAC, config), and prune in reverse. */
import type { KubeObject } from "../kube/types.ts";

// Lower ranks are applied first and pruned last.
const ranks: Readonly<Record<string, number>> = {
  CustomResourceDefinition: 0,
  Namespace: 1,
  ResourceQuota: 2,
  LimitRange: 2,
  PriorityClass: 2,
  StorageClass: 2,
  ServiceAccount: 3,
  ClusterRole: 3,
  Role: 3,
  ClusterRoleBinding: 4,
  RoleBinding: 4,
  Secret: 5,
  ConfigMap: 5,
  PersistentVolume: 5,
  PersistentVolumeClaim: 6,
  Service: 7,
  NetworkPolicy: 7,
  PodDisruptionBudget: 7,
  Deployment: 8,
  StatefulSet: 8,
  DaemonSet: 8,
  ReplicaSet: 8,
  Job: 8,
  CronJob: 8,
  Pod: 8,
  HorizontalPodAutoscaler: 9,
  Ingress: 9,
  // Admission webhooks last: the services they call should exist before they start intercepting.
  MutatingWebhookConfiguration: 11,
  ValidatingWebhookConfiguration: 11,
  ValidatingAdmissionPolicy: 11,
  ValidatingAdmissionPolicyBinding: 11,
};

/** Everything not in the table (custom resources included) goes after the built-in workloads. */
const otherRank = 10;

/** The stage an object is applied in; lower first. */
export function applyRank(object: Pick<KubeObject, "kind">): number {
  return ranks[object.kind] ?? otherRank;
}

/** True for objects other objects of the same apply may depend on (stage 1: applied before the rest is validated). */
export function isClusterDefinition(object: Pick<KubeObject, "kind">): boolean {
  return object.kind === "CustomResourceDefinition" || object.kind === "Namespace";
}

/** Groups items into stages by rank, lowest first; the order within a stage is kept. */
export function stages<T>(items: readonly T[], rankOf: (item: T) => number): T[][] {
  const byRank = new Map<number, T[]>();
  for (const item of items) {
    const rank = rankOf(item);
    const stage = byRank.get(rank) ?? [];
    stage.push(item);
    byRank.set(rank, stage);
  }
  return [...byRank.entries()].sort((a, b) => a[0] - b[0]).map(([, stage]) => stage);
}
