/** kaika's controllers, wired into a runtime Manager. */
import { eventRecorder, type Manager } from "../runtime/index.ts";
import { ArtifactStore } from "./artifacts.ts";
import { GitSourceKind, type GitSourceObject, GitSourceReconciler } from "./gitsource.ts";
import { reconcileRequestedAnnotation, SyncKind, type SyncObject, SyncReconciler } from "./sync.ts";

export { reconcileRequestedAnnotation, syncNameLabel, syncNamespaceLabel } from "./sync.ts";

/** Options of the controllers. */
export interface ControllerSetup {
  /** Where fetched repositories and artifacts are kept. */
  readonly dataDir: string;
  /** Concurrent reconciles per controller; default 4. */
  readonly concurrency?: number;
}

/** Adds the GitSource and Sync controllers to `manager`. */
export function addControllers(manager: Manager, setup: ControllerSetup): void {
  const { api, log } = manager;
  const artifacts = new ArtifactStore();
  const events = eventRecorder(api, "kaika", (err) => log.warn({ err }, "event not recorded"));
  const sources = manager.cache.informer<GitSourceObject>(GitSourceKind);
  const syncs = manager.cache.informer<SyncObject>(SyncKind);
  syncs.addIndex("source", (s) => [`${s.metadata.namespace}/${s.spec.sourceRef.name}`]);

  manager.add({
    name: "gitsource",
    for: GitSourceKind,
    reconciler: new GitSourceReconciler(api, sources, artifacts, setup.dataDir),
    maxConcurrentReconciles: setup.concurrency ?? 4,
    updatePredicate: specOrRequestChanged,
  });
  const reconciler = new SyncReconciler(api, syncs, artifacts, events);
  const controller = manager.add({
    name: "sync",
    for: SyncKind,
    reconciler,
    maxConcurrentReconciles: setup.concurrency ?? 4,
    updatePredicate: specOrRequestChanged,
  });
  reconciler.attach(controller);
  // A new revision of a source wakes every Sync that uses it.
  artifacts.onChange((source) => {
    for (const sync of syncs.byIndex("source", source)) {
      controller.queue.add(`${sync.metadata.namespace}/${sync.metadata.name}`);
    }
  });
}

/** Status writes do not re-trigger: only a new generation or a reconcile request does. */
function specOrRequestChanged(
  previous: { metadata: { generation?: number | undefined; annotations?: Record<string, string> | undefined } },
  object: typeof previous,
): boolean {
  return (
    previous.metadata.generation !== object.metadata.generation ||
    previous.metadata.annotations?.[reconcileRequestedAnnotation] !==
      object.metadata.annotations?.[reconcileRequestedAnnotation]
  );
}
