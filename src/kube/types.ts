/** The shapes every Kubernetes object shares, and helpers over them. */

/** metadata.ownerReferences[] */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** metadata of any object (the fields kaika reads). */
export interface ObjectMeta {
  name?: string | undefined;
  generateName?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number | undefined;
  creationTimestamp?: string | undefined;
  deletionTimestamp?: string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  finalizers?: string[] | undefined;
  ownerReferences?: OwnerReference[] | undefined;
  managedFields?: unknown[] | undefined;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A list answer: items plus the collection's resourceVersion and continue token. */
export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** Group, version and kind; the core group is "". */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Parses "apps/v1" + "Deployment" into a GroupVersionKind. */
export function gvk(apiVersion: string, kind: string): GroupVersionKind {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion, kind }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
}

/** The GroupVersionKind of an object. */
export function gvkOf(object: Pick<KubeObject, "apiVersion" | "kind">): GroupVersionKind {
  return gvk(object.apiVersion, object.kind);
}

/** "apps/v1", or "v1" for the core group. */
export function apiVersionOf(kind: Pick<GroupVersionKind, "group" | "version">): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

/** "Deployment.apps/v1", for messages. */
export function formatGvk(kind: GroupVersionKind): string {
  return `${kind.kind}${kind.group ? `.${kind.group}` : ""}/${kind.version}`;
}

/** The cache and queue key of an object: "namespace/name", or "name" when cluster-scoped. */
export function objectKey(object: { metadata: Pick<ObjectMeta, "name" | "namespace"> }): string {
  const { name = "", namespace } = object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by objectKey. */
export function parseKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
