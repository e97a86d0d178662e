/** Check table rows: security, RBAC, secrets, wiring. */

import { type Edit, pod, web } from "./fixtures.ts";

const D = "Deployment";
/** The Argo Rollout of the compliant set. */
const R = "Rollout";

import type { Row } from "./table.ts";

/** The web container reads Secret stripe instead of web-db. */
const stripeRef: Edit = [D, `${web}.env.0.valueFrom.secretKeyRef.name`, "stripe"];

/** An External Secrets ExternalSecret in namespace shop (or `namespace`), with `spec` merged in. */
const externalSecret = (name: string, spec: Record<string, unknown> = {}, namespace = "shop") => ({
  apiVersion: "external-secrets.io/v1",
  kind: "ExternalSecret",
  metadata: { name, namespace },
  spec: {
    secretStoreRef: { kind: "ClusterSecretStore", name: "aws" },
    data: [{ secretKey: "api-key", remoteRef: { key: "shop/stripe" } }],
    ...spec,
  },
});

/** A ClusterExternalSecret writing Secret stripe into the namespaces it names or selects. */
const clusterExternalSecret = (namespaces: Record<string, unknown>) => ({
  apiVersion: "external-secrets.io/v1",
  kind: "ClusterExternalSecret",
  metadata: { name: "stripe" },
  spec: { ...namespaces, externalSecretSpec: externalSecret("stripe").spec },
});

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
      // A base64 secret that starts with a slash is no path; neither is a name merely containing FILE.
      [[D, `${web}.env.1`, { name: "API_TOKEN", value: "/9j+4Kq/ZW1hbmQ=" }]],
      [[D, `${web}.env.1`, { name: "FILE_SERVER_PASSWORD", value: "hunter2" }]],
    ],
    good: [
      [[D, `${web}.env.1`, { name: "TOKEN_TTL_SECONDS", value: "3600" }]],
      [[D, `${web}.env.1`, { name: "SECRET_FILE", value: "" }]],
      // Where the secret is mounted, not the secret: an absolute path, or a name ending _FILE, _PATH, _DIR.
      [
        [D, `${web}.env.1`, { name: "DATABASE_PASSWORD_FILE", value: "/etc/checkout/db/password" }],
        [D, `${web}.env.2`, { name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/pg" }],
        [D, `${web}.env.3`, { name: "TOKEN_PATH", value: "/var/run/secrets/tokens/api" }],
      ],
      [[D, `${web}.env.1`, { name: "API_TOKEN", value: "/var/run/secrets/tokens/api" }]],
      [[D, `${web}.env.1`, { name: "SECRETS_DIR", value: "secrets" }]],
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
    bad: [
      [[D, `${web}.env.0.valueFrom.secretKeyRef.name`, "stripe"]],
      [["-Secret", "", undefined]],
      [[D, `${web}.envFrom.0.secretRef.name`, "stripe"]],
      [[D, `${pod}.volumes`, [{ name: "tls", secret: { secretName: "web-tls" } }]]],
      [[D, `${pod}.volumes`, [{ name: "creds", projected: { sources: [{ secret: { name: "web-tls" } }] } }]]],
      // An ExternalSecret that writes nothing, or writes into another namespace.
      [stripeRef, ["+", "", externalSecret("stripe", { target: { creationPolicy: "None" } })]],
      [stripeRef, ["+", "", externalSecret("stripe", {}, "payments")]],
      [stripeRef, ["+", "", clusterExternalSecret({ namespaces: ["payments"] })]],
    ],
    good: [
      // Made by an ExternalSecret (target.name, default its name), a ClusterExternalSecret or a SealedSecret.
      [stripeRef, ["+", "", externalSecret("stripe")]],
      [stripeRef, ["+", "", externalSecret("payments-stripe", { target: { name: "stripe" } })]],
      [stripeRef, ["+", "", clusterExternalSecret({ namespaces: ["shop"] })]],
      [stripeRef, ["+", "", clusterExternalSecret({ namespaceSelectors: [{ matchLabels: { team: "shop" } }] })]],
      [
        stripeRef,
        [
          "+",
          "",
          {
            apiVersion: "bitnami.com/v1alpha1",
            kind: "SealedSecret",
            metadata: { name: "stripe", namespace: "shop" },
            spec: { encryptedData: { "api-key": "AgBy3i4OJSWK+PiTySYZZA==" } },
          },
        ],
      ],
      // Optional references: the kubelet starts the pod without them.
      [[D, `${web}.env.0.valueFrom.secretKeyRef`, { name: "stripe", key: "api-key", optional: true }]],
      [[D, `${web}.envFrom.0.secretRef`, { name: "stripe", optional: true }]],
      [
        [
          D,
          `${pod}.volumes`,
          [
            { name: "tls", secret: { secretName: "web-tls", optional: true } },
            { name: "creds", projected: { sources: [{ secret: { name: "web-tls", optional: true } }] } },
            { name: "db", secret: { secretName: "web-db" } },
          ],
        ],
      ],
    ],
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
