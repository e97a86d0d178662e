/**
 * The fleet benchmark's Git content: one namespace with 20 small services, each a Deployment (1 replica),
 * Service, ConfigMap, ServiceAccount and PodDisruptionBudget: 100 objects plus the Namespace. Written
 * production-ready so the readiness gate (enforce mode) finds nothing critical and holds nothing back
 * (`kaika lint` on it: warnings for the single replica, infos for the digest and ephemeral-storage only).
 */

export const namespace = "bench-fleet";
export const path = "apps/shop";
export const services = 20;
/** Objects in the commit besides the Namespace. */
export const objectCount = services * 5;

const name = (i: number): string => `svc-${String(i).padStart(2, "0")}`;

function serviceYaml(i: number, configRev: string): string {
  const n = name(i);
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${n}
  namespace: ${namespace}
  labels: {app.kubernetes.io/name: ${n}}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${n}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    metadata:
      labels: {app: ${n}}
    spec:
      serviceAccountName: ${n}
      terminationGracePeriodSeconds: 30
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: ghcr.io/acme/${n}:1.4.2
          imagePullPolicy: IfNotPresent
          ports: [{name: http, containerPort: 8080}]
          envFrom: [{configMapRef: {name: ${n}-config}}]
          # No ephemeral-storage request: the local fleet's kwok nodes have none to offer (unschedulable).
          resources:
            requests: {cpu: 10m, memory: 32Mi}
            limits: {memory: 32Mi}
          readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 5}
          livenessProbe: {httpGet: {path: /live, port: http}, periodSeconds: 10, failureThreshold: 6}
          lifecycle: {preStop: {sleep: {seconds: 5}}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata:
  name: ${n}
  namespace: ${namespace}
spec:
  selector: {app: ${n}}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${n}-config
  namespace: ${namespace}
data:
  LOG_LEVEL: info
  UPSTREAM_URL: http://${name((i + 1) % services)}.${namespace}.svc
  CONFIG_REV: "${configRev}"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${n}
  namespace: ${namespace}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${n}
  namespace: ${namespace}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: ${n}}
`;
}

const fileOf = (i: number): string => `${path}/${name(i)}.yaml`;

/** Every file: the Namespace and one file per service. */
export function initialFiles(): Record<string, string> {
  const files: Record<string, string> = {
    [`${path}/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
  };
  for (let i = 0; i < services; i++) files[fileOf(i)] = serviceYaml(i, "1");
  return files;
}

/** The one file that changes when service `i`'s ConfigMap gets CONFIG_REV = `rev` (one object differs). */
export function changedConfigMap(i: number, rev: string): Record<string, string> {
  return { [fileOf(i)]: serviceYaml(i, rev) };
}
