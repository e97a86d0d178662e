/** Check table rows: security, RBAC, secrets, wiring. */

import { pod, web } from "./fixtures.ts";

const D = "Deployment";
/** The Argo Rollout of the compliant set. */
const R = "Rollout";

import type { Row } from "./table.ts";

/** Rows for the security, RBAC, secrets and wiring checks. */
export const clusterRows: readonly Row[] = [
  {
    id: "security.run-as-root",
    bad: [
      [
        [D, `${pod}.securityContext.runAsNonRoot`, undefined],
        [D, `${pod}.securityContext.runAsUser`, undefined],
      ],
      [
        [D, `${web}.securityContext.runAsNonRoot`, false],
        [D, `${pod}.securityContext.runAsUser`, 0],
      ],
      [
        [R, `${pod}.securityContext.runAsNonRoot`, undefined],
        [R, `${pod}.securityContext.runAsUser`, undefined],
      ],
    ],
    good: [
      [
        [D, `${pod}.securityContext.runAsNonRoot`, undefined],
        [D, `${web}.securityContext.runAsNonRoot`, true],
      ],
    ],
    field: "spec.template.spec.containers[web].securityContext.runAsNonRoot",
  },
  {
    id: "security.writable-root-fs",
    bad: [[[D, `${web}.securityContext.readOnlyRootFilesystem`, false]]],
    field: "spec.template.spec.containers[web].securityContext.readOnlyRootFilesystem",
  },
  {
    id: "security.privilege-escalation",
    bad: [[[D, `${web}.securityContext.allowPrivilegeEscalation`, undefined]]],
    field: "spec.template.spec.containers[web].securityContext.allowPrivilegeEscalation",
  },
  {
    id: "security.capabilities-not-dropped",
    bad: [[[D, `${web}.securityContext.capabilities.drop`, ["NET_RAW"]]]],
    field: "spec.template.spec.containers[web].securityContext.capabilities.drop",
  },
  {
    id: "security.privileged",
    bad: [[[D, `${web}.securityContext.privileged`, true]], [[R, `${web}.securityContext.privileged`, true]]],
    field: "spec.template.spec.containers[web].securityContext.privileged",
  },
  {
    id: "security.host-namespaces",
    bad: [[[D, `${pod}.hostNetwork`, true]], [[D, `${pod}.hostPID`, true]]],
    good: [[[D, `${pod}.hostNetwork`, false]]],
    field: "spec.template.spec.hostNetwork",
  },
  {
    id: "security.host-path",
    bad: [[[D, `${pod}.volumes`, [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }]]]],
    good: [[[D, `${pod}.volumes`, [{ name: "tmp", emptyDir: {} }]]]],
    field: "spec.template.spec.volumes[docker].hostPath",
  },
  {
    id: "security.host-port",
    bad: [[[D, `${web}.ports.0.hostPort`, 8080]]],
    field: "spec.template.spec.containers[web].ports[http].hostPort",
  },
  {
    id: "security.seccomp",
    bad: [
      [[D, `${pod}.securityContext.seccompProfile`, undefined]],
      [[D, `${web}.securityContext.seccompProfile.type`, "Unconfined"]],
    ],
    good: [
      [
        [D, `${pod}.securityContext.seccompProfile`, undefined],
        [D, `${web}.securityContext.seccompProfile.type`, "Localhost"],
      ],
    ],
    field: "spec.template.spec.containers[web].securityContext.seccompProfile",
  },
  {
    id: "security.default-service-account-token",
    bad: [[[D, `${pod}.serviceAccountName`, undefined]], [[D, `${pod}.serviceAccountName`, "default"]]],
    good: [
      [
        [D, `${pod}.serviceAccountName`, undefined],
        [D, `${pod}.automountServiceAccountToken`, false],
      ],
      [
        [D, `${pod}.serviceAccountName`, undefined],
        [
          "+",
          "",
          {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "default", namespace: "shop" },
            automountServiceAccountToken: false,
          },
        ],
      ],
    ],
    field: "spec.template.spec.automountServiceAccountToken",
  },
  { id: "rbac.wildcard", bad: [[["Role", "rules.0.verbs", ["*"]]]], field: "rules[0].verbs" },
  {
    id: "rbac.cluster-admin-binding",
    bad: [[["RoleBinding", "roleRef", { kind: "ClusterRole", name: "cluster-admin" }]]],
    good: [[["RoleBinding", "roleRef", { kind: "ClusterRole", name: "view" }]]],
    field: "roleRef.name",
  },
  { id: "rbac.pod-exec", bad: [[["Role", "rules.0.resources", ["pods", "pods/exec"]]]], field: "rules[0].resources" },
  {
    id: "secrets.plaintext-secret",
    bad: [
      [["Secret", "sops", undefined]],
      [
        ["Secret", "sops", undefined],
        ["Secret", "stringData", { token: "x" }],
        ["Secret", "data", undefined],
      ],
    ],
    good: [
      [
        ["Secret", "sops", undefined],
        ["Secret", "metadata.annotations", { "kaika.dev/encrypted": "sealed-secrets" }],
      ],
    ],
    field: "data",
  },
  {
    id: "secrets.env-literal",
    bad: [
      [[D, `${web}.env.0`, { name: "DB_PASSWORD", value: "hunter2" }]],
      [[D, `${web}.env.1`, { name: "stripe_api_key", value: "sk_live_x" }]],
    ],
    good: [
      [[D, `${web}.env.1`, { name: "TOKEN_TTL_SECONDS", value: "3600" }]],
      [[D, `${web}.env.1`, { name: "SECRET_FILE", value: "" }]],
    ],
    field: "spec.template.spec.containers[web].env[DB_PASSWORD].value",
  },
  {
    id: "secrets.configmap-data",
    bad: [
      [["ConfigMap", "data.tls-key", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----\n"]],
      [["ConfigMap", "data.aws", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"]],
    ],
    field: "data[tls-key]",
  },
  {
    id: "secrets.ref-missing",
    bad: [[[D, `${web}.env.0.valueFrom.secretKeyRef.name`, "stripe"]], [["-Secret", "", undefined]]],
    field: "spec.template.spec.containers[web].env[DB_PASSWORD].valueFrom.secretKeyRef",
  },
  {
    id: "config.env-duplicate",
    bad: [[[D, `${web}.env.2`, { name: "LOG_LEVEL", value: "debug" }]]],
    field: "spec.template.spec.containers[web].env[LOG_LEVEL]",
  },
  {
    id: "wiring.service-selector",
    bad: [
      [["Service", "spec.selector", { app: "wbe" }]],
      [["Service", "spec.selector", { app: "web", tier: "backend" }]],
      [["Service/checkout", "spec.selector", { app: "checkout", track: "canary" }]],
    ],
    good: [
      [
        ["Service", "spec.selector", { app: "wbe" }],
        ["Service", "spec.type", "ExternalName"],
      ],
      [["Service", "spec.selector", undefined]],
    ],
    field: "spec.selector",
  },
  {
    id: "wiring.ingress-backend",
    bad: [
      [["Ingress", "spec.rules.0.http.paths.0.backend.service.name", "webb"]],
      [["Ingress", "spec.rules.0.http.paths.0.backend.service.port", { number: 8080 }]],
      [["Ingress", "spec.rules.0.http.paths.0.backend.service.port", { name: "https" }]],
    ],
    good: [[["Ingress", "spec.rules.0.http.paths.0.backend.service.port", { name: "http" }]]],
    field: "spec.rules[0].http.paths[0].backend.service",
  },
  {
    id: "wiring.networkpolicy-selector",
    bad: [[["NetworkPolicy", "spec.podSelector.matchLabels.app", "wbe"]]],
    good: [[["NetworkPolicy", "spec.podSelector", {}]]],
    field: "spec.podSelector",
  },
  {
    id: "wiring.workload-selector",
    bad: [
      [[D, "spec.selector.matchLabels.app", "api"]],
      [[D, "spec.selector", undefined]],
      [[R, "spec.selector", undefined]],
    ],
    good: [[[D, "spec.selector", { matchExpressions: [{ key: "tier", operator: "In", values: ["frontend"] }] }]]],
    field: "spec.selector",
  },
];
