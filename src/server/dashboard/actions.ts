/**
 * The actions a dashboard user may take on a Sync — reconcile now, suspend, resume, and pause,
 * resume or promote its rollout — each the same patch the CLI sends (controllers/requests.ts).
 */
import {
  pauseRollout,
  promoteRollout,
  requestReconcile,
  resumeRollout,
  setSyncSuspended,
} from "../../controllers/requests.ts";
import { SyncKind } from "../../controllers/sync.ts";
import type { Authenticator, Caller } from "./auth.ts";
import type { DashboardContext } from "./context.ts";
import { ApiError } from "./http.ts";
import { findSync } from "./sync-detail.ts";
import type { ActionResponse, NamespaceActions } from "./types.ts";

/** Every action, as its path after /api/v1/syncs/{ns}/{name}/. */
export const actionNames = [
  "reconcile",
  "suspend",
  "resume",
  "rollout/pause",
  "rollout/resume",
  "rollout/promote",
] as const;

/** One of actionNames. */
export type ActionName = (typeof actionNames)[number];

/** The RBAC check of every action: patch on syncs.kaika.dev in the Sync's namespace. */
export const actionAttributes = (namespace: string, name?: string) => ({
  verb: "patch",
  group: "kaika.dev",
  resource: "syncs",
  namespace,
  ...(name ? { name } : {}),
});

/** Runs `action` on Sync namespace/name as this server's identity (the caller was authorized before). */
export async function runAction(
  ctx: DashboardContext,
  namespace: string,
  name: string,
  action: ActionName,
): Promise<ActionResponse> {
  const sync = findSync(ctx, namespace, name);
  if (action.startsWith("rollout/") && !sync.spec.targets?.length)
    throw new ApiError(409, `Sync ${namespace}/${name} has no spec.targets: it does not roll out across clusters`, {
      reason: "NotAFleetSync",
    });
  const now = new Date();
  let requestedAt = now.toISOString();
  switch (action) {
    case "reconcile":
      requestedAt = await requestReconcile(ctx.api, SyncKind, namespace, name, now);
      break;
    case "suspend":
      await setSyncSuspended(ctx.api, namespace, name, true);
      break;
    case "resume":
      await setSyncSuspended(ctx.api, namespace, name, false);
      break;
    case "rollout/pause":
      await pauseRollout(ctx.api, namespace, name);
      break;
    case "rollout/resume":
      requestedAt = await resumeRollout(ctx.api, namespace, name, now);
      break;
    case "rollout/promote":
      requestedAt = await promoteRollout(ctx.api, namespace, name, now);
      break;
  }
  ctx.log.info({ sync: `${namespace}/${name}`, action }, "dashboard: action taken");
  return { sync: `${namespace}/${name}`, action, requestedAt };
}

/** Per namespace that has Syncs: whether `caller` may act there (always false when actions are off). */
export async function namespaceActions(
  ctx: DashboardContext,
  auth: Authenticator,
  caller: Caller,
  actionsEnabled: boolean,
): Promise<NamespaceActions[]> {
  const namespaces = [...new Set(ctx.caches.syncs.list().map((s) => s.metadata.namespace ?? ""))].sort();
  return Promise.all(
    namespaces.map(async (namespace) => ({
      namespace,
      allowed: actionsEnabled && (await auth.may(caller, actionAttributes(namespace))),
    })),
  );
}
