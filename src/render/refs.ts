/** Names for rendered objects: the "Kind/namespace/name" used in messages, identity keys, and lookup by name. */
import { gvk, type KubeObject } from "../kube/types.ts";
import type { RenderResult, SourceLocation } from "./types.ts";

type Named = Pick<KubeObject, "apiVersion" | "kind" | "metadata">;

/**
 * "Kind/namespace/name", or "Kind/name" without a namespace, for messages. An object that
 * only has `generateName` shows as "Kind/namespace/prefix*".
 */
export function objectRef(object: Pick<KubeObject, "kind" | "metadata">): string {
  const { name, generateName, namespace } = object.metadata ?? {};
  const shown = name ?? (generateName === undefined ? "" : `${generateName}*`);
  return namespace ? `${object.kind}/${namespace}/${shown}` : `${object.kind}/${shown}`;
}

/**
 * The identity of an object in a cluster: group, kind, namespace and name (the version does
 * not matter). `defaultNamespace` stands in for a missing namespace. Undefined for an object
 * with no name (generateName), which has no identity until it is created.
 */
export function identityKey(object: Named, defaultNamespace?: string): string | undefined {
  const { name, namespace } = object.metadata;
  if (name === undefined) return undefined;
  return `${gvk(object.apiVersion, object.kind).group}/${object.kind}/${namespace ?? defaultNamespace ?? ""}/${name}`;
}

/**
 * Where the object named `ref` came from: `ref` is an objectRef string ("Kind/ns/name"), or an
 * object matched by group, kind, namespace and name (`defaultNamespace` standing in for a
 * missing namespace on either side). Undefined when the render holds no such object.
 */
export function locate(
  result: Pick<RenderResult, "objects">,
  ref: string | Named,
  defaultNamespace?: string,
): SourceLocation | undefined {
  if (typeof ref === "string") return result.objects.find((o) => objectRef(o.object) === ref)?.source;
  const key = identityKey(ref, defaultNamespace);
  if (key === undefined) return undefined;
  return result.objects.find((o) => identityKey(o.object, defaultNamespace) === key)?.source;
}
