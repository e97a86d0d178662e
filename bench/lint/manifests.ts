/**
 * The lint benchmark's input: apps of five objects each (Deployment, Service, PodDisruptionBudget,
 * HorizontalPodAutoscaler, ConfigMap), one YAML file per app, spread over namespaces. One app in
 * eight is production-ready; the others each carry one or two of the mistakes real repositories
 * have, so both linters have something to report.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { KubeObject } from "../../src/kube/types.ts";

/** Objects per app. */
export const objectsPerApp = 5;

/** The mistakes, by app number modulo their count; "none" is a production-ready app. */
export const flaws = [
  "none",
  "no probes",
  "latest tag, no resources",
  "single replica, HPA targets a missing StatefulSet",
  "HPA min 1 with replicas set, autoscaling/v2beta2",
  "no securityContext",
  "Service selector typo",
  "PDB blocks drains, liveness = readiness",
] as const;

const digest = `sha256:${"a".repeat(64)}`;

/** The five objects of app `i` in `namespace`. */
export function app(i: number, namespace: string): KubeObject[] {
  const flaw = flaws[i % flaws.length]!;
  const name = `app-${i}`;
  const labels = { app: name };
  const probe = { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 };
  const container: Record<string, unknown> = {
    name: "app",
    image:
      flaw === "latest tag, no resources" ? `ghcr.io/acme/${name}:latest` : `ghcr.io/acme/${name}:1.0.${i}@${digest}`,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "http", containerPort: 8080 }],
    env: [{ name: "CONFIG", valueFrom: { configMapKeyRef: { name, key: "mode" } } }],
    resources: {
      requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "1Gi" },
      limits: { cpu: "500m", memory: "128Mi", "ephemeral-storage": "1Gi" },
    },
    readinessProbe: probe,
    livenessProbe: flaw.includes("liveness = readiness") ? probe : { tcpSocket: { port: "http" }, periodSeconds: 10 },
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      capabilities: { drop: ["ALL"] },
    },
  };
  if (flaw === "no probes") {
    delete container.readinessProbe;
    delete container.livenessProbe;
  }
  if (flaw === "latest tag, no resources") delete container.resources;
  if (flaw === "no securityContext") delete container.securityContext;
  const single = flaw.startsWith("single replica");
  const hpaFlaw = flaw.startsWith("HPA min 1");
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      ...(single ? { replicas: 1 } : hpaFlaw ? { replicas: 3 } : {}),
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: labels } },
              ],
            },
          },
          containers: [container],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: {
      selector: flaw === "Service selector typo" ? { app: `${name}x` } : labels,
      ports: [{ name: "http", port: 80, targetPort: "http" }],
    },
  };
  const pdb: KubeObject = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name, namespace },
    spec: {
      ...(flaw.startsWith("PDB blocks") ? { maxUnavailable: 0 } : { maxUnavailable: 1 }),
      selector: { matchLabels: labels },
    },
  };
  const hpa: KubeObject = {
    apiVersion: hpaFlaw ? "autoscaling/v2beta2" : "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: single ? "StatefulSet" : "Deployment", name },
      minReplicas: hpaFlaw ? 1 : 2,
      maxReplicas: 10,
      metrics: [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
      ],
    },
  };
  const configMap: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
    data: { mode: "production", "app.yaml": `listen: :8080\nname: ${name}\n` },
  };
  return [deployment, service, pdb, hpa, configMap];
}

/** Writes `count` objects (rounded down to whole apps) as one YAML file per app under `dir`; returns the file paths. */
export function writeApps(dir: string, count: number, namespaces = 40): string[] {
  const apps = Math.floor(count / objectsPerApp);
  const files: string[] = [];
  for (let i = 0; i < apps; i++) {
    const namespace = `team-${i % namespaces}`;
    const folder = join(dir, namespace);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `app-${i}.yaml`);
    writeFileSync(
      file,
      app(i, namespace)
        .map((o) => stringify(o))
        .join("---\n"),
    );
    files.push(file);
  }
  return files;
}
