/** Whether a well-known kind is cluster-scoped or namespaced, without asking an apiserver. */
import { gvk } from "../kube/types.ts";

/** "Cluster" or "Namespaced" for built-in kinds; "Unknown" for the rest (custom resources among them). */
export type KindScope = "Cluster" | "Namespaced" | "Unknown";

// Keyed "group/Kind"; the core group is "".
const clusterScoped = new Set([
  "/Namespace",
  "/Node",
  "/PersistentVolume",
  "/ComponentStatus",
  "rbac.authorization.k8s.io/ClusterRole",
  "rbac.authorization.k8s.io/ClusterRoleBinding",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "apiregistration.k8s.io/APIService",
  "scheduling.k8s.io/PriorityClass",
  "storage.k8s.io/StorageClass",
  "storage.k8s.io/CSIDriver",
  "storage.k8s.io/CSINode",
  "storage.k8s.io/VolumeAttachment",
  "policy/PodSecurityPolicy",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  "networking.k8s.io/IngressClass",
  "node.k8s.io/RuntimeClass",
  "certificates.k8s.io/CertificateSigningRequest",
  "flowcontrol.apiserver.k8s.io/FlowSchema",
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
]);

const namespaced = new Set([
  "/ConfigMap",
  "/Secret",
  "/Service",
  "/ServiceAccount",
  "/Pod",
  "/PodTemplate",
  "/ReplicationController",
  "/ResourceQuota",
  "/LimitRange",
  "/PersistentVolumeClaim",
  "/Endpoints",
  "/Event",
  "apps/Deployment",
  "apps/StatefulSet",
  "apps/DaemonSet",
  "apps/ReplicaSet",
  "apps/ControllerRevision",
  "batch/Job",
  "batch/CronJob",
  "rbac.authorization.k8s.io/Role",
  "rbac.authorization.k8s.io/RoleBinding",
  "networking.k8s.io/NetworkPolicy",
  "networking.k8s.io/Ingress",
  "policy/PodDisruptionBudget",
  "autoscaling/HorizontalPodAutoscaler",
  "coordination.k8s.io/Lease",
  "discovery.k8s.io/EndpointSlice",
  "events.k8s.io/Event",
  "storage.k8s.io/CSIStorageCapacity",
]);

/** The scope of `apiVersion` + `kind` when it is a built-in kind kaika knows, else "Unknown". */
export function knownScope(apiVersion: string, kind: string): KindScope {
  const key = `${gvk(apiVersion, kind).group}/${kind}`;
  if (clusterScoped.has(key)) return "Cluster";
  if (namespaced.has(key)) return "Namespaced";
  return "Unknown";
}
