/** ReadinessPolicy (kaika.dev/v1alpha1): which readiness checks enforce, warn or are off, where, and who is exempt. */
import Type, { type Static, type TSchema } from "typebox";
import type { GroupVersionKind } from "../kube/types.ts";
import { Conditions, labelSelector } from "./schema.ts";

/** The kind, for informers and lists. */
export const ReadinessPolicyKind: GroupVersionKind = {
  group: "kaika.dev",
  version: "v1alpha1",
  kind: "ReadinessPolicy",
};

/** What a finding does: enforce denies / holds back / fails the lint, warn reports, off drops it. */
export const Mode = Type.Union([Type.Literal("enforce"), Type.Literal("warn"), Type.Literal("off")]);

// A string-keyed map. Type.Record emits patternProperties, which structural() drops (the apiserver
// would then prune every entry); additionalProperties is what a CRD schema needs for a map.
const map = <T extends TSchema>(values: T, description: string) =>
  Type.Unsafe<Record<string, Static<T>>>({ type: "object", description, additionalProperties: values });

const CheckModes = (description: string) => map(Mode, description);

const SeverityModes = Type.Object(
  {
    critical: Type.Optional(Mode),
    warning: Type.Optional(Mode),
    info: Type.Optional(Mode),
  },
  {
    description: "Mode per severity, for checks not named in checks. Default: critical enforce, warning and info warn.",
  },
);

/** A namespace LabelSelector (metav1.LabelSelector). */
const NamespaceSelector = labelSelector(
  "Labels of the Namespace object; all of matchLabels and matchExpressions must hold.",
);

export const NamespaceOverride = Type.Object(
  {
    names: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Namespace names; "*" globs ("team-*").' }),
    ),
    selector: Type.Optional(NamespaceSelector),
    checks: Type.Optional(CheckModes("Mode per check id or pattern in these namespaces.")),
    severities: Type.Optional(SeverityModes),
  },
  {
    description: "Settings for the namespaces it matches (names and selector, both when both are set).",
    "x-kubernetes-validations": [
      { rule: "has(self.names) || has(self.selector)", message: "set names, selector or both" },
    ],
  },
);

export const Exemption = Type.Object(
  {
    check: Type.String({ minLength: 1, description: 'Check id or pattern: "images.tag-mutable", "security.*", "*".' }),
    object: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Object reference "Kind/namespace/name" ("Kind/name" if cluster-scoped); "*" globs.',
      }),
    ),
    kind: Type.Optional(Type.String({ minLength: 1, description: "Kind of the objects, with name." })),
    name: Type.Optional(Type.String({ minLength: 1, description: 'Object name; "*" globs ("legacy-*").' })),
    namespace: Type.Optional(Type.String({ minLength: 1, description: 'Namespace name; "*" globs. Default: any.' })),
    reason: Type.String({ minLength: 1, description: "Why this is safe; required, shown in audits." }),
    expires: Type.Optional(
      Type.String({
        pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2}))?$",
        description:
          'When the exemption stops applying: an RFC 3339 time, or a date ("2026-12-31" = that day\'s start, UTC). Default: never.',
      }),
    ),
  },
  {
    description: "A check that does not apply to some objects.",
    "x-kubernetes-validations": [{ rule: "has(self.object) || has(self.name)", message: "set object or name" }],
  },
);

export const PodTemplate = Type.Object({
  group: Type.String({ description: 'API group of the custom resource: "argoproj.io".' }),
  kind: Type.String({ minLength: 1 }),
  path: Type.String({ minLength: 1, description: 'Dotted path to its PodTemplateSpec: "spec.template".' }),
});

export const ReadinessPolicySpec = Type.Object({
  checks: Type.Optional(
    CheckModes('Mode per check id (docs/checks.md) or pattern ("security.*"); an id beats a pattern.'),
  ),
  severities: Type.Optional(SeverityModes),
  namespaces: Type.Optional(
    Type.Array(NamespaceOverride, {
      description: "Per-namespace settings; they beat checks and severities above, later entries beat earlier ones.",
    }),
  ),
  exemptions: Type.Optional(
    Type.Array(Exemption, { description: "Objects a check does not apply to, with a reason." }),
  ),
  strict: Type.Optional(
    Type.Boolean({ description: "Ignore kaika.dev/skip-checks opt-out annotations on objects.", default: false }),
  ),
  trustedRegistries: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      description: "Registries (host or host/path prefix) images may come from; unset: any.",
    }),
  ),
  kubernetesVersion: Type.Optional(
    Type.String({
      pattern: "^v?[0-9]+\\.[0-9]+(\\.[0-9]+)?$",
      description: "Kubernetes version for the API checks; default: the cluster's (the CLI: kaika's default).",
    }),
  ),
  podTemplates: Type.Optional(
    Type.Array(PodTemplate, { description: "Custom resources that embed a pod template, checked like Deployments." }),
  ),
});

const Count = Type.Integer({ minimum: 0 });

export const AuditFinding = Type.Object({
  check: Type.String(),
  severity: Type.String(),
  mode: Type.String(),
  object: Type.String(),
  field: Type.String(),
  message: Type.String(),
});

export const ReadinessPolicyStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Conditions),
  audit: Type.Optional(
    Type.Object(
      {
        lastAuditTime: Type.String({ format: "date-time" }),
        scope: Type.String({ description: 'The namespace audited, or "*" for the fleet-wide default policy.' }),
        objects: Count,
        byMode: Type.Object({ enforce: Count, warn: Count, off: Count }),
        bySeverity: Type.Object(
          { critical: Count, warning: Count, info: Count },
          { description: "Findings that are not off." },
        ),
        findings: Type.Array(AuditFinding, {
          maxItems: 20,
          description: "The first findings that are not off: enforced first, then by severity.",
        }),
      },
      { description: "The last periodic scan of the live objects this policy governs." },
    ),
  ),
});

export type ReadinessPolicySpec = Static<typeof ReadinessPolicySpec>;
export type ReadinessPolicyStatus = Static<typeof ReadinessPolicyStatus>;

export const readinessPolicyDefinition = {
  kind: "ReadinessPolicy",
  plural: "readinesspolicies",
  singular: "readinesspolicy",
  shortNames: ["rp"],
  spec: ReadinessPolicySpec,
  status: ReadinessPolicyStatus,
  printerColumns: [
    { name: "Enforced", type: "integer", jsonPath: ".status.audit.byMode.enforce" },
    { name: "Warned", type: "integer", jsonPath: ".status.audit.byMode.warn" },
    { name: "Audited", type: "date", jsonPath: ".status.audit.lastAuditTime" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1 },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
} as const;
