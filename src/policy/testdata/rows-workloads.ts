/** Check table rows: probes, shutdown, resources, availability, images. */

import { type Edit, pod, web } from "./fixtures.ts";

const D = "Deployment";
/** The Argo Rollout of the compliant set: a custom resource whose pod template the engine knows. */
const R = "Rollout";

import type { Row } from "./table.ts";

const namespace = (name: string) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const quota = (ns: string) => ({
  apiVersion: "v1",
  kind: "ResourceQuota",
  metadata: { name: "compute", namespace: ns },
  spec: { hard: { "requests.cpu": "8", "requests.memory": "16Gi", "limits.memory": "24Gi" } },
});
const limitRange = (ns: string) => ({
  apiVersion: "v1",
  kind: "LimitRange",
  metadata: { name: "defaults", namespace: ns },
  spec: {
    limits: [{ type: "Container", defaultRequest: { cpu: "100m", memory: "128Mi" }, default: { memory: "256Mi" } }],
  },
});

/**
 * Namespace objects the namespace checks leave alone: one with its quota and defaults, one without
 * workloads, and none at all (the compliant set: a partial input says nothing about the namespace).
 */
const namespaceGood: readonly (readonly Edit[])[] = [
  [
    ["+", "", namespace("shop")],
    ["+", "", quota("shop")],
    ["+", "", limitRange("shop")],
  ],
  [["+", "", namespace("monitoring")]],
];

