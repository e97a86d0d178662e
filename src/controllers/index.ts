/** kaika's controllers, wired into a runtime Manager. */
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk } from "../kube/types.ts";
import { eventRecorder, type Manager } from "../runtime/index.ts";
import type { HookTarget } from "../server/webhook.ts";
import { ArtifactStore } from "./artifacts.ts";
import { GitSourceKind, type GitSourceObject, GitSourceReconciler } from "./gitsource.ts";
import { reconcileRequestedAnnotation } from "./status.ts";
import { SyncKind, type SyncObject, SyncReconciler } from "./sync.ts";

export { GitSourceKind } from "./gitsource.ts";
export { reconcileRequestedAnnotation } from "./status.ts";
export { SyncKind, syncNameLabel, syncNamespaceLabel } from "./sync.ts";

/** Options of the controllers. */
export interface ControllerSetup {
  /** Where fetched repositories and artifacts are kept. */
  readonly dataDir: string;
  /** Concurrent reconciles per controller; default 4. */
  readonly concurrency?: number;
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
