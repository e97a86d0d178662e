/** Health of live objects as kstatus computes it: generic checks, then a table of pure rules keyed by group/kind. */

import { gvkOf, type KubeObject } from "../kube/types.ts";

/** kstatus's statuses: Current is done, Failed will not get better by waiting, the rest may still change. */
export type HealthStatus = "InProgress" | "Failed" | "Current" | "Terminating" | "NotFound" | "Unknown";

/** The health of one object (or of many, from aggregateHealth). `reason` is a CamelCase code, as kstatus sets. */
export interface Health {
  status: HealthStatus;
  message: string;
  reason?: string;
}

/** One entry of status.conditions as read here; reason and message default to "". */
interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** A field of the object has the wrong type; computeHealth answers Unknown, as kstatus does on a read error. */
class FieldError extends Error {
  readonly path: string;
  constructor(path: string, expected: string) {
    super(`${path} is not ${expected}`);
    this.name = "FieldError";
    this.path = path;
  }
}

function field(object: KubeObject, path: string): unknown {
  let value: unknown = object;
  let walked = "";
  for (const key of path.split(".")) {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) throw new FieldError(walked, "an object");
    value = (value as Record<string, unknown>)[key];
    walked = walked ? `${walked}.${key}` : key;
  }
  return value ?? undefined;
}

function int<D extends number | undefined>(object: KubeObject, path: string, fallback: D): number | D {
  const value = field(object, path);
  if (value === undefined) return fallback;
  if (!Number.isInteger(value)) throw new FieldError(path, "an integer");
  return value as number;
}

function str(object: KubeObject, path: string, fallback = ""): string {
  const value = field(object, path);
  if (value === undefined) return fallback;
  if (typeof value !== "string") throw new FieldError(path, "a string");
  return value;
}

function list(object: KubeObject, path: string): Record<string, unknown>[] {
  const value = field(object, path);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new FieldError(path, "a list");
  return value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v));
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function conditions(object: KubeObject): Condition[] {
  return list(object, "status.conditions")
    .filter((c) => typeof c.type === "string")
    .map((c) => ({ type: text(c.type), status: text(c.status), reason: text(c.reason), message: text(c.message) }));
}

function condition(object: KubeObject, type: string): Condition | undefined {
  return conditions(object).find((c) => c.type === type);
}

function health(status: HealthStatus, message: string, reason?: string): Health {
  return reason ? { status, message, reason } : { status, message };
}

const current = (message: string): Health => health("Current", message);
const inProgress = (message: string, reason: string): Health => health("InProgress", message, reason);
const failed = (message: string, reason: string): Health => health("Failed", message, reason);

/** A count that lags its target: [lagging?, kstatus reason, message part]. */
type Lag = readonly [boolean, string, string];

/** InProgress naming every lagging count, with the first lag's reason; undefined when none lags. */
function lagging(lags: readonly Lag[]): Health | undefined {
  const behind = lags.filter(([late]) => late);
  if (behind.length === 0) return undefined;
  return inProgress(behind.map(([, , part]) => part).join(", "), behind[0]![1]);
}

function deployment(o: KubeObject): Health {
  const progressing = condition(o, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    const detail = progressing.message ? `: ${progressing.message}` : "";
    return failed(`progress deadline exceeded${detail}`, "ProgressDeadlineExceeded");
  }
  const spec = int(o, "spec.replicas", 1);
  const replicas = int(o, "status.replicas", 0);
  const updated = int(o, "status.updatedReplicas", 0);
  const ready = int(o, "status.readyReplicas", 0);
  const available = int(o, "status.availableReplicas", 0);
  const lag = lagging([
    [updated < spec, "LessUpdated", `${updated}/${spec} updated`],
    [ready < spec, "LessReady", `${ready}/${spec} ready`],
    [available < spec, "LessAvailable", `${available}/${spec} available`],
    [replicas > updated, "ExtraPods", `${replicas - updated} old pending termination`],
    [replicas <= updated && replicas > spec, "ExtraPods", `${replicas - spec} extra pending termination`],
  ]);
  if (lag) return lag;
  // Without a deadline the controller never sets Progressing (MaxInt32 is how "no deadline" is spelled).
  const deadline = int(o, "spec.progressDeadlineSeconds", undefined);
  const noDeadline = deadline === undefined || deadline === 2147483647;
  if (!noDeadline && !(progressing?.status === "True" && progressing.reason === "NewReplicaSetAvailable")) {
    return inProgress("new ReplicaSet not yet reported available", "ReplicaSetNotAvailable");
  }
  if (condition(o, "Available")?.status !== "True") {
    return inProgress("Available condition not True", "DeploymentNotAvailable");
  }
  return current(`${ready}/${spec} ready`);
}

