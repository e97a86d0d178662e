/** Fixtures for the policy tests: a production-ready web app, and edits that break one thing each. */

import type { KubeObject } from "../../kube/types.ts";

const digest = `sha256:${"a".repeat(64)}`;

/**
 * Deployment web, Service, PDB, HPA, Ingress, NetworkPolicy, ServiceAccount, Role(Binding), ConfigMap, SOPS Secret,
 * then an Argo Rollout checkout (a custom resource with a built-in pod template path) with its Service, PDB,
 * ServiceAccount and NetworkPolicy.
 */
const compliant: readonly KubeObject[] = [
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", labels: { app: "web" } },
    spec: {
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: "web", tier: "frontend" } },
        spec: {
          serviceAccountName: "web",
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: { app: "web" } },
            },
          ],
          containers: [
            {
              name: "web",
              image: `ghcr.io/acme/web:1.4.2@${digest}`,
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: 8080 }],
              env: [
                { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "web-db", key: "password" } } },
                { name: "LOG_LEVEL", value: "info" },
              ],
              envFrom: [{ secretRef: { name: "web-db" } }],
              resources: {
                requests: { cpu: "100m", memory: "256Mi", "ephemeral-storage": "1Gi" },
                limits: { memory: "256Mi" },
              },
              readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: "/live", port: "http" }, periodSeconds: 10, failureThreshold: 6 },
              lifecycle: { preStop: { sleep: { seconds: 5 } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "shop" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  },
  {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "web", namespace: "shop" },
    spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } },
  },
  {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "shop" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 3,
      maxReplicas: 10,
    },
  },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web", namespace: "shop" },
    spec: {
      tls: [{ hosts: ["shop.example.com"], secretName: "shop-tls" }],
      rules: [
        {
          host: "shop.example.com",
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }],
          },
        },
      ],
    },
  },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "web", namespace: "shop" },
    spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ ports: [{ port: 8080 }] }] },
  },
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "web", namespace: "shop" } },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "web", namespace: "shop" },
    rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "web", namespace: "shop" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "web" },
    subjects: [{ kind: "ServiceAccount", name: "web", namespace: "shop" }],
  },
  {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "web", namespace: "shop" },
    data: { "app.yaml": "listen: :8080\npublic_key: |\n  -----BEGIN PUBLIC KEY-----\n" },
  },
  {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "web-db", namespace: "shop" },
    data: { password: "ENC[AES256_GCM,data:abc,type:str]" },
    sops: { version: "3.9.0", age: [{ recipient: "age1xyz" }] },
  },
  {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "checkout", namespace: "shop" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "checkout" } },
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: "1m" } }] } },
      template: {
        metadata: { labels: { app: "checkout" } },
        spec: {
          serviceAccountName: "checkout",
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: "kubernetes.io/hostname",
                    labelSelector: { matchLabels: { app: "checkout" } },
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: "checkout",
              image: `ghcr.io/acme/checkout:2.0.1@${digest}`,
              ports: [{ name: "http", containerPort: 8080 }],
              resources: {
                requests: { cpu: "200m", memory: "512Mi", "ephemeral-storage": "1Gi" },
                limits: { memory: "512Mi" },
              },
              readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: "http" } },
              lifecycle: { preStop: { sleep: { seconds: 5 } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "checkout", namespace: "shop" },
    spec: { selector: { app: "checkout" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  },
  {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "checkout", namespace: "shop" },
    spec: { maxUnavailable: 1, selector: { matchLabels: { app: "checkout" } } },
  },
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "checkout", namespace: "shop" } },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "checkout", namespace: "shop" },
    spec: { podSelector: { matchLabels: { app: "checkout" } }, ingress: [{ ports: [{ port: 8080 }] }] },
  },
];

/** A fresh deep copy of the compliant set. */
export const compliantSet = (): KubeObject[] => structuredClone(compliant) as KubeObject[];

/** Sets (or, with undefined, deletes) a dotted path ("spec.template.spec.containers.0.image"), creating mappings on the way. */
export function setPath(target: object, path: string, value: unknown): void {
  const keys = path.split(".");
  let here = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (typeof here[key] !== "object" || here[key] === null) here[key] = {};
    here = here[key] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(here)) here.splice(Number(last), 1);
    else delete here[last];
  } else here[last] = value;
}

/**
 * One edit: the object to change ("Kind": the first of that kind; "Kind/name": that one), a dotted path,
 * the new value (undefined deletes).
 */
export type Edit = readonly [target: string, path: string, value: unknown];

/** Shorthands for the Deployment's (and the Rollout's) pod spec and first container. */
export const pod = "spec.template.spec";
export const web = `${pod}.containers.0`;

/** Whether an object is the edit's target: "Kind" or "Kind/name". */
const matches = (o: KubeObject, target: string): boolean => {
  const [kind, name] = target.split("/");
  return o.kind === kind && (name === undefined || o.metadata.name === name);
};

/**
 * The compliant set with edits applied; ["-Kind"] removes every object of the kind ("-Kind/name" that one),
 * ["+", "", object] adds one.
 */
export function variant(...edits: Edit[]): KubeObject[] {
  let objects = compliantSet();
  for (const [target, path, value] of edits) {
    if (target.startsWith("-")) objects = objects.filter((o) => !matches(o, target.slice(1)));
    else if (target === "+") objects.push(structuredClone(value) as KubeObject);
    else {
      const found = objects.find((o) => matches(o, target));
      if (!found) throw new Error(`no ${target} in the compliant set`);
      setPath(found, path, value);
    }
  }
  return objects;
}
