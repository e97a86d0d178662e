/** kaika's controllers, wired into a runtime Manager. */

import { ReadinessPolicyKind } from "../api/readiness-policy.ts";
import { LiveCache } from "../apply/live-cache.ts";
import type { AuditMetrics } from "../audit/index.ts";
import { ClusterWorkPool } from "../fleet/pool.ts";
import { Shards } from "../fleet/shards.ts";
import { FleetState } from "../fleet/state.ts";
import type { SloGate } from "../fleet/waves.ts";
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk } from "../kube/types.ts";
import { eventRecorder, type Manager } from "../runtime/index.ts";
import type { HookTarget } from "../server/webhook.ts";
import { ArtifactStore } from "./artifacts.ts";
import { ClusterKind, type ClusterObject, ClusterReconciler } from "./cluster.ts";
import { FleetSyncer, promoteRequestedAnnotation, retryRequestedAnnotation } from "./fleet-sync.ts";
import { FleetWorker, type LedgerSink } from "./fleet-worker.ts";
import { GitSourceKind, type GitSourceObject, GitSourceReconciler } from "./gitsource.ts";
import { LiveNamespaces } from "./live-namespaces.ts";
import { FullResyncClock } from "./resync.ts";
import { reconcileRequestedAnnotation } from "./status.ts";
import { SyncKind, type SyncObject, SyncReconciler, syncNameLabel, syncNamespaceLabel } from "./sync.ts";

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
  /** Which fleet clusters this replica handles; default all. */
  readonly shards?: Shards | undefined;
  /** Registers a callback for when this replica's shards change. */
  readonly onShardsChange?: ((callback: () => void) => void) | undefined;
  /** Audit each fleet cluster this often, into its status and these metrics; off when unset. */
  readonly fleetAudit?: { intervalMs: number; metrics: AuditMetrics; systemNamespace: string } | undefined;
  /** This replica's identity (Cluster status.handledBy). */
  readonly identity?: string | undefined;
  /** Syncs without spec.serviceAccountName apply as this ServiceAccount of their namespace; unset: as kaika. */
  readonly defaultServiceAccount?: string | undefined;
  /** How often each Sync (and each fleet cluster's run) dry-runs every object; default 1 h, jittered ±10 %. */
  readonly fullResyncIntervalMs?: number | undefined;
}

/** What the controllers offer the webhook receiver. */
export interface ControllerHandles {
  /** Fetches a GitSource now. */
  triggerSource(namespace: string, name: string): void;
  /** The webhook token and branch of a GitSource, or undefined without a webhook. */
  webhookTarget(namespace: string, name: string): Promise<HookTarget | undefined>;
  /** Closes the fleet's cluster clients and watches; call after the manager stopped. */
  close(): Promise<void>;
  /** The GitSources' fetched artifacts (latest and recent revisions), for the dashboard's diffs. */
  readonly artifacts: ArtifactStore;
  /** Fetches an earlier revision ("main@sha1:…") of GitSource "namespace/name" into `artifacts`; false when it is gone. */
  fetchRevision(source: string, revision: string): Promise<boolean>;
}