function statefulSet(o: KubeObject): Health {
  const spec = int(o, "spec.replicas", 1);
  const replicas = int(o, "status.replicas", 0);
  const ready = int(o, "status.readyReplicas", 0);
  const updated = int(o, "status.updatedReplicas", 0);
  const onDelete = str(o, "spec.updateStrategy.type", "RollingUpdate") === "OnDelete";
  const partition = int(o, "spec.updateStrategy.rollingUpdate.partition", 0);
  // Pods below the partition ordinal keep the old revision on purpose; only the rest must be updated.
  const toUpdate = onDelete ? 0 : Math.max(0, spec - partition);
  const lag = lagging([
    [replicas < spec, "LessReplicas", `${replicas}/${spec} created`],
    [ready < spec, "LessReady", `${ready}/${spec} ready`],
    [replicas > spec, "ExtraPods", `${replicas - spec} extra pending termination`],
    [updated < toUpdate, partition > 0 ? "PartitionRollout" : "LessUpdated", `${updated}/${toUpdate} updated`],
  ]);
  if (lag) return lag;
  if (onDelete) return current(`${ready}/${spec} ready (OnDelete: updates wait for pod deletion)`);
  if (partition > 0) return current(`${ready}/${spec} ready, ${updated} updated above partition ${partition}`);
  const revision = str(o, "status.updateRevision");
  if (str(o, "status.currentRevision") !== revision) {
    return inProgress(`waiting for revision ${revision} to become current`, "RevisionMismatch");
  }
  return current(`${ready}/${spec} ready`);
}

function daemonSet(o: KubeObject): Health {
  const desired = int(o, "status.desiredNumberScheduled", undefined);
  if (desired === undefined) return inProgress("desired number of pods not reported yet", "NoDesiredNumber");
  const scheduled = int(o, "status.currentNumberScheduled", 0);
  const updated = int(o, "status.updatedNumberScheduled", 0);
  const available = int(o, "status.numberAvailable", 0);
  const ready = int(o, "status.numberReady", 0);
  return (
    lagging([
      [scheduled < desired, "LessCurrent", `${scheduled}/${desired} scheduled`],
      [updated < desired, "LessUpdated", `${updated}/${desired} updated`],
      [available < desired, "LessAvailable", `${available}/${desired} available`],
      [ready < desired, "LessReady", `${ready}/${desired} ready`],
    ]) ?? current(`${ready}/${desired} ready`)
  );
}

function replicaSet(o: KubeObject): Health {
  const failure = condition(o, "ReplicaFailure");
  if (failure?.status === "True") return inProgress(failure.message || "replica failure", "ReplicaFailure");
  const spec = int(o, "spec.replicas", 1);
  const replicas = int(o, "status.replicas", 0);
  const labelled = int(o, "status.fullyLabeledReplicas", 0);
  const available = int(o, "status.availableReplicas", 0);
  const ready = int(o, "status.readyReplicas", 0);
  return (
    lagging([
      [labelled < spec, "LessLabelled", `${labelled}/${spec} labelled`],
      [available < spec, "LessAvailable", `${available}/${spec} available`],
      [ready < spec, "LessReady", `${ready}/${spec} ready`],
      [replicas > spec, "ExtraPods", `${replicas - spec} extra pending termination`],
    ]) ?? current(`${ready}/${spec} ready`)
  );
}

