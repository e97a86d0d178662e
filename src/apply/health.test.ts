/** Tests of computeHealth and aggregateHealth over realistic live objects, one table row per kind and state. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import { aggregateHealth, computeHealth, type Health, healthRules } from "./health.ts";

const T = "2026-03-02T10:00:00Z";
type Fields = Record<string, unknown>;

function object(apiVersion: string, kind: string, name: string, fields: Fields, metadata: Fields = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: "shop", uid: `uid-${name}`, ...metadata }, ...fields };
}

const cond = (type: string, status: string, reason = "", message = ""): Fields => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: T,
});

const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "web:1" }] } };

// A Deployment as the API server returns it after defaulting, generation 3.
// With status undefined, as just created: generation 1 and no status at all.
function deployment(spec: Fields, status: Fields | undefined, metadata: Fields = {}): KubeObject {
  const fields: Fields = {
    spec: { progressDeadlineSeconds: 600, selector: { matchLabels: { app: "web" } }, template, ...spec },
  };
  if (status) fields.status = { observedGeneration: 3, ...status };
  return object("apps/v1", "Deployment", "web", fields, { generation: status ? 3 : 1, ...metadata });
}
const rolledOut = [
  cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
  cond("Progressing", "True", "NewReplicaSetAvailable", 'ReplicaSet "web-6d8f7c9b5" has successfully progressed.'),
];
const rollingOut = [
  rolledOut[0],
  cond("Progressing", "True", "ReplicaSetUpdated", 'ReplicaSet "web-7f9c" is progressing.'),
];
const counts = (replicas: number, updated: number, ready: number, available = ready): Fields => ({
  replicas,
  updatedReplicas: updated,
  readyReplicas: ready,
  availableReplicas: available,
});

function statefulSet(spec: Fields, status: Fields): KubeObject {
  return object(
    "apps/v1",
    "StatefulSet",
    "db",
    {
      spec: {
        replicas: 3,
        serviceName: "db",
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
        template,
        ...spec,
      },
      status: { observedGeneration: 2, currentRevision: "db-5c8d7f", updateRevision: "db-5c8d7f", ...status },
    },
    { generation: 2 },
  );
}
const sts = (replicas: number, ready: number, updated: number, current = updated): Fields => ({
  replicas,
  readyReplicas: ready,
  updatedReplicas: updated,
  currentReplicas: current,
});
const partitioned = (partition: number): Fields => ({
  updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition } },
});

function daemonSet(status: Fields | undefined): KubeObject {
  const fields: Fields = { spec: { selector: { matchLabels: { app: "agent" } }, template } };
  if (status) fields.status = { observedGeneration: 1, numberMisscheduled: 0, ...status };
  return object("apps/v1", "DaemonSet", "agent", fields, { generation: 1 });
}
const ds = (desired: number, scheduled: number, updated: number, available: number, ready: number): Fields => ({
  desiredNumberScheduled: desired,
  currentNumberScheduled: scheduled,
  updatedNumberScheduled: updated,
  numberAvailable: available,
  numberReady: ready,
});

function replicaSet(status: Fields): KubeObject {
  const spec = { replicas: 2, selector: { matchLabels: { app: "web" } }, template };
  return object(
    "apps/v1",
    "ReplicaSet",
    "web-6d8f7c9b5",
    { spec, status: { observedGeneration: 1, ...status } },
    {
      generation: 1,
    },
  );
}

function job(spec: Fields, status: Fields): KubeObject {
  const fields = { spec: { backoffLimit: 2, template, ...spec }, status };
  return object("batch/v1", "Job", "migrate", fields, { generation: 1 });
}

function pod(status: Fields | undefined): KubeObject {
  const fields: Fields = { spec: { containers: [{ name: "app", image: "ghcr.io/shop/web:2" }], nodeName: "n1" } };
  if (status) fields.status = status;
  return object("v1", "Pod", "web-6d8f7c9b5-x2x4q", fields);
}
const containerStatus = (name: string, ready: boolean, state: Fields, lastState: Fields = {}): Fields => ({
  name,
  ready,
  restartCount: lastState.terminated ? 5 : 0,
  image: "ghcr.io/shop/web:2",
  state,
  lastState,
});
const waiting = (reason: string, message?: string): Fields => ({ waiting: message ? { reason, message } : { reason } });
const podConds = (ready: string) => [
  cond("PodScheduled", "True"),
  cond("Initialized", "True"),
  cond("ContainersReady", ready),
  cond("Ready", ready, ready === "True" ? "" : "ContainersNotReady"),
];

function crd(conditions: Fields[] | undefined): KubeObject {
  const spec = {
    group: "example.com",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    scope: "Namespaced",
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }],
  };
  const fields: Fields = { spec };
  if (conditions) fields.status = { conditions, acceptedNames: spec.names, storedVersions: ["v1"] };
  return object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", fields, {
    namespace: undefined,
    generation: 1,
  });
}

function pdb(status: Fields | undefined, generation = 1): KubeObject {
  const fields: Fields = { spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } } };
  if (status) fields.status = { disruptionsAllowed: 0, expectedPods: 3, ...status };
  return object("policy/v1", "PodDisruptionBudget", "web", fields, { generation });
}

function service(spec: Fields, status: Fields = { loadBalancer: {} }): KubeObject {
  const ports = [{ port: 80, targetPort: 8080, protocol: "TCP" }];
  return object("v1", "Service", "web", { spec: { clusterIP: "10.96.0.12", ports, ...spec }, status });
}

// A Flux-style custom resource: Ready plus the kstatus Reconciling/Stalled pair.
function widget(status: Fields | undefined, generation = 4): KubeObject {
  const fields: Fields = { spec: { size: 3 } };
  if (status) fields.status = status;
  return object("example.com/v1", "Widget", "blue", fields, { generation });
}

const h = (status: Health["status"], message: string, reason?: string): Health =>
  reason ? { status, message, reason } : { status, message };

const cases: [string, KubeObject | undefined, Health][] = [
  // generic checks
  ["absent object", undefined, h("NotFound", "not found", "NotFound")],
  [
    "deletionTimestamp wins over everything",
    deployment(
      { replicas: 2 },
      { ...counts(2, 2, 2), conditions: rolledOut },
      {
        deletionTimestamp: T,
        finalizers: ["foregroundDeletion"],
      },
    ),
    h("Terminating", "deletion pending, waiting on finalizers: foregroundDeletion", "Terminating"),
  ],
  [
    "CR whose observedGeneration lags, even though Ready=True",
    widget({ observedGeneration: 3, conditions: [cond("Ready", "True", "Succeeded", "applied")] }, 4),
    h("InProgress", "generation 4 not observed yet, at 3", "LatestGenerationNotObserved"),
  ],
  [
    "generation lag is checked before a Deployment's ProgressDeadlineExceeded",
    deployment(
      { replicas: 2 },
      { observedGeneration: 2, conditions: [cond("Progressing", "False", "ProgressDeadlineExceeded", "timed out")] },
    ),
    h("InProgress", "generation 3 not observed yet, at 2", "LatestGenerationNotObserved"),
  ],
  [
    "CR Reconciling=True",
    widget({
      observedGeneration: 4,
      conditions: [cond("Ready", "Unknown", "Progressing", "x"), cond("Reconciling", "True", "Progressing", "pulling")],
    }),
    h("InProgress", "pulling", "Progressing"),
  ],
  [
    "CR Stalled=True",
    widget({
      observedGeneration: 4,
      conditions: [
        cond("Ready", "False", "BuildFailed", "kustomize build failed"),
        cond("Stalled", "True", "BuildFailed", "kustomize build failed: accumulating resources"),
      ],
    }),
    h("Failed", "kustomize build failed: accumulating resources", "BuildFailed"),
  ],
  [
    "CR Ready=True",
    widget({
      observedGeneration: 4,
      conditions: [cond("Ready", "True", "Succeeded", "Applied revision: main@sha1:ab12")],
    }),
    h("Current", "Applied revision: main@sha1:ab12"),
  ],
  [
    "CR Ready=False",
    widget({
      observedGeneration: 4,
      conditions: [cond("Ready", "False", "DependencyNotReady", "dependency 'db' not ready")],
    }),
    h("InProgress", "dependency 'db' not ready", "DependencyNotReady"),
  ],
  ["CR without status", widget(undefined), h("Current", "current")],
  ["CR with status but no conditions", widget({ observedGeneration: 4, phase: "Synced" }), h("Current", "current")],
  [
    "a field of the wrong type is Unknown, not a guess",
    deployment({ replicas: "2" }, { ...counts(2, 2, 2), conditions: rolledOut }),
    h("Unknown", "spec.replicas is not an integer", "InvalidField"),
  ],
  // Deployment
  [
    "Deployment rolled out",
    deployment({ replicas: 2 }, { ...counts(2, 2, 2), conditions: rolledOut }),
    h("Current", "2/2 ready"),
  ],
  [
    "Deployment with replicas unset counts as 1",
    deployment({}, { ...counts(1, 1, 1), conditions: rolledOut }),
    h("Current", "1/1 ready"),
  ],
  [
    "Deployment just created, replicas unset, no status yet",
    deployment({}, undefined),
    h("InProgress", "0/1 updated, 0/1 ready, 0/1 available", "LessUpdated"),
  ],
  [
    "Deployment scaled to 0 (the API omits zero counts)",
    deployment({ replicas: 0 }, { conditions: rolledOut }),
    h("Current", "0/0 ready"),
  ],
  [
    "Deployment scaling down to 0",
    deployment({ replicas: 0 }, { ...counts(2, 2, 2), conditions: rolledOut }),
    h("InProgress", "2 extra pending termination", "ExtraPods"),
  ],
  [
    "Deployment rollout with a surge pod and old replicas",
    deployment({ replicas: 2 }, { ...counts(3, 1, 2), unavailableReplicas: 1, conditions: rollingOut }),
    h("InProgress", "1/2 updated, 2 old pending termination", "LessUpdated"),
  ],
  [
    "Deployment rollout half done",
    deployment({ replicas: 2 }, { ...counts(2, 1, 1), conditions: rollingOut }),
    h("InProgress", "1/2 updated, 1/2 ready, 1/2 available, 1 old pending termination", "LessUpdated"),
  ],
  [
    "Deployment with every new pod ready but an old one still there",
    deployment({ replicas: 2 }, { ...counts(3, 2, 2), conditions: rollingOut }),
    h("InProgress", "1 old pending termination", "ExtraPods"),
  ],
  [
    "Deployment counts done but the controller has not reported NewReplicaSetAvailable",
    deployment({ replicas: 2 }, { ...counts(2, 2, 2), conditions: rollingOut }),
    h("InProgress", "new ReplicaSet not yet reported available", "ReplicaSetNotAvailable"),
  ],
  [
    "Deployment counts done but Available=False",
    deployment(
      { replicas: 2 },
      {
        ...counts(2, 2, 2),
        conditions: [cond("Available", "False", "MinimumReplicasUnavailable"), rolledOut[1]],
      },
    ),
    h("InProgress", "Available condition not True", "DeploymentNotAvailable"),
  ],
  [
    "Deployment without a progress deadline needs no Progressing condition",
    deployment(
      { replicas: 2, progressDeadlineSeconds: 2147483647 },
      { ...counts(2, 2, 2), conditions: [rolledOut[0]] },
    ),
    h("Current", "2/2 ready"),
  ],
  [
    "Deployment ProgressDeadlineExceeded",
    deployment(
      { replicas: 2 },
      {
        ...counts(3, 1, 2),
        conditions: [
          rolledOut[0],
          cond("Progressing", "False", "ProgressDeadlineExceeded", 'ReplicaSet "web-7f9c" has timed out progressing.'),
        ],
      },
    ),
    h(
      "Failed",
      'progress deadline exceeded: ReplicaSet "web-7f9c" has timed out progressing.',
      "ProgressDeadlineExceeded",
    ),
  ],
  // StatefulSet
  ["StatefulSet rolled out", statefulSet({}, sts(3, 3, 3)), h("Current", "3/3 ready")],
  [
    "StatefulSet scaling up",
    statefulSet({}, sts(2, 2, 2)),
    h("InProgress", "2/3 created, 2/3 ready, 2/3 updated", "LessReplicas"),
  ],
  [
    "StatefulSet rolling update in progress",
    statefulSet({}, { ...sts(3, 2, 1, 2), updateRevision: "db-7d9b4" }),
    h("InProgress", "2/3 ready, 1/3 updated", "LessReady"),
  ],
  [
    "StatefulSet with every pod updated but the revision not yet promoted",
    statefulSet({}, { ...sts(3, 3, 3, 0), updateRevision: "db-7d9b4" }),
    h("InProgress", "waiting for revision db-7d9b4 to become current", "RevisionMismatch"),
  ],
  [
    "StatefulSet partition 2 of 3: one pod to update, done",
    statefulSet(partitioned(2), { ...sts(3, 3, 1, 2), updateRevision: "db-7d9b4" }),
    h("Current", "3/3 ready, 1 updated above partition 2"),
  ],
  [
    "StatefulSet partition 1 of 3: two pods to update, one done",
    statefulSet(partitioned(1), { ...sts(3, 3, 1, 2), updateRevision: "db-7d9b4" }),
    h("InProgress", "1/2 updated", "PartitionRollout"),
  ],
  [
    "StatefulSet OnDelete does not wait for the new revision",
    statefulSet({ updateStrategy: { type: "OnDelete" } }, { ...sts(3, 3, 0, 3), updateRevision: "db-7d9b4" }),
    h("Current", "3/3 ready (OnDelete: updates wait for pod deletion)"),
  ],
  [
    "StatefulSet OnDelete still waits for ready pods",
    statefulSet({ updateStrategy: { type: "OnDelete" } }, sts(3, 1, 3)),
    h("InProgress", "1/3 ready", "LessReady"),
  ],
  // DaemonSet
  ["DaemonSet rolled out", daemonSet(ds(3, 3, 3, 3, 3)), h("Current", "3/3 ready")],
  [
    "DaemonSet rolling update",
    daemonSet(ds(3, 3, 1, 2, 2)),
    h("InProgress", "1/3 updated, 2/3 available, 2/3 ready", "LessUpdated"),
  ],
  ["DaemonSet on no matching nodes", daemonSet(ds(0, 0, 0, 0, 0)), h("Current", "0/0 ready")],
  [
    "DaemonSet not yet seen by its controller",
    daemonSet(undefined),
    h("InProgress", "desired number of pods not reported yet", "NoDesiredNumber"),
  ],
  // ReplicaSet
  [
    "ReplicaSet ready",
    replicaSet({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
    h("Current", "2/2 ready"),
  ],
  [
    "ReplicaSet with a pod not ready",
    replicaSet({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1 }),
    h("InProgress", "1/2 available, 1/2 ready", "LessAvailable"),
  ],
  [
    "ReplicaSet blocked by a quota",
    replicaSet({
      replicas: 1,
      conditions: [
        cond("ReplicaFailure", "True", "FailedCreate", 'pods "web-x" is forbidden: exceeded quota: compute'),
      ],
    }),
    h("InProgress", 'pods "web-x" is forbidden: exceeded quota: compute', "ReplicaFailure"),
  ],
  // Job and CronJob
  [
    "Job complete",
    job(
      { completions: 1 },
      {
        startTime: T,
        completionTime: T,
        succeeded: 1,
        conditions: [
          cond("SuccessCriteriaMet", "True", "CompletionsReached"),
          cond("Complete", "True", "CompletionsReached"),
        ],
      },
    ),
    h("Current", "complete, 1/1 succeeded"),
  ],
  [
    "Job failed",
    job(
      {},
      {
        startTime: T,
        failed: 3,
        conditions: [
          cond("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
          cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ],
      },
    ),
    h("Failed", "Job has reached the specified backoff limit", "BackoffLimitExceeded"),
  ],
  [
    "Job running",
    job({ completions: 5, parallelism: 2 }, { startTime: T, active: 2, succeeded: 3, ready: 2 }),
    h("InProgress", "2 active, 3/5 succeeded", "JobInProgress"),
  ],
  [
    "Job retrying after failures",
    job({}, { startTime: T, active: 1, failed: 2 }),
    h("InProgress", "1 active, 0 succeeded, 2 failed", "JobInProgress"),
  ],
  ["Job not started", job({}, {}), h("InProgress", "not started", "JobNotStarted")],
  [
    "Job suspended",
    job({ suspend: true }, { conditions: [cond("Suspended", "True", "JobSuspended")] }),
    h("InProgress", "suspended", "JobNotStarted"),
  ],
  [
    "CronJob",
    object("batch/v1", "CronJob", "nightly", { spec: { schedule: "0 3 * * *" }, status: { lastScheduleTime: T } }),
    h("Current", "current"),
  ],
  // Pod
  [
    "Pod running and ready",
    pod({ phase: "Running", conditions: podConds("True"), containerStatuses: [containerStatus("app", true, {})] }),
    h("Current", "ready"),
  ],
  ["Pod succeeded", pod({ phase: "Succeeded", conditions: podConds("False") }), h("Current", "succeeded")],
  [
    "Pod evicted",
    pod({ phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." }),
    h("Failed", "failed: The node was low on resource: memory.", "Evicted"),
  ],
  [
    "Pod unschedulable",
    pod({
      phase: "Pending",
      conditions: [cond("PodScheduled", "False", "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu.")],
    }),
    h("InProgress", "unschedulable: 0/3 nodes are available: 3 Insufficient cpu.", "Unschedulable"),
  ],
  [
    "Pod in CrashLoopBackOff (Ready=False does not short-circuit the Pod rule)",
    pod({
      phase: "Running",
      conditions: podConds("False"),
      containerStatuses: [
        containerStatus("app", false, waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=app"), {
          terminated: { exitCode: 1, reason: "Error" },
        }),
        containerStatus("proxy", true, { running: { startedAt: T } }),
      ],
    }),
    h("Failed", "container app: CrashLoopBackOff (last exit 1: Error)", "CrashLoopBackOff"),
  ],
  [
    "Pod pulling a missing image",
    pod({
      phase: "Pending",
      conditions: podConds("False"),
      containerStatuses: [
        containerStatus("app", false, waiting("ImagePullBackOff", 'Back-off pulling image "ghcr.io/shop/web:nope"')),
      ],
    }),
    h("Failed", 'container app: ImagePullBackOff (Back-off pulling image "ghcr.io/shop/web:nope")', "ImagePullBackOff"),
  ],
  [
    "Pod whose init container cannot pull",
    pod({
      phase: "Pending",
      initContainerStatuses: [containerStatus("migrate", false, waiting("ErrImagePull", "manifest unknown"))],
      containerStatuses: [containerStatus("app", false, waiting("PodInitializing"))],
    }),
    h("Failed", "container migrate: ErrImagePull (manifest unknown)", "ErrImagePull"),
  ],
  [
    "Pod referencing a missing Secret",
    pod({
      phase: "Pending",
      containerStatuses: [
        containerStatus("app", false, waiting("CreateContainerConfigError", 'secret "db-creds" not found')),
      ],
    }),
    h(
      "Failed",
      'container app: CreateContainerConfigError (secret "db-creds" not found)',
      "CreateContainerConfigError",
    ),
  ],
  [
    "Pod creating its containers",
    pod({
      phase: "Pending",
      conditions: podConds("False"),
      containerStatuses: [containerStatus("app", false, waiting("ContainerCreating"))],
    }),
    h("InProgress", "pending, container app: ContainerCreating", "PodPending"),
  ],
  [
    "Pod running, readiness probe not passing yet",
    pod({
      phase: "Running",
      conditions: podConds("False"),
      containerStatuses: [containerStatus("app", false, { running: { startedAt: T } })],
    }),
    h("InProgress", "containers not ready: app", "PodRunningNotReady"),
  ],
  ["Pod without status", pod(undefined), h("InProgress", "phase not reported yet", "PodNotObserved")],
  ["Pod on a lost node", pod({ phase: "Unknown" }), h("Unknown", "phase Unknown", "UnknownPhase")],
  // PersistentVolumeClaim
  [
    "PVC bound",
    object("v1", "PersistentVolumeClaim", "data", { spec: { volumeName: "pv-1" }, status: { phase: "Bound" } }),
    h("Current", "bound"),
  ],
  [
    "PVC pending",
    object("v1", "PersistentVolumeClaim", "data", { spec: {}, status: { phase: "Pending" } }),
    h("InProgress", "not bound (phase Pending)", "NotBound"),
  ],
  // Service
  ["Service ClusterIP does not wait", service({ type: "ClusterIP" }), h("Current", "ready")],
  ["Service headless", service({ clusterIP: "None" }), h("Current", "ready")],
  [
    "Service LoadBalancer without an address",
    service({ type: "LoadBalancer" }),
    h("InProgress", "waiting for a load balancer address", "NoLoadBalancerAddress"),
  ],
  [
    "Service LoadBalancer with an address",
    service({ type: "LoadBalancer" }, { loadBalancer: { ingress: [{ ip: "203.0.113.10", ipMode: "VIP" }] } }),
    h("Current", "load balancer at 203.0.113.10"),
  ],
  // PodDisruptionBudget
  [
    "PDB met",
    pdb({ observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 }),
    h("Current", "budget met: 3/2 healthy"),
  ],
  [
    "PDB not met",
    pdb({ observedGeneration: 1, currentHealthy: 1, desiredHealthy: 2 }),
    h("InProgress", "budget not met: 1/2 healthy", "BudgetNotMet"),
  ],
  [
    "PDB not yet seen by the disruption controller",
    pdb(undefined),
    h("InProgress", "not observed by the disruption controller yet", "NotObserved"),
  ],
  [
    "PDB observedGeneration lag",
    pdb({ observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2 }, 2),
    h("InProgress", "generation 2 not observed yet, at 1", "LatestGenerationNotObserved"),
  ],
  // CustomResourceDefinition
  [
    "CRD established",
    crd([cond("NamesAccepted", "True", "NoConflicts"), cond("Established", "True", "InitialNamesAccepted")]),
    h("Current", "established"),
  ],
  [
    "CRD installing",
    crd([cond("NamesAccepted", "True", "NoConflicts"), cond("Established", "False", "Installing")]),
    h("InProgress", "installing", "Installing"),
  ],
  ["CRD without status", crd(undefined), h("InProgress", "installing", "Installing")],
  [
    "CRD names not accepted",
    crd([
      cond("NamesAccepted", "False", "PluralConflict", '"widgets" is already in use'),
      cond("Established", "False", "NotAccepted", "not all names are accepted"),
    ]),
    h("Failed", 'names not accepted: "widgets" is already in use', "PluralConflict"),
  ],
  // Namespace and the kinds that are current once they exist
  [
    "Namespace active",
    object(
      "v1",
      "Namespace",
      "shop",
      { spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } },
      {
        namespace: undefined,
      },
    ),
    h("Current", "active"),
  ],
  [
    "Namespace being deleted",
    object(
      "v1",
      "Namespace",
      "shop",
      { status: { phase: "Terminating" } },
      { namespace: undefined, deletionTimestamp: T },
    ),
    h("Terminating", "deletion pending", "Terminating"),
  ],
  [
    "HorizontalPodAutoscaler (its conditions are not health)",
    object(
      "autoscaling/v2",
      "HorizontalPodAutoscaler",
      "web",
      {
        spec: { minReplicas: 2, maxReplicas: 5 },
        status: {
          observedGeneration: 1,
          conditions: [cond("AbleToScale", "True"), cond("ScalingActive", "False", "FailedGetResourceMetric")],
        },
      },
      { generation: 1 },
    ),
    h("Current", "current"),
  ],
  [
    "Ingress is current without a load balancer address",
    object("networking.k8s.io/v1", "Ingress", "web", { spec: { rules: [] }, status: { loadBalancer: {} } }),
    h("Current", "current"),
  ],
];

/** Freezes the whole object, so that a rule writing to its input throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe("computeHealth", () => {
  for (const [name, live, expected] of cases) {
    it(name, () => {
      assert.deepEqual(computeHealth(deepFreeze(live)), expected);
    });
  }

  it("has a rule for every kind kstatus knows, keyed by group/Kind", () => {
    const keys = [
      ["apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet", "batch/Job", "batch/CronJob"],
      ["/Pod", "/PersistentVolumeClaim", "/Service", "/Namespace", "policy/PodDisruptionBudget"],
      ["apiextensions.k8s.io/CustomResourceDefinition", "autoscaling/HorizontalPodAutoscaler"],
    ].flat();
    for (const key of keys) assert.ok(healthRules.has(key), key);
  });

  it("reports the static kinds Current even when they carry a Ready=False condition", () => {
    const kinds = [
      ["v1", "ConfigMap"],
      ["v1", "Secret"],
      ["v1", "ServiceAccount"],
      ["v1", "ResourceQuota"],
      ["v1", "LimitRange"],
      ["rbac.authorization.k8s.io/v1", "Role"],
      ["rbac.authorization.k8s.io/v1", "RoleBinding"],
      ["rbac.authorization.k8s.io/v1", "ClusterRole"],
      ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
      ["networking.k8s.io/v1", "NetworkPolicy"],
      ["networking.k8s.io/v1", "Ingress"],
    ] as const;
    for (const [apiVersion, kind] of kinds) {
      const live = object(apiVersion, kind, "x", { status: { conditions: [cond("Ready", "False", "Odd")] } });
      assert.deepEqual(computeHealth(live), h("Current", "current"), kind);
    }
  });

  it("runs a rule alone without the generic checks", () => {
    const deleting = deployment(
      { replicas: 1 },
      { ...counts(1, 1, 1), conditions: rolledOut },
      { deletionTimestamp: T },
    );
    assert.deepEqual(healthRules.get("apps/Deployment")!(deleting), h("Current", "1/1 ready"));
    const ns = object("v1", "Namespace", "shop", { status: { phase: "Terminating" } }, { namespace: undefined });
    assert.deepEqual(healthRules.get("/Namespace")!(ns), h("Terminating", "terminating", "Terminating"));
  });
});

describe("aggregateHealth", () => {
  const ok = h("Current", "2/2 ready");
  const rolling = h("InProgress", "1/2 updated", "LessUpdated");
  const crash = h("Failed", "container app: CrashLoopBackOff", "CrashLoopBackOff");
  const gone = h("NotFound", "not found", "NotFound");

  it("is Current for no items", () => {
    assert.deepEqual(aggregateHealth([]), h("Current", "no objects"));
  });

  it("is Current when every item is", () => {
    const items = [
      { ref: "a", health: ok },
      { ref: "b", health: ok },
    ];
    assert.deepEqual(aggregateHealth(items), h("Current", "2/2 current"));
  });

  it("lets Failed win wherever it is, counts each status, and names the failed item", () => {
    const items = [
      { ref: "apps/Deployment shop/web", health: rolling },
      { ref: "apps/Deployment shop/api", health: ok },
      { ref: "/Service shop/web", health: gone },
      { ref: "/Pod shop/web-1", health: crash },
    ];
    assert.deepEqual(
      aggregateHealth(items),
      h(
        "Failed",
        "3/4 not current (1 Failed, 1 InProgress, 1 NotFound); /Pod shop/web-1: container app: CrashLoopBackOff",
        "CrashLoopBackOff",
      ),
    );
  });

  it("among the not-done statuses, reports the first item", () => {
    const items = [
      { ref: "ok", health: ok },
      { ref: "/Service shop/web", health: gone },
      { ref: "apps/Deployment shop/web", health: rolling },
    ];
    assert.deepEqual(
      aggregateHealth(items),
      h("NotFound", "2/3 not current (1 InProgress, 1 NotFound); /Service shop/web: not found", "NotFound"),
    );
  });
});
