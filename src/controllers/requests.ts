/**
 * What people ask of the controllers, as patches: reconcile now, suspend or resume a Sync, pause,
 * resume or promote its rollout. The CLI and the dashboard send the same patches.
 */
import type { KubeApi } from "../kube/api.ts";
import type { GroupVersionKind } from "../kube/types.ts";
import { promoteRequestedAnnotation, retryRequestedAnnotation } from "./fleet-sync.ts";
import { reconcileRequestedAnnotation } from "./status.ts";
import { SyncKind } from "./sync.ts";

/** Asks for a reconcile of a GitSource or Sync now; returns the annotation's value (status.lastHandledReconcileAt echoes it). */
export async function requestReconcile(
  api: KubeApi,
  kind: GroupVersionKind,
  namespace: string,
  name: string,
  at: Date = new Date(),
): Promise<string> {
  const requested = at.toISOString();
  await api.patch(kind, name, namespace, { metadata: { annotations: { [reconcileRequestedAnnotation]: requested } } });
  return requested;
}

/** Sets or clears a Sync's spec.suspend (a suspended Sync is not reconciled). */
export async function setSyncSuspended(api: KubeApi, namespace: string, name: string, suspend: boolean): Promise<void> {
  await api.patch(SyncKind, name, namespace, { spec: { suspend } }, "merge");
}

/** Sets spec.rollout.paused: no further cluster or wave starts. */
export async function pauseRollout(api: KubeApi, namespace: string, name: string): Promise<void> {
  await api.patch(SyncKind, name, namespace, { spec: { rollout: { paused: true } } }, "merge");
}

/** Clears the pause and retries a halted wave; returns the retry annotation's value. */
export async function resumeRollout(
  api: KubeApi,
  namespace: string,
  name: string,
  at: Date = new Date(),
): Promise<string> {
  const requested = at.toISOString();
  await api.patch(
    SyncKind,
    name,
    namespace,
    {
      metadata: { annotations: { [retryRequestedAnnotation]: requested } },
      spec: { rollout: { paused: false } },
    },
    "merge",
  );
  return requested;
}

/** Skips the current wave's soak, promotion wait or gate (or its failure); returns the annotation's value. */
export async function promoteRollout(
  api: KubeApi,
  namespace: string,
  name: string,
  at: Date = new Date(),
): Promise<string> {
  const requested = at.toISOString();
  await api.patch(
    SyncKind,
    name,
    namespace,
    { metadata: { annotations: { [promoteRequestedAnnotation]: requested } } },
    "merge",
  );
  return requested;
}