function job(o: KubeObject): Health {
  const completions = int(o, "spec.completions", undefined);
  const succeeded = int(o, "status.succeeded", 0);
  const active = int(o, "status.active", 0);
  const failedPods = int(o, "status.failed", 0);
  const done = completions === undefined ? `${succeeded} succeeded` : `${succeeded}/${completions} succeeded`;
  for (const c of conditions(o)) {
    if (c.type === "Complete" && c.status === "True") return current(`complete, ${done}`);
    if (c.type === "Failed" && c.status === "True") {
      return failed(c.message || `${failedPods} pods failed`, c.reason || "JobFailed");
    }
  }
  if (!str(o, "status.startTime")) {
    return inProgress(field(o, "spec.suspend") === true ? "suspended" : "not started", "JobNotStarted");
  }
  const failures = failedPods > 0 ? `, ${failedPods} failed` : "";
  return inProgress(`${active} active, ${done}${failures}`, "JobInProgress");
}

/** Container waiting reasons that will not clear by waiting. */
const stuckReasons = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
]);

function containerStatuses(o: KubeObject): Record<string, unknown>[] {
  return [...list(o, "status.initContainerStatuses"), ...list(o, "status.containerStatuses")];
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

/** "container app: CrashLoopBackOff (last exit 1: Error)" for each container stuck waiting. */
function stuckContainers(o: KubeObject): Health | undefined {
  const stuck: { reason: string; line: string }[] = [];
  for (const cs of containerStatuses(o)) {
    const waiting = record(record(cs.state).waiting);
    const reason = text(waiting.reason);
    if (!stuckReasons.has(reason)) continue;
    // The kubelet's back-off message names the pod's uid, not the cause; the last exit does.
    const last = record(record(cs.lastState).terminated);
    const detail =
      reason === "CrashLoopBackOff"
        ? typeof last.exitCode === "number"
          ? `last exit ${last.exitCode}${last.reason ? `: ${text(last.reason)}` : ""}`
          : ""
        : text(waiting.message);
    stuck.push({ reason, line: `container ${text(cs.name)}: ${reason}${detail ? ` (${detail})` : ""}` });
  }
  if (stuck.length === 0) return undefined;
  return failed(stuck.map((s) => s.line).join("; "), stuck[0]!.reason);
}

function pod(o: KubeObject): Health {
  const phase = str(o, "status.phase");
  switch (phase) {
    case "Succeeded":
      return current("succeeded");
    case "Failed": {
      const why = str(o, "status.message") || str(o, "status.reason");
      return failed(why ? `failed: ${why}` : "failed", str(o, "status.reason") || "PodFailed");
    }
    case "Running": {
      if (condition(o, "Ready")?.status === "True") return current("ready");
      const unready = containerStatuses(o)
        .filter((cs) => cs.ready === false)
        .map((cs) => text(cs.name));
      const message = unready.length > 0 ? `containers not ready: ${unready.join(", ")}` : "running, not ready";
      return stuckContainers(o) ?? inProgress(message, "PodRunningNotReady");
    }
    case "Pending": {
      const stuck = stuckContainers(o);
      if (stuck) return stuck;
      const scheduled = condition(o, "PodScheduled");
      if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
        return inProgress(`unschedulable: ${scheduled.message || "no node fits"}`, "Unschedulable");
      }
      const waiting = containerStatuses(o)
        .map((cs) => [text(cs.name), text(record(record(cs.state).waiting).reason)] as const)
        .filter(([, reason]) => reason);
      const detail = waiting.map(([name, reason]) => `container ${name}: ${reason}`).join(", ");
      return inProgress(detail ? `pending, ${detail}` : "pending", "PodPending");
    }
    case "":
      return inProgress("phase not reported yet", "PodNotObserved");
    default:
      return health("Unknown", `phase ${phase}`, "UnknownPhase");
  }
}

