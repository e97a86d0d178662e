/** Sync (kaika.dev/v1alpha1): render a path of a GitSource and keep a cluster in that state. */
import Type, { type Static } from "typebox";
import { Conditions, Duration, LabelSelector, ObjectReference } from "./schema.ts";

export const SyncSpec = Type.Object({
  sourceRef: Type.Object({ name: Type.String({ minLength: 1 }) }, { description: "The GitSource in this namespace." }),
  path: Type.Optional(Type.String({ description: "Folder inside the repository; default its root.", default: "." })),
  renderer: Type.Optional(
    Type.Union(
      [
        Type.Literal("auto"),
        Type.Literal("plain"),
        Type.Literal("kustomize"),
        Type.Literal("helm"),
        Type.Literal("hierarchy"),
      ],
      { description: "How to turn the folder into objects; auto detects it.", default: "auto" },
    ),
  ),
  targetNamespace: Type.Optional(Type.String({ description: "Namespace for namespaced objects that name none." })),
  interval: Duration("How often to re-apply even without a new commit (drift is also seen by watches).", "10m"),
  timeout: Duration("How long to wait for health after an apply.", "5m"),
  prune: Type.Boolean({
    description: "Delete objects removed from Git (after a fully successful apply).",
    default: true,
  }),
  selfHeal: Type.Boolean({ description: "Revert changes made by hand to objects kaika applied.", default: true }),
  wait: Type.Boolean({ description: "Ready only once every applied object is healthy.", default: true }),
  suspend: Type.Optional(Type.Boolean({ description: "Stop syncing.", default: false })),
  serviceAccountName: Type.Optional(Type.String({ description: "Apply as this ServiceAccount (impersonation)." })),
  policy: Type.Optional(
    Type.Object(
      {
        mode: Type.Union([Type.Literal("enforce"), Type.Literal("warn"), Type.Literal("off")], {
          description:
            "enforce: a commit with findings the ReadinessPolicies enforce (default: critical ones) is held back whole; warn: applied, findings reported.",
          default: "enforce",
        }),
      },
      { description: "The readiness gate (checks in docs/checks.md)." },
    ),
  ),
  dependsOn: Type.Optional(Type.Array(ObjectReference, { description: "Syncs that must be Ready first." })),
  targets: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.Optional(Type.String({ description: "A name for messages." })),
        clusterSelector: LabelSelector,
        path: Type.Optional(
          Type.String({ description: "Folder to render for these clusters instead of spec.path (e.g. an overlay)." }),
        ),
        helmValuesFiles: Type.Optional(
          Type.Array(Type.String(), { description: "Helm values files (repository paths) for these clusters." }),
        ),
      }),
      {
        description:
          "Clusters (kaika.dev Cluster objects in this namespace) to sync to; the first target a cluster matches gives its path and values. Without targets: the cluster kaika runs in.",
      },
    ),
  ),
  rollout: Type.Optional(
    Type.Object(
      {
        waves: Type.Optional(
          Type.Array(
            Type.Object({
              name: Type.String({ minLength: 1 }),
              clusterSelector: LabelSelector,
              maxUnavailable: Type.Optional(
                Type.Integer({ minimum: 1, description: "Clusters of the wave updated at once; default all." }),
              ),
              soak: Type.Optional(Duration("How long the wave must stay healthy before the next starts.", "0s")),
              requirePromotion: Type.Optional(
                Type.Boolean({ description: "Wait for `kaika rollout promote` after the soak.", default: false }),
              ),
              sloGate: Type.Optional(
                Type.Object(
                  {
                    maxBurnRate: Type.Number({
                      minimum: 0,
                      description: "Highest 5m-window burn rate allowed during the soak.",
                    }),
                    services: Type.Optional(
                      Type.Array(Type.String(), {
                        description: "SLO services to check; default all in the namespace.",
                      }),
                    ),
                    rollback: Type.Optional(
                      Type.Boolean({ description: "Put the wave back on the previous revision when the gate fails." }),
                    ),
                  },
                  {
                    description:
                      "Before the next wave: the wave's clusters keep their SLO burn rate under maxBurnRate.",
                  },
                ),
              ),
            }),
            {
              description: "Waves in order; a cluster belongs to the first wave it matches, the rest form a last wave.",
            },
          ),
        ),
        paused: Type.Optional(Type.Boolean({ description: "Start no further cluster or wave.", default: false })),
      },
      { description: "How a new revision goes out across the targeted clusters." },
    ),
  ),
});