/** Rows for the workload checks. */
export const workloadRows: readonly Row[] = [
  {
    id: "probes.readiness-missing",
    bad: [[[D, `${web}.readinessProbe`, undefined]], [[R, `${web}.readinessProbe`, undefined]]],
    field: "spec.template.spec.containers[web].readinessProbe",
  },
  {
    id: "probes.liveness-missing",
    bad: [[[D, `${web}.livenessProbe`, undefined]]],
    field: "spec.template.spec.containers[web].livenessProbe",
  },
  {
    id: "probes.liveness-equals-readiness",
    bad: [
      [[D, `${web}.livenessProbe`, { periodSeconds: 5, httpGet: { port: "http", path: "/ready" } }]],
      [[R, `${web}.livenessProbe`, { periodSeconds: 5, httpGet: { path: "/ready", port: "http" } }]],
    ],
    good: [
      [
        [
          D,
          `${web}.livenessProbe`,
          { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5, failureThreshold: 6 },
        ],
      ],
    ],
    field: "spec.template.spec.containers[web].livenessProbe",
  },
  {
    id: "probes.liveness-before-readiness",
    bad: [
      // Liveness 2 × 5 s against readiness 3 × 5 s.
      [
        [
          D,
          `${web}.livenessProbe`,
          { httpGet: { path: "/live", port: "http" }, periodSeconds: 5, failureThreshold: 2 },
        ],
      ],
      // As long as readiness is not enough: both act at 15 s.
      [[R, `${web}.livenessProbe`, { httpGet: { path: "/live", port: "http" }, periodSeconds: 5 }]],
    ],
    good: [[[D, `${web}.livenessProbe`, { httpGet: { path: "/live", port: "http" }, periodSeconds: 10 }]]],
    field: "spec.template.spec.containers[web].livenessProbe",
  },
  {
    id: "probes.port-undeclared",
    bad: [[[D, `${web}.readinessProbe.httpGet.port`, "metrics"]], [[D, `${web}.livenessProbe.httpGet.port`, 9090]]],
    good: [
      [[D, `${web}.readinessProbe.httpGet.port`, 8080]],
      [[D, `${web}.readinessProbe`, { tcpSocket: { port: "8080" }, periodSeconds: 5 }]],
    ],
    field: "spec.template.spec.containers[web].readinessProbe",
  },
  {
    id: "probes.startup-missing",
    bad: [[[D, `${web}.livenessProbe.initialDelaySeconds`, 120]]],
    good: [
      [[D, `${web}.livenessProbe.initialDelaySeconds`, 60]],
      [
        [D, `${web}.livenessProbe.initialDelaySeconds`, 120],
        [D, `${web}.startupProbe`, { httpGet: { path: "/live", port: "http" }, failureThreshold: 30 }],
      ],
    ],
    field: "spec.template.spec.containers[web].livenessProbe.initialDelaySeconds",
  },
  {
    id: "shutdown.grace-shorter-than-prestop",
    bad: [
      [[D, `${pod}.terminationGracePeriodSeconds`, 8]],
      [
        [D, `${pod}.terminationGracePeriodSeconds`, undefined],
        [D, `${web}.lifecycle.preStop`, { exec: { command: ["/bin/sh", "-c", "sleep 40"] } }],
      ],
    ],
    // Readiness made quick enough to fail in the seconds left after preStop (shutdown.readiness-unaffected).
    good: [
      [
        [D, `${pod}.terminationGracePeriodSeconds`, 10],
        [D, `${web}.readinessProbe.periodSeconds`, 1],
      ],
      [
        [D, `${web}.lifecycle.preStop`, { exec: { command: ["sleep", "20"] } }],
        [D, `${web}.readinessProbe.periodSeconds`, 3],
      ],
    ],
    field: "spec.template.spec.terminationGracePeriodSeconds",
  },
  {
    id: "shutdown.prestop-missing",
    bad: [[[D, `${web}.lifecycle`, undefined]], [[R, `${web}.lifecycle`, undefined]]],
    good: [
      [
        [D, `${web}.lifecycle`, undefined],
        ["-Service/web", "", undefined],
        ["-Ingress", "", undefined],
      ],
      [
        [R, `${web}.lifecycle`, undefined],
        ["-Service/checkout", "", undefined],
      ],
      [
        [D, `${web}.lifecycle`, undefined],
        ["Service", "spec.selector", undefined],
      ],
    ],
    field: "spec.template.spec.containers[web].lifecycle.preStop",
  },
  {
    // The compliant web: readiness 5s × 3 = 15s, grace 30s, preStop 5s: 25s after SIGTERM.
    id: "shutdown.readiness-unaffected",
    bad: [
      [[D, `${web}.readinessProbe.failureThreshold`, 6]],
      [[D, `${pod}.terminationGracePeriodSeconds`, 18]],
      [[D, `${web}.readinessProbe.periodSeconds`, undefined]],
      [
        [D, `${web}.lifecycle`, undefined],
        [D, `${web}.readinessProbe.periodSeconds`, 20],
      ],
      [[R, `${web}.readinessProbe.periodSeconds`, 10]],
    ],
    good: [
      [[D, `${web}.readinessProbe.failureThreshold`, 5]],
      [
        [D, `${web}.readinessProbe.failureThreshold`, 6],
        [D, `${pod}.terminationGracePeriodSeconds`, 90],
      ],
      [
        [D, `${web}.readinessProbe.failureThreshold`, 6],
        ["-Service/web", "", undefined],
        ["-Ingress", "", undefined],
      ],
      [
        [D, `${web}.readinessProbe.failureThreshold`, 6],
        ["Service/web", "spec.type", "ExternalName"],
      ],
    ],
    field: "spec.template.spec.containers[web].readinessProbe",
  },
  {
    id: "resources.cpu-request-missing",
    bad: [[[D, `${web}.resources.requests.cpu`, undefined]], [[R, `${web}.resources.requests.cpu`, undefined]]],
    field: "spec.template.spec.containers[web].resources.requests.cpu",
  },
  {
    id: "resources.memory-request-missing",
    bad: [[[D, `${web}.resources`, undefined]]],
    field: "spec.template.spec.containers[web].resources.requests.memory",
  },
  {
    id: "resources.memory-limit-missing",
    bad: [[[D, `${web}.resources.limits`, undefined]]],
    field: "spec.template.spec.containers[web].resources.limits.memory",
  },
  {
    id: "resources.ephemeral-storage-request-missing",
    bad: [[[D, `${web}.resources.requests.ephemeral-storage`, undefined]]],
    field: "spec.template.spec.containers[web].resources.requests.ephemeral-storage",
  },
  {
    id: "resources.memory-limit-below-request",
    bad: [[[D, `${web}.resources.limits.memory`, "128Mi"]], [[D, `${web}.resources.limits.memory`, "256M"]]],
    good: [[[D, `${web}.resources.limits.memory`, "1Gi"]], [[D, `${web}.resources.limits.memory`, 268435456]]],
    field: "spec.template.spec.containers[web].resources.limits.memory",
  },
  {
    id: "resources.namespace-quota-missing",
    bad: [
      [["+", "", namespace("shop")]],
      [
        ["+", "", namespace("shop")],
        ["+", "", quota("other")],
        ["+", "", limitRange("shop")],
      ],
    ],
    good: namespaceGood,
    field: "metadata.name",
  },
  {
    id: "resources.namespace-limitrange-missing",
    bad: [
      [["+", "", namespace("shop")]],
      [
        ["+", "", namespace("shop")],
        ["+", "", quota("shop")],
        ["+", "", limitRange("other")],
      ],
    ],
    good: namespaceGood,
    field: "metadata.name",
  },
  {
    id: "availability.single-replica",
    bad: [
      [["-HorizontalPodAutoscaler", "", undefined]],
      [["HorizontalPodAutoscaler", "spec.minReplicas", 1]],
      [[R, "spec.replicas", undefined]],
    ],
    good: [
      [
        ["-HorizontalPodAutoscaler", "", undefined],
        [D, "spec.replicas", 2],
      ],
    ],
    field: "spec.replicas",
  },
  {
    id: "availability.pdb-missing",
    bad: [
      [["-PodDisruptionBudget/web", "", undefined]],
      [["PodDisruptionBudget", "spec.selector.matchLabels.app", "api"]],
      [["-PodDisruptionBudget/checkout", "", undefined]],
    ],
    field: "spec.template.metadata.labels",
  },
  {
    id: "availability.pdb-blocks-drain",
    bad: [
      [["PodDisruptionBudget", "spec.maxUnavailable", 0]],
      [["PodDisruptionBudget", "spec.maxUnavailable", "0%"]],
      [
        ["PodDisruptionBudget", "spec.maxUnavailable", undefined],
        ["PodDisruptionBudget", "spec.minAvailable", "100%"],
      ],
      [
        ["PodDisruptionBudget", "spec.maxUnavailable", undefined],
        ["PodDisruptionBudget", "spec.minAvailable", 3],
      ],
      [
        ["PodDisruptionBudget/checkout", "spec.maxUnavailable", undefined],
        ["PodDisruptionBudget/checkout", "spec.minAvailable", 3],
      ],
    ],
    good: [
      [
        ["PodDisruptionBudget", "spec.maxUnavailable", undefined],
        ["PodDisruptionBudget", "spec.minAvailable", 2],
      ],
    ],
    field: "spec.maxUnavailable",
  },
  {
    id: "availability.hpa-min-replicas",
    bad: [[["HorizontalPodAutoscaler", "spec.minReplicas", undefined]]],
    field: "spec.minReplicas",
  },
  {
    id: "availability.hpa-target-missing",
    bad: [
      [["HorizontalPodAutoscaler", "spec.scaleTargetRef.name", "api"]],
      [["HorizontalPodAutoscaler", "spec.scaleTargetRef.kind", "StatefulSet"]],
    ],
    field: "spec.scaleTargetRef",
  },
  {
    id: "availability.replicas-with-hpa",
    bad: [[[D, "spec.replicas", 3]]],
    good: [
      [
        [D, "spec.replicas", 3],
        ["-HorizontalPodAutoscaler", "", undefined],
      ],
    ],
    field: "spec.replicas",
  },
  {
    id: "availability.spread-missing",
    bad: [[[D, `${pod}.topologySpreadConstraints`, undefined]], [[R, `${pod}.affinity`, undefined]]],
    good: [
      [
        [D, `${pod}.topologySpreadConstraints`, undefined],
        [D, `${pod}.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution`, []],
      ],
    ],
    field: "spec.template.spec.topologySpreadConstraints",
  },
  {
    id: "availability.rollout-max-unavailable",
    bad: [
      [[D, "spec.strategy.rollingUpdate.maxUnavailable", 3]],
      [[D, "spec.strategy.rollingUpdate.maxUnavailable", "100%"]],
    ],
    good: [[[D, "spec.strategy.rollingUpdate.maxUnavailable", "25%"]], [[D, "spec.strategy", { type: "Recreate" }]]],
    field: "spec.strategy.rollingUpdate.maxUnavailable",
  },
  {
    id: "images.tag-mutable",
    bad: [
      [[D, `${web}.image`, "ghcr.io/acme/web"]],
      [[D, `${web}.image`, "ghcr.io/acme/web:latest"]],
      [[D, `${web}.image`, "localhost:5000/web"]],
    ],
    good: [
      [[D, `${web}.image`, `localhost:5000/web:1.0@sha256:${"b".repeat(64)}`]],
      [[D, `${web}.image`, `ghcr.io/acme/web@sha256:${"b".repeat(64)}`]],
    ],
    field: "spec.template.spec.containers[web].image",
  },
  {
    id: "images.digest-missing",
    bad: [[[D, `${web}.image`, "ghcr.io/acme/web:1.4.2"]]],
    field: "spec.template.spec.containers[web].image",
  },
  {
    id: "images.registry-untrusted",
    trustedRegistries: ["ghcr.io/acme", "registry.acme.dev"],
    bad: [[[D, `${web}.image`, "nginx:1.27"]], [[D, `${web}.image`, "ghcr.io/acmeevil/web:1"]]],
    good: [[[D, `${web}.image`, `registry.acme.dev/web:1@sha256:${"c".repeat(64)}`]]],
    field: "spec.template.spec.containers[web].image",
  },
  {
    id: "images.pull-never",
    bad: [[[D, `${web}.imagePullPolicy`, "Never"]]],
    field: "spec.template.spec.containers[web].imagePullPolicy",
  },
];
