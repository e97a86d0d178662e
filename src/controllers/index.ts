/** kaika's controllers, wired into a runtime Manager. */

import { ReadinessPolicyKind } from "../api/readiness-policy.ts";
import { ClusterWorkPool } from "../fleet/pool.ts";
import { FleetState } from "../fleet/state.ts";
import type { SloGate } from "../fleet/waves.ts";
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk } from "../kube/types.ts";
import { eventRecorder, type Manager } from "../runtime/index.ts";
import type { HookTarget } from "../server/webhook.ts";
import { ArtifactStore } from "./artifacts.ts";
import { ClusterKind, type ClusterObject, ClusterReconciler } from "./cluster.ts";
import { FleetSyncer, type LedgerSink, promoteRequestedAnnotation, retryRequestedAnnotation } from "./fleet-sync.ts";
import { GitSourceKind, type GitSourceObject, GitSourceReconciler } from "./gitsource.ts";
import { reconcileRequestedAnnotation } from "./status.ts";
import { SyncKind, type SyncObject, SyncReconciler } from "./sync.ts";

export { ClusterKind } from "./cluster.ts";
export { promoteRequestedAnnotation, retryRequestedAnnotation } from "./fleet-sync.ts";
export { GitSourceKind } from "./gitsource.ts";
export { reconcileRequestedAnnotation } from "./status.ts";
export { SyncKind, syncNameLabel, syncNamespaceLabel } from "./sync.ts";

/** Options of the controllers. */
export interface ControllerSetup {
  /** Where fetched repositories and artifacts are kept. */
  readonly dataDir: string;
  /** Concurrent reconciles per controller; default 4. */
  readonly concurrency?: number;
  /** How often each fleet Cluster is probed; default 10 s. */
  readonly clusterProbeIntervalMs?: number;
  /** Applies to fleet clusters at once, overall and per cluster; default 8 and 2. */
  readonly fleetConcurrency?: { overall?: number; perCluster?: number };
  /** Where applied versions are recorded. */
  readonly ledger?: LedgerSink | undefined;
  /** The SLO gate of rollout waves. */
  readonly sloGate?: SloGate | undefined;
}

/** What the controllers offer the webhook receiver. */
export interface ControllerHandles {
  /** Fetches a GitSource now. */
  triggerSource(namespace: string, name: string): void;
  /** The webhook token and branch of a GitSource, or undefined without a webhook. */
  webhookTarget(namespace: string, name: string): Promise<HookTarget | undefined>;
}

/** Adds the GitSource and Sync controllers to `manager`. */
export function addControllers(manager: Manager, setup: ControllerSetup): ControllerHandles {
  const { api, log } = manager;
  const artifacts = new ArtifactStore();
  const events = eventRecorder(api, "kaika", (err) => log.warn({ err }, "event not recorded"));
  const sources = manager.cache.informer<GitSourceObject>(GitSourceKind);
  const syncs = manager.cache.informer<SyncObject>(SyncKind);
  syncs.addIndex("source", (s) => [`${s.metadata.namespace}/${s.spec.sourceRef.name}`]);

  const sourceController = manager.add({
    name: "gitsource",
    for: GitSourceKind,
    reconciler: new GitSourceReconciler(api, sources, artifacts, setup.dataDir),
    maxConcurrentReconciles: setup.concurrency ?? 4,
    updatePredicate: specOrRequestChanged,
  });
  const policies = manager.cache.informer(ReadinessPolicyKind);
  const reconciler = new SyncReconciler(api, syncs, artifacts, events, () => policies.list());
  const controller = manager.add({
    name: "sync",
    for: SyncKind,
    reconciler,
    maxConcurrentReconciles: setup.concurrency ?? 4,
    updatePredicate: specOrRequestChanged,
  });

  // The fleet: Clusters probed into the shared state; Syncs with targets roll out across them.
  const fleet = new FleetState();
  const clusters = manager.cache.informer<ClusterObject>(ClusterKind);
  const wakeTargeting = (namespace: string): void => {
    for (const sync of FleetSyncer.targeting(syncs.list(), namespace))
      controller.queue.add(`${namespace}/${sync.metadata.name}`);
  };
  const clusterController = manager.add({
    name: "cluster",
    for: ClusterKind,
    reconciler: new ClusterReconciler(api, clusters, fleet, {
      probeIntervalMs: setup.clusterProbeIntervalMs ?? 10_000,
      onReachable: (namespace) => wakeTargeting(namespace),
    }),
    maxConcurrentReconciles: setup.concurrency ?? 4,
    updatePredicate: specOrRequestChanged,
  });
  // A Cluster added, removed or relabelled changes which Syncs target it.
  clusters.addHandler({
    onAdd: (c) => wakeTargeting(c.metadata.namespace ?? ""),
    onDelete: (c) => wakeTargeting(c.metadata.namespace ?? ""),
    onUpdate: (before, c) => {
      if (
        JSON.stringify(before.metadata.labels) !== JSON.stringify(c.metadata.labels) ||
        before.spec.suspend !== c.spec.suspend
      )
        wakeTargeting(c.metadata.namespace ?? "");
    },
  });
  const fleetSyncer = new FleetSyncer({
    clusters,
    fleet,
    pool: new ClusterWorkPool(setup.fleetConcurrency),
    artifacts,
    events,
    enqueue: (key) => controller.queue.add(key),
    probe: (namespace, name) => clusterController.queue.add(`${namespace}/${name}`),
    labels: SyncReconciler.labels,
    policies: () => policies.list(),
    ledger: setup.ledger,
    sloGate: setup.sloGate,
  });
  reconciler.attach(controller, fleetSyncer);
  // A new revision of a source wakes every Sync that uses it.
  artifacts.onChange((source) => {
    for (const sync of syncs.byIndex("source", source)) {
      controller.queue.add(`${sync.metadata.namespace}/${sync.metadata.name}`);
    }
  });
  return {
    triggerSource: (namespace, name) => sourceController.queue.add(`${namespace}/${name}`),
    webhookTarget: async (namespace, name) => {
      const source = sources.get(`${namespace}/${name}`);
      const secretName = source?.spec.webhook?.secretRef.name;
      if (!source || !secretName) return undefined;
      const token = await readSecretKey(api, namespace, secretName, "token");
      return token ? { token, branch: source.spec.ref?.branch } : undefined;
    },
  };
}

// Annotations that ask for action: reconcile now, promote or retry a rollout.
const requestAnnotations = [reconcileRequestedAnnotation, promoteRequestedAnnotation, retryRequestedAnnotation];

/** Status writes do not re-trigger: only a new generation or a reconcile request does. */
function specOrRequestChanged(
  previous: { metadata: { generation?: number | undefined; annotations?: Record<string, string> | undefined } },
  object: typeof previous,
): boolean {
  return (
    previous.metadata.generation !== object.metadata.generation ||
    requestAnnotations.some((a) => previous.metadata.annotations?.[a] !== object.metadata.annotations?.[a])
  );
}

/** One key of a Secret, decoded; undefined when the Secret or key is missing. */
async function readSecretKey(api: KubeApi, namespace: string, name: string, key: string): Promise<string | undefined> {
  try {
    const secret = await api.get(gvk("v1", "Secret"), name, namespace);
    const value = (secret.data as Record<string, string> | undefined)?.[key];
    return value ? Buffer.from(value, "base64").toString("utf8") : undefined;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