function persistentVolumeClaim(o: KubeObject): Health {
  const phase = str(o, "status.phase");
  return phase === "Bound" ? current("bound") : inProgress(`not bound (phase ${phase || "unset"})`, "NotBound");
}

function service(o: KubeObject): Health {
  if (str(o, "spec.type", "ClusterIP") !== "LoadBalancer") return current("ready");
  const ingress = list(o, "status.loadBalancer.ingress");
  if (ingress.length === 0) return inProgress("waiting for a load balancer address", "NoLoadBalancerAddress");
  const addresses = ingress.map((i) => text(i.ip) || text(i.hostname)).filter(Boolean);
  return current(addresses.length > 0 ? `load balancer at ${addresses.join(", ")}` : "load balancer ready");
}

function podDisruptionBudget(o: KubeObject): Health {
  // A PDB's counts read 0/0 until the controller first writes them: that is not "met".
  if (field(o, "metadata.generation") !== undefined && field(o, "status.observedGeneration") === undefined) {
    return inProgress("not observed by the disruption controller yet", "NotObserved");
  }
  const healthy = int(o, "status.currentHealthy", 0);
  const desired = int(o, "status.desiredHealthy", 0);
  if (healthy < desired) return inProgress(`budget not met: ${healthy}/${desired} healthy`, "BudgetNotMet");
  return current(`budget met: ${healthy}/${desired} healthy`);
}

function customResourceDefinition(o: KubeObject): Health {
  const names = condition(o, "NamesAccepted");
  if (names?.status === "False") {
    return failed(`names not accepted: ${names.message || names.reason}`, names.reason || "NamesNotAccepted");
  }
  const established = condition(o, "Established");
  if (established?.status === "True") return current("established");
  if (established?.status === "False" && established.reason !== "Installing") {
    return failed(
      `not established: ${established.message || established.reason}`,
      established.reason || "NotEstablished",
    );
  }
  return inProgress("installing", "Installing");
}

function namespace(o: KubeObject): Health {
  const phase = str(o, "status.phase", "Active");
  return phase === "Terminating" ? health("Terminating", "terminating", "Terminating") : current(phase.toLowerCase());
}

const alwaysCurrent = (): Health => current("current");

/**
 * The kind-specific rules, keyed by "group/Kind" ("/Pod" for the core group). Each one is pure and
 * reads only its object. computeHealth runs the generic checks (deletion, observedGeneration,
 * Reconciling, Stalled) before these, so a rule called alone skips them.
 */
export const healthRules: ReadonlyMap<string, (o: KubeObject) => Health> = new Map<string, (o: KubeObject) => Health>([
  ["apps/Deployment", deployment],
  ["extensions/Deployment", deployment],
  ["apps/StatefulSet", statefulSet],
  ["apps/DaemonSet", daemonSet],
  ["extensions/DaemonSet", daemonSet],
  ["apps/ReplicaSet", replicaSet],
  ["extensions/ReplicaSet", replicaSet],
  ["batch/Job", job],
  ["batch/CronJob", alwaysCurrent],
  ["/Pod", pod],
  ["/PersistentVolumeClaim", persistentVolumeClaim],
  ["/Service", service],
  ["/Namespace", namespace],
  ["policy/PodDisruptionBudget", podDisruptionBudget],
  ["apiextensions.k8s.io/CustomResourceDefinition", customResourceDefinition],
  ["autoscaling/HorizontalPodAutoscaler", alwaysCurrent],
  ["/ConfigMap", alwaysCurrent],
  ["/Secret", alwaysCurrent],
  ["/ServiceAccount", alwaysCurrent],
  ["/ResourceQuota", alwaysCurrent],
  ["/LimitRange", alwaysCurrent],
  ["rbac.authorization.k8s.io/Role", alwaysCurrent],
  ["rbac.authorization.k8s.io/RoleBinding", alwaysCurrent],
  ["rbac.authorization.k8s.io/ClusterRole", alwaysCurrent],
  ["rbac.authorization.k8s.io/ClusterRoleBinding", alwaysCurrent],
  ["networking.k8s.io/NetworkPolicy", alwaysCurrent],
  ["networking.k8s.io/Ingress", alwaysCurrent],
]);

