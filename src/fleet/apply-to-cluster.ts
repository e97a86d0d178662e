/**
 * One Sync's revision onto one fleet cluster: render for that cluster (its
 * target's path and values, its labels for ClusterSelectors), gate, apply
 * all-or-nothing with an inventory kept in the cluster itself, wait for health.
 */
import type { SyncSpec } from "../api/sync.ts";
import { type ApplySummary, apply } from "../apply/applier.ts";
import { configMapInventory } from "../apply/inventory.ts";
import type { LiveState } from "../apply/live-cache.ts";
import type { Action } from "../apply/plan.ts";
import { describeId, objectId } from "../apply/refs.ts";
import { parseDuration } from "../controllers/durations.ts";
import { readinessGate } from "../controllers/gate.ts";
import { renderFor } from "../controllers/render.ts";
import { ensureNamespace, type KubeApi } from "../kube/api.ts";
import type { KubeObject } from "../kube/types.ts";

/** Where the inventories of fleet Syncs live in each cluster. */
export const fleetNamespace = "kaika-system";

type Target = NonNullable<SyncSpec["targets"]>[number];

/** What applyToCluster needs. */
export interface ClusterApply {
  readonly api: KubeApi;
  readonly sync: { readonly namespace: string; readonly name: string; readonly spec: SyncSpec };
  readonly cluster: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  /** The first target that selects the cluster: its path and values override the Sync's. */
  readonly target: Target | undefined;
  readonly revision: string;
  /** The artifact's tree and the GitSource's ignore rules. */
  readonly dir: string;
  readonly ignore?: string | undefined;
  /** The admin cluster's ReadinessPolicy objects, for the gate. */
  readonly policies: readonly KubeObject[];
  /** The cluster's Kubernetes version (its Cluster status), the gate's target where the policy names none. */
  readonly kubernetesVersion?: string | undefined;
  /** Labels put on every applied object (drift and ownership). */
  readonly labels: Readonly<Record<string, string>>;
  /** The cluster's live cache: with it only what changed, drifted or is missing is dry-run and applied. */
  readonly live?: LiveState | undefined;
  /** Dry-run every object even with a live cache (the periodic full resync). */
  readonly full?: boolean | undefined;
}

/** How it went: ok means applied and healthy. */
export interface ClusterApplyResult {
  readonly ok: boolean;
  readonly message: string;
  readonly summary?: ApplySummary | undefined;
  /** Readiness findings reported but not enforced. */
  readonly violations: number;
  /** Each applied object with what the apply did to it (for the version ledger). */
  readonly changes: { object: KubeObject; action: Action | "pruned" }[];
}

/** Renders, gates and applies; never throws for a bad commit or a failed apply (the result says why). */
export async function applyToCluster(job: ClusterApply): Promise<ClusterApplyResult> {
  const { api, sync, cluster, target, revision } = job;
  const spec = sync.spec;
  const defaultNamespace = spec.targetNamespace ?? sync.namespace;
  let objects: Awaited<ReturnType<typeof renderFor>>["objects"];
  try {
    objects = (
      await renderFor(
        job.dir,
        { path: target?.path ?? spec.path ?? ".", renderer: spec.renderer ?? "auto" },
        {
          name: sync.name,
          namespace: defaultNamespace,
          clusterName: cluster.name,
          clusterLabels: { ...cluster.labels },
          ignore: job.ignore,
          helmValuesFiles: target?.helmValuesFiles,
        },
      )
    ).objects;
  } catch (error) {
    return { ok: false, message: `render failed: ${(error as Error).message}`, violations: 0, changes: [] };
  }
  const gate = readinessGate(objects, spec, revision, job.policies, defaultNamespace, job.kubernetesVersion);
  if (gate.hold) return { ok: false, message: gate.summary ?? "readiness gate", violations: 0, changes: [] };
  for (const { object } of objects) object.metadata.labels = { ...object.metadata.labels, ...job.labels };

  await ensureNamespace(api, fleetNamespace);
  const inventory = configMapInventory(api, { namespace: fleetNamespace, name: `sync-${sync.namespace}.${sync.name}` });
  const actions = new Map<string, Action>();
  const pruned: KubeObject[] = [];
  const failures: string[] = [];
  let summary: ApplySummary | undefined;
  let ok = false;
  for await (const event of apply(api, objects, {
    inventory,
    diffs: false,
    ...(job.live ? { live: job.live, full: job.full ?? false } : {}),
    prune: spec.prune ?? true,
    wait: spec.wait ?? true,
    timeoutMs: parseDuration(spec.timeout ?? "5m"),
    defaultNamespace,
  })) {
    if (event.type === "applied") actions.set(event.ref, event.action);
    // Only the identity is known of a pruned object; its group is what the ledger keys on.
    if (event.type === "pruned") {
      const { group, kind, namespace, name } = event.id;
      pruned.push({
        apiVersion: group ? `${group}/v1` : "v1",
        kind,
        metadata: { name, ...(namespace ? { namespace } : {}) },
      });
    }
    if (event.type === "failed" && failures.length < 5) failures.push(`${event.ref}: ${event.error.message}`);
    if (event.type === "done") {
      summary = event.summary;
      ok = event.ok;
    }
  }
  const changes: ClusterApplyResult["changes"] = objects.flatMap(({ object }) => {
    // The applier set each namespaced object's namespace, so its ref matches the events'.
    const action = actions.get(describeId(objectId(object)));
    return action ? [{ object, action }] : [];
  });
  for (const object of pruned) changes.push({ object, action: "pruned" });
  const counts = summary
    ? `${summary.created} created, ${summary.configured} configured, ${summary.unchanged} unchanged, ${summary.pruned} pruned`
    : "";
  return {
    ok,
    message: ok ? `applied ${revision}: ${counts}` : `${revision}: ${failures.join("; ") || "apply failed"}`,
    summary,
    violations: gate.warned + gate.violations.length,
    changes,
  };
}
