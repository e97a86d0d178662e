/** Status writes of kaika's controllers: server-side apply on the status subresource, only when it changed. */
import type { KubeApi } from "../kube/api.ts";
import type { KubeObject } from "../kube/types.ts";

/** Annotate a GitSource or Sync with a new value to reconcile it now (`kaika reconcile`). */
export const reconcileRequestedAnnotation = "kaika.dev/reconcile-requested-at";

/** The field manager of everything kaika's controllers write. */
export const fieldManager = "kaika";

/**
 * Applies `status` to the object's status subresource unless it equals the
 * current one (a write would wake every watcher for nothing).
 */
export async function writeStatus(api: KubeApi, object: KubeObject, status: Record<string, unknown>): Promise<void> {
  if (JSON.stringify(object.status ?? {}) === JSON.stringify(status)) return;
  await api.apply(
    {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
      status,
    },
    { fieldManager, force: true, subresource: "status" },
  );
}