export const SyncStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Conditions),
  lastAppliedRevision: Type.Optional(Type.String()),
  lastAttemptedRevision: Type.Optional(Type.String()),
  lastHandledReconcileAt: Type.Optional(
    Type.String({ description: "The kaika.dev/reconcile-requested-at value of the last finished reconcile." }),
  ),
  lastHandledPromoteAt: Type.Optional(
    Type.String({ description: "The kaika.dev/promote-requested-at value last acted on." }),
  ),
  lastHandledRetryAt: Type.Optional(
    Type.String({ description: "The kaika.dev/retry-requested-at value last acted on." }),
  ),
  inventorySize: Type.Optional(Type.Integer()),
  summary: Type.Optional(
    Type.Object({
      created: Type.Integer(),
      configured: Type.Integer(),
      unchanged: Type.Integer(),
      pruned: Type.Integer(),
      failed: Type.Integer(),
    }),
  ),
  violations: Type.Optional(
    Type.Array(
      Type.Object({
        check: Type.String(),
        severity: Type.String(),
        object: Type.String(),
        message: Type.String(),
        file: Type.Optional(Type.String()),
        line: Type.Optional(Type.Integer()),
        field: Type.Optional(Type.String()),
      }),
      { maxItems: 50, description: "Readiness findings the ReadinessPolicies enforce, of the last rendered revision." },
    ),
  ),
  drift: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: 50,
      description: "With selfHeal off: objects whose live state differs from the applied revision.",
    }),
  ),
  rollout: Type.Optional(
    Type.Object({
      revision: Type.String({ description: "The revision being rolled out." }),
      previousRevision: Type.Optional(Type.String({ description: "What later waves keep until their turn." })),
      phase: Type.String({ description: "Progressing, Soaking, WaitingForPromotion, Paused, Halted or Complete." }),
      wave: Type.Integer({ description: "Index of the current wave." }),
      message: Type.Optional(Type.String()),
      waves: Type.Array(
        Type.Object({
          name: Type.String(),
          clusters: Type.Array(Type.String()),
          state: Type.String({
            description: "Pending, Progressing, Soaking, Done, Failed (a cluster failed) or GateFailed (its SLO gate).",
          }),
          startedAt: Type.Optional(Type.String({ format: "date-time" })),
          healthyAt: Type.Optional(Type.String({ format: "date-time" })),
          promoted: Type.Optional(Type.Boolean()),
        }),
      ),
    }),
  ),
  clusters: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        wave: Type.Optional(Type.String()),
        desiredRevision: Type.Optional(
          Type.String({ description: "What the rollout wants this cluster to run now (read by its shard's worker)." }),
        ),
        revision: Type.Optional(Type.String({ description: "Revision applied and healthy." })),
        state: Type.String({ description: "Applied, Progressing, Failed, Unreachable, Pending or Held." }),
        message: Type.Optional(Type.String()),
        lastAppliedTime: Type.Optional(Type.String({ format: "date-time" })),
      }),
      { description: "Per targeted cluster: what it runs." },
    ),
  ),
  failures: Type.Optional(
    Type.Array(
      Type.Object({
        object: Type.String(),
        phase: Type.String(),
        message: Type.String(),
        file: Type.Optional(Type.String()),
        line: Type.Optional(Type.Integer()),
        field: Type.Optional(Type.String()),
      }),
      { maxItems: 50, description: "The first failures of the last attempt." },
    ),
  ),
});

export type SyncSpec = Static<typeof SyncSpec>;
export type SyncStatus = Static<typeof SyncStatus>;

export const syncDefinition = {
  kind: "Sync",
  plural: "syncs",
  singular: "sync",
  shortNames: ["ks"],
  spec: SyncSpec,
  status: SyncStatus,
  printerColumns: [
    { name: "Source", type: "string", jsonPath: ".spec.sourceRef.name" },
    { name: "Path", type: "string", jsonPath: ".spec.path" },
    { name: "Revision", type: "string", jsonPath: ".status.lastAppliedRevision" },
    { name: "Rollout", type: "string", jsonPath: ".status.rollout.phase", priority: 1 },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
} as const;
