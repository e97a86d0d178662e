/** Cluster (kaika.dev/v1alpha1): a cluster of the fleet, reached through a kubeconfig kept in a Secret. */
import Type, { type Static } from "typebox";
import { ReadinessPolicyStatus } from "./readiness-policy.ts";
import { Conditions } from "./schema.ts";

export const ClusterSpec = Type.Object({
  kubeconfigSecretRef: Type.Object(
    {
      name: Type.String({ minLength: 1, description: "Secret in the Cluster's namespace." }),
      key: Type.Optional(Type.String({ description: "Key holding the kubeconfig.", default: "kubeconfig" })),
    },
    { description: "The kubeconfig kaika uses to reach the cluster (its current context)." },
  ),
  suspend: Type.Optional(Type.Boolean({ description: "Stop syncing to this cluster.", default: false })),
});

/** What one Sync did on this cluster. */
export const ClusterSyncState = Type.Object({
  sync: Type.String({ description: "namespace/name of the Sync." }),
  revision: Type.Optional(Type.String({ description: "Revision applied and healthy here." })),
  applying: Type.Optional(Type.String({ description: "Revision being applied now." })),
  failedRevision: Type.Optional(Type.String({ description: "Revision whose last attempt failed here." })),
  state: Type.String({ description: "Applied, Progressing, Failed, Unreachable, Pending or Held." }),
  message: Type.Optional(Type.String()),
  violations: Type.Optional(Type.Integer({ description: "Readiness findings the policy warned about." })),
  drift: Type.Optional(Type.Integer({ description: "Objects that differed from Git at the last apply." })),
  lastAppliedTime: Type.Optional(Type.String({ format: "date-time" })),
});

export const ClusterStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Conditions),
  reachable: Type.Optional(Type.Boolean()),
  kubernetesVersion: Type.Optional(Type.String()),
  nodeCount: Type.Optional(Type.Integer()),
  lastContactTime: Type.Optional(Type.String({ format: "date-time", description: "Last successful probe." })),
  shard: Type.Optional(Type.Integer({ description: "The shard the cluster belongs to (kaika run --shards)." })),
  handledBy: Type.Optional(Type.String({ description: "Identity of the kaika replica holding that shard." })),
  audit: Type.Optional(
    Type.Unsafe<NonNullable<Static<typeof ReadinessPolicyStatus>["audit"]>>({
      ...ReadinessPolicyStatus.properties.audit,
      description: "The last audit of this cluster's live objects under the admin cluster's ReadinessPolicies.",
    }),
  ),
  syncs: Type.Optional(
    Type.Array(ClusterSyncState, {
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["sync"],
    }),
  ),
});

export type ClusterSpec = Static<typeof ClusterSpec>;
export type ClusterStatus = Static<typeof ClusterStatus>;
export type ClusterSyncState = Static<typeof ClusterSyncState>;

export const clusterDefinition = {
  kind: "Cluster",
  plural: "clusters",
  singular: "cluster",
  shortNames: ["kc"],
  spec: ClusterSpec,
  status: ClusterStatus,
  printerColumns: [
    { name: "Reachable", type: "boolean", jsonPath: ".status.reachable" },
    { name: "Version", type: "string", jsonPath: ".status.kubernetesVersion" },
    { name: "Nodes", type: "integer", jsonPath: ".status.nodeCount" },
    { name: "Last-Contact", type: "date", jsonPath: ".status.lastContactTime" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
} as const;
