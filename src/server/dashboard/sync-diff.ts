/**
 * The pending diff of a Sync: its GitSource's latest revision rendered as the controllers render it
 * (per fleet cluster: that cluster's target and labels), planned against live with server-side dry
 * runs through the applier — managedFields, status and every secret value left out.
 */
import type { SyncStatus } from "../../api/sync.ts";
import { apply } from "../../apply/applier.ts";
import type { ClusterObject } from "../../controllers/cluster.ts";
import { targetedClusters } from "../../controllers/fleet-sync.ts";
import { renderFor } from "../../controllers/render.ts";
import { type SyncObject, SyncReconciler } from "../../controllers/sync.ts";
import type { KubeApi } from "../../kube/api.ts";
import { serviceAccountIdentity } from "../../kube/client.ts";
import type { DashboardContext } from "./context.ts";
import { ApiError } from "./http.ts";
import { maskSecrets } from "./redact.ts";
import { findSync, targetCluster } from "./sync-detail.ts";
import type { DiffObject, DiffResponse, DiffTarget } from "./types.ts";

// A diff is meant for reading: beyond this many changed objects the rest are counted, not shown.
const maxObjects = 200;

interface Tree {
  readonly dir: string;
  readonly ignore?: string | undefined;
}

async function plan(
  api: KubeApi,
  sync: SyncObject,
  tree: Tree,
  cluster:
    | {
        name: string;
        labels: Record<string, string>;
        path?: string | undefined;
        values?: readonly string[] | undefined;
      }
    | undefined,
): Promise<DiffTarget> {
  const spec = sync.spec;
  const name = sync.metadata.name ?? "";
  const namespace = spec.targetNamespace ?? sync.metadata.namespace ?? "default";
  const errors: string[] = [];
  const objects: DiffObject[] = [];
  let unchanged = 0;
  let rendered: Awaited<ReturnType<typeof renderFor>>["objects"];
  try {
    rendered = (
      await renderFor(
        tree.dir,
        { path: cluster?.path ?? spec.path ?? ".", renderer: spec.renderer ?? "auto" },
        {
          name,
          namespace,
          ignore: tree.ignore,
          ...(cluster
            ? { clusterName: cluster.name, clusterLabels: cluster.labels, helmValuesFiles: cluster.values }
            : {}),
        },
      )
    ).objects;
  } catch (error) {
    return {
      cluster: cluster?.name ?? null,
      objects: [],
      unchanged: 0,
      errors: [`render: ${(error as Error).message}`],
    };
  }
  // The labels every applied object gets: without them each object would look changed.
  const labels = SyncReconciler.labels(sync);
  for (const { object } of rendered) object.metadata.labels = { ...object.metadata.labels, ...labels };
  for await (const event of apply(api, rendered, {
    dryRun: true,
    defaultNamespace: namespace,
    maskDiff: maskSecrets,
  })) {
    if (event.type === "planned") {
      if (event.action === "unchanged") unchanged++;
      else if (objects.length < maxObjects)
        objects.push({ ref: event.ref, action: event.action, diff: event.diff ?? "" });
      else errors.push(`${event.ref}: ${event.action} (not shown: more than ${maxObjects} changed objects)`);
    } else if (event.type === "failed") errors.push(`${event.ref}: ${event.error.message}`);
  }
  return { cluster: cluster?.name ?? null, objects, unchanged, errors };
}

/** GET /api/v1/syncs/{ns}/{name}/diff[?cluster=C]: every targeted cluster unless one is named. */
export async function syncDiff(
  ctx: DashboardContext,
  namespace: string,
  name: string,
  clusterName: string | undefined,
): Promise<DiffResponse> {
  const sync = findSync(ctx, namespace, name);
  const sourceKey = `${namespace}/${sync.spec.sourceRef.name}`;
  const revision = ctx.caches.sources.get(sourceKey)?.status?.artifact?.revision;
  if (!revision)
    throw new ApiError(409, `GitSource ${sourceKey} has no artifact yet: nothing to diff`, { reason: "NoArtifact" });
  if (!ctx.artifacts) throw new ApiError(503, "this server keeps no Git cache: no diff", { reason: "NotConfigured" });
  const tree = await ctx.artifacts.tree(sourceKey, revision).catch((error: Error) => {
    throw new ApiError(503, `cannot fetch ${revision}: ${error.message}`, { reason: "FetchFailed", cause: error });
  });
  if (!tree) throw new ApiError(409, `GitSource ${sourceKey} is gone`, { reason: "NoArtifact" });

  if (!sync.spec.targets?.length) {
    if (clusterName !== undefined) targetCluster(ctx, sync, clusterName);
    const sa = sync.spec.serviceAccountName;
    const api = sa ? ctx.api.impersonating({ user: serviceAccountIdentity(namespace, sa).user }) : ctx.api;
    return { revision, targets: [await plan(api, sync, tree, undefined)] };
  }
  const chosen: ClusterObject[] = clusterName
    ? [targetCluster(ctx, sync, clusterName)]
    : ((sync.status as SyncStatus | undefined)?.clusters ?? []).flatMap(
        (c) => ctx.caches.clusters.get(`${namespace}/${c.name}`) ?? [],
      );
  const targeted = targetedClusters(sync, chosen);
  const targets = await Promise.all(
    targeted.map(async ({ cluster, target, object }): Promise<DiffTarget> => {
      if (object.status?.reachable === false)
        return { cluster: cluster.name, objects: [], unchanged: 0, errors: [`cluster ${cluster.name} is unreachable`] };
      let api: KubeApi;
      try {
        api = await ctx.clusterClients.get(object);
      } catch (error) {
        return { cluster: cluster.name, objects: [], unchanged: 0, errors: [(error as Error).message] };
      }
      return plan(api, sync, tree, {
        name: cluster.name,
        labels: { ...cluster.labels },
        path: target.path,
        values: target.helmValuesFiles,
      });
    }),
  );
  return { revision, targets };
}
