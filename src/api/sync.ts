/** Sync (kaika.dev/v1alpha1): render a path of a GitSource and keep a cluster in that state. */
import Type, { type Static } from "typebox";
import { Conditions, Duration, ObjectReference } from "./schema.ts";

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
            "enforce: a commit with critical readiness findings is held back whole; warn: applied, findings reported.",
          default: "enforce",
        }),
      },
      { description: "The readiness gate (checks in docs/checks.md)." },
    ),
  ),
  dependsOn: Type.Optional(Type.Array(ObjectReference, { description: "Syncs that must be Ready first." })),
});

export const SyncStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Conditions),
  lastAppliedRevision: Type.Optional(Type.String()),
  lastAttemptedRevision: Type.Optional(Type.String()),
  lastHandledReconcileAt: Type.Optional(
    Type.String({ description: "The kaika.dev/reconcile-requested-at value of the last finished reconcile." }),
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
      { maxItems: 50, description: "Critical readiness findings of the last rendered revision." },
    ),
  ),
  drift: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: 50,
      description: "With selfHeal off: objects whose live state differs from the applied revision.",
    }),
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
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
} as const;
