/** Finalizers and owner references: small writes every operator needs. */
import type { KubeApi } from "../kube/api.ts";
import { gvkOf, type KubeObject, type OwnerReference } from "../kube/types.ts";

/** True if `object` carries the finalizer. */
export function hasFinalizer(object: KubeObject, finalizer: string): boolean {
  return object.metadata.finalizers?.includes(finalizer) ?? false;
}

/**
 * Sets metadata.finalizers with a merge patch guarded by the object's
 * resourceVersion, so a concurrent change fails with ConflictError (retry)
 * instead of losing someone else's finalizer.
 */
async function writeFinalizers(api: KubeApi, object: KubeObject, finalizers: string[]): Promise<KubeObject> {
  return api.patch(gvkOf(object), object.metadata.name ?? "", object.metadata.namespace, {
    metadata: { finalizers, resourceVersion: object.metadata.resourceVersion },
  });
}

/** Adds the finalizer if missing; returns the updated object (or the same one when nothing changed). */
export async function addFinalizer(api: KubeApi, object: KubeObject, finalizer: string): Promise<KubeObject> {
  if (hasFinalizer(object, finalizer)) return object;
  return writeFinalizers(api, object, [...(object.metadata.finalizers ?? []), finalizer]);
}

/** Removes the finalizer if present; returns the updated object (or the same one when nothing changed). */
export async function removeFinalizer(api: KubeApi, object: KubeObject, finalizer: string): Promise<KubeObject> {
  if (!hasFinalizer(object, finalizer)) return object;
  return writeFinalizers(
    api,
    object,
    (object.metadata.finalizers ?? []).filter((f) => f !== finalizer),
  );
}

/** A controller owner reference to `owner`: garbage collection deletes the dependent with it. */
export function controllerReference(owner: KubeObject): OwnerReference {
  if (!owner.metadata.uid || !owner.metadata.name)
    throw new Error("the owner must be read from the server (uid and name)");
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller owner reference of `object`, if any. */
export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((r) => r.controller === true);
}