/** kstatus's checkGenericProperties: deletion, generation, then Reconciling/Stalled in condition order. */
function generic(o: KubeObject): Health | undefined {
  if (str(o, "metadata.deletionTimestamp")) {
    const finalizers = o.metadata.finalizers ?? [];
    const waiting = finalizers.length > 0 ? `, waiting on finalizers: ${finalizers.join(", ")}` : "";
    return health("Terminating", `deletion pending${waiting}`, "Terminating");
  }
  const generation = int(o, "metadata.generation", undefined);
  const observed = int(o, "status.observedGeneration", undefined);
  if (generation !== undefined && observed !== undefined && observed !== generation) {
    return inProgress(`generation ${generation} not observed yet, at ${observed}`, "LatestGenerationNotObserved");
  }
  for (const c of conditions(o)) {
    if (c.status !== "True") continue;
    if (c.type === "Reconciling") return inProgress(c.message || "reconciling", c.reason || "Reconciling");
    if (c.type === "Stalled") return failed(c.message || "stalled", c.reason || "Stalled");
  }
  return undefined;
}

/** Objects without a rule: the Ready condition if there is one (kaika's addition to kstatus), else Current. */
function readyCondition(o: KubeObject): Health {
  const ready = condition(o, "Ready");
  if (!ready) return current("current");
  if (ready.status === "True") return current(ready.message || "ready");
  return inProgress(ready.message || `Ready is ${ready.status || "unset"}`, ready.reason || "NotReady");
}

/**
 * Computes the health of one live object, as kstatus's status.Compute: undefined is NotFound; a
 * deletionTimestamp is Terminating; an unobserved generation or Reconciling=True is InProgress;
 * Stalled=True is Failed; then the kind's rule in healthRules, else the Ready condition, else Current.
 * A field of the wrong type gives Unknown. Pure: no I/O, the object is not modified.
 */
export function computeHealth(object: KubeObject | undefined): Health {
  if (object === undefined) return health("NotFound", "not found", "NotFound");
  try {
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      throw new FieldError("apiVersion/kind", "a string");
    }
    const { group, kind } = gvkOf(object);
    return generic(object) ?? (healthRules.get(`${group}/${kind}`) ?? readyCondition)(object);
  } catch (error) {
    if (error instanceof FieldError) return health("Unknown", error.message, "InvalidField");
    throw error;
  }
}

const rank: Record<HealthStatus, number> = {
  Current: 0,
  InProgress: 1,
  Terminating: 1,
  Unknown: 1,
  NotFound: 1,
  Failed: 2,
};

const summaryOrder: readonly HealthStatus[] = ["Failed", "InProgress", "Terminating", "Unknown", "NotFound", "Current"];

/**
 * Aggregates many healths: the worst wins (Failed, then InProgress/Terminating/Unknown/NotFound, then
 * Current); among equals the first in `items` is reported. The message counts each status and names
 * the reported item: "2/3 not current (1 Failed, 1 InProgress); apps/Deployment shop/web: ...".
 * No items is Current.
 */
export function aggregateHealth(items: readonly { ref: string; health: Health }[]): Health {
  if (items.length === 0) return current("no objects");
  let worst = items[0]!;
  for (const item of items) if (rank[item.health.status] > rank[worst.health.status]) worst = item;
  const counts = new Map<HealthStatus, number>();
  for (const { health } of items) counts.set(health.status, (counts.get(health.status) ?? 0) + 1);
  const notCurrent = items.length - (counts.get("Current") ?? 0);
  if (notCurrent === 0) return current(`${items.length}/${items.length} current`);
  const tally = summaryOrder
    .filter((s) => s !== "Current" && counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(", ");
  const message = `${notCurrent}/${items.length} not current (${tally}); ${worst.ref}: ${worst.health.message}`;
  return health(worst.health.status, message, worst.health.reason);
}
