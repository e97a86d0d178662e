/** Object identities as the inventory records them: group, kind, namespace, name. */
import { gvk, type KubeObject } from "../kube/types.ts";

/** The identity of an applied object, independent of its version. */
export interface ObjectId {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** The object's id; `namespace` is "" for cluster-scoped objects. */
export function objectId(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): ObjectId {
  return {
    group: gvk(object.apiVersion, object.kind).group,
    kind: object.kind,
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name ?? "",
  };
}

/** "namespace_name_group_Kind", the form Flux's inventory uses; stable and unique. */
export function formatId(id: ObjectId): string {
  return `${id.namespace}_${id.name}_${id.group}_${id.kind}`;
}

/** Parses formatId's output. */
export function parseId(text: string): ObjectId {
  const parts = text.split("_");
  if (parts.length !== 4) throw new Error(`not an inventory id: "${text}"`);
  const [namespace = "", name = "", group = "", kind = ""] = parts;
  return { namespace, name, group, kind };
}

/** "Kind/namespace/name" or "Kind/name", for people. */
export function describeId(id: ObjectId): string {
  return id.namespace ? `${id.kind}/${id.namespace}/${id.name}` : `${id.kind}/${id.name}`;
}