/** Adds the GitSource and Sync controllers to `manager`. */
export function addControllers(manager: Manager, setup: ControllerSetup): ControllerHandles {
  const { api, log } = manager;
  const artifacts = new ArtifactStore();
  const events = eventRecorder(api, "kaika", (err) => log.warn({ err }, "event not recorded"));
  const sources = manager.cache.informer<GitSourceObject>(GitSourceKind);
  const syncs = manager.cache.informer<SyncObject>(SyncKind);
  syncs.addIndex("source", (s) => [`${s.metadata.namespace}/${s.spec.sourceRef.name}`]);

  const gitSources = new GitSourceReconciler(api, sources, artifacts, setup.dataDir, () => manager.isLeader());
  const sourceController = manager.add({
    name: "gitsource",
    for: GitSourceKind,
    // Every replica fetches (its fleet workers apply the trees); the leader reports.
    needLeaderElection: false,
    reconciler: gitSources,
    maxConcurrentReconciles: setup.concurrency ?? 4,
    updatePredicate: specOrRequestChanged,
  });
  const policies = manager.cache.informer(ReadinessPolicyKind);
  // What the Syncs applied, watched by their labels: a hand change or deletion wakes the owning Sync,
  // whose next sync re-applies just that object.
  const live = new LiveCache(api, {
    labelSelector: syncNameLabel,
    onChange: (o) => {
      const name = o.metadata.labels?.[syncNameLabel];
      const namespace = o.metadata.labels?.[syncNamespaceLabel];
      if (name && namespace) controller.queue.add(`${namespace}/${name}`);
    },
  });
  const liveStop = new AbortController();
  live.start(liveStop.signal);
  const resync = new FullResyncClock(setup.fullResyncIntervalMs);
  // A Namespace change re-queues the Syncs whose dynamic NamespaceSelectors read the labels.
  const liveNamespaces = new LiveNamespaces(manager.cache, (key) => controller.queue.add(key));
  const reconciler = new SyncReconciler(api, syncs, artifacts, events, () => policies.list(), {
    defaultServiceAccount: setup.defaultServiceAccount,
    liveNamespaces: (key) => liveNamespaces.labels(key),
    live,
    resync,
  });
  const controller = manager.add({
    name: "sync",
    for: SyncKind,
    reconciler,
    maxConcurrentReconciles: setup.concurrency ?? 4,
    updatePredicate: specOrRequestChanged,
  });

  // The fleet. Every replica probes and applies to the Clusters of its shards (the worker); the leader's
  // Sync controller plans the rollouts. They talk through status: Sync desiredRevision → Cluster syncs.
  const fleet = new FleetState();
  const shards = setup.shards ?? Shards.single();
  const clusters = manager.cache.informer<ClusterObject>(ClusterKind);
  const wakeTargeting = (namespace: string): void => {
    for (const sync of FleetSyncer.targeting(syncs.list(), namespace))
      controller.queue.add(`${namespace}/${sync.metadata.name}`);
  };
  const worker = new FleetWorker({
    syncs,
    fleet,
    pool: new ClusterWorkPool(setup.fleetConcurrency),
    artifacts,
    requeue: (namespace, name) => clusterController.queue.add(`${namespace}/${name}`),
    labels: SyncReconciler.labels,
    policies: () => policies.list(),
    ledger: setup.ledger,
    fetchRevision: (source, revision) => gitSources.fetchRevision(source, revision),
    resync,
  });
  const clusterController = manager.add({
    name: "cluster",
    for: ClusterKind,
    needLeaderElection: false,
    reconciler: new ClusterReconciler(api, clusters, fleet, {
      probeIntervalMs: setup.clusterProbeIntervalMs ?? 10_000,
      shards,
      identity: setup.identity ?? "kaika",
      onReachable: (namespace) => wakeTargeting(namespace),
      work: (cluster, connection, log) => worker.work(cluster, connection, log),
      audit: setup.fleetAudit ? { ...setup.fleetAudit, policies: () => policies.list() } : undefined,
    }),
    maxConcurrentReconciles: setup.concurrency ?? 4,
    updatePredicate: specOrRequestChanged,
  });
  const wakeClusters = (namespace: string): void => {
    for (const c of clusters.list())
      if (c.metadata.namespace === namespace) clusterController.queue.add(`${namespace}/${c.metadata.name}`);
  };
  // A shard gained or lost: its clusters are (or stop being) this replica's.
  setup.onShardsChange?.(() => {
    for (const c of clusters.list()) clusterController.queue.add(`${c.metadata.namespace}/${c.metadata.name}`);
  });
  // A Cluster added, removed, relabelled, or reporting new runs or reachability wakes the Syncs targeting it.
  const reported = (c: ClusterObject): string => JSON.stringify([c.status?.reachable, c.status?.syncs]);
  clusters.addHandler({
    onAdd: (c) => wakeTargeting(c.metadata.namespace ?? ""),
    onDelete: (c) => wakeTargeting(c.metadata.namespace ?? ""),
    onUpdate: (before, c) => {
      if (
        JSON.stringify(before.metadata.labels) !== JSON.stringify(c.metadata.labels) ||
        before.spec.suspend !== c.spec.suspend ||
        reported(before) !== reported(c)
      )
        wakeTargeting(c.metadata.namespace ?? "");
    },
  });
  // A rollout's new wishes wake the workers of its clusters.
  const desired = (s: SyncObject): string => JSON.stringify(s.status?.clusters?.map((c) => c.desiredRevision));
  syncs.addHandler({
    onUpdate: (before, s) => {
      if (s.spec.targets?.length && desired(before) !== desired(s)) wakeClusters(s.metadata.namespace ?? "");
    },
  });
  const fleetSyncer = new FleetSyncer({ api, clusters, fleet, events, sloGate: setup.sloGate });
  reconciler.attach(fleetSyncer);
  // A new revision of a source wakes every Sync that uses it.
  artifacts.onChange((source) => {
    for (const sync of syncs.byIndex("source", source)) {
      controller.queue.add(`${sync.metadata.namespace}/${sync.metadata.name}`);
    }
  });
  return {
    close: async () => {
      liveStop.abort();
      await Promise.all([fleet.close(), live.stopped()]);
    },
    artifacts,
    fetchRevision: (source, revision) => gitSources.fetchRevision(source, revision),
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
