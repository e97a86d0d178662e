/** Pruning: delete what an apply no longer wants, unless an annotation keeps it or a Namespace holds others' objects. */
import type { KubeApi } from "../kube/api.ts";
import type { ResourceMapping } from "../kube/discovery.ts";
import { resourcePath } from "../kube/discovery.ts";
import { NotFoundError } from "../kube/errors.ts";
import type { KubeObject, ObjectList } from "../kube/types.ts";
import { applyRank, stages } from "./order.ts";
import { describeId, formatId, type ObjectId } from "./refs.ts";

/** Set on an object to keep it when it leaves Git. */
export const pruneAnnotation = "kaika.dev/prune";

/** One prune outcome. */
export type PruneEvent =
  | { readonly type: "pruned"; readonly id: ObjectId }
  | { readonly type: "pruneSkipped"; readonly id: ObjectId; readonly reason: string }
  | { readonly type: "failed"; readonly id: ObjectId; readonly error: unknown };

// Objects Kubernetes puts in every namespace by itself: they do not make a namespace "in use".
const builtIn = (m: ResourceMapping, o: KubeObject): boolean =>
  (m.kind === "ServiceAccount" && o.metadata.name === "default") ||
  (m.kind === "ConfigMap" && o.metadata.name === "kube-root-ca.crt");
const ignoredKinds = new Set(["Event", "Endpoints", "EndpointSlice", "Lease"]);

/** Up to 5 objects in `namespace` that are neither in `managed` nor owned by another object. */
async function foreignObjects(api: KubeApi, namespace: string, managed: ReadonlySet<string>): Promise<string[]> {
  const found: string[] = [];
  for (const mapping of await api.mapper.all()) {
    if (!mapping.namespaced || !mapping.verbs.includes("list") || ignoredKinds.has(mapping.kind)) continue;
    const list = await api.client.get<ObjectList>(resourcePath(mapping, namespace), { limit: 50 });
    for (const o of list.items) {
      const id = { group: mapping.group, kind: mapping.kind, namespace, name: o.metadata.name ?? "" };
      if (o.metadata.ownerReferences?.length || builtIn(mapping, o) || managed.has(formatId(id))) continue;
      found.push(describeId(id));
      if (found.length >= 5) return found;
    }
  }
  return found;
}

/**
 * Deletes `ids` (workloads first, Namespaces and CRDs last). `managed` is
 * every id the owner still has or is pruning, so a Namespace that holds only
 * those may go. An object is kept when it carries `kaika.dev/prune: disabled`,
 * when it is a Namespace holding other objects, or when it is already gone.
 */
export async function* pruneObjects(
  api: KubeApi,
  ids: readonly ObjectId[],
  managed: ReadonlySet<string>,
  concurrency: number,
): AsyncGenerator<PruneEvent> {
  const all = new Set([...managed, ...ids.map(formatId)]);
  for (const stage of stages(ids, (id) => applyRank(id)).reverse()) {
    const events: PruneEvent[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, stage.length) }, async () => {
        while (next < stage.length) {
          const id = stage[next++] as ObjectId;
          events.push(await pruneOne(api, id, all));
        }
      }),
    );
    yield* events;
  }
}

async function pruneOne(api: KubeApi, id: ObjectId, managed: ReadonlySet<string>): Promise<PruneEvent> {
  try {
    const mapping = await api.mapper.forGroupKind(id.group, id.kind);
    if (!mapping) return { type: "pruneSkipped", id, reason: "its kind is no longer served" };
    const path = resourcePath(mapping, id.namespace || undefined, id.name);
    let live: KubeObject;
    try {
      live = await api.client.get<KubeObject>(path);
    } catch (error) {
      if (error instanceof NotFoundError) return { type: "pruneSkipped", id, reason: "already deleted" };
      throw error;
    }
    if (live.metadata.annotations?.[pruneAnnotation] === "disabled") {
      return { type: "pruneSkipped", id, reason: `annotated ${pruneAnnotation}: disabled` };
    }
    if (id.kind === "Namespace" && id.group === "") {
      const foreign = await foreignObjects(api, id.name, managed);
      if (foreign.length > 0)
        return { type: "pruneSkipped", id, reason: `holds objects kaika does not manage: ${foreign.join(", ")}` };
    }
    // The uid precondition keeps us from deleting an object someone recreated meanwhile.
    await api.client.request("DELETE", path, {
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: "Background",
        preconditions: { uid: live.metadata.uid },
      },
    });
    return { type: "pruned", id };
  } catch (error) {
    if (error instanceof NotFoundError) return { type: "pruneSkipped", id, reason: "already deleted" };
    return { type: "failed", id, error };
  }
}
