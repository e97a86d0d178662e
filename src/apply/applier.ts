/**
 * The applier: validate everything with a server-side dry run, apply in
 * order with server-side apply, prune by inventory, wait for health. Yields
 * events so the CLI, the controllers and the dashboard read one stream.
 */
import type { KubeApi } from "../kube/api.ts";
import { NoKindMatchError } from "../kube/discovery.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvkOf, type KubeObject } from "../kube/types.ts";
import { ApplyError, type Origin } from "./errors.ts";
import { computeHealth, type Health } from "./health.ts";
import type { InventoryStore } from "./inventory.ts";
import { applyRank, isClusterDefinition, stages } from "./order.ts";
import { type Action, planAction, planDiff } from "./plan.ts";
import { pruneObjects } from "./prune.ts";
import { describeId, formatId, type ObjectId, objectId } from "./refs.ts";

/** A desired object and where it came from. */
export interface DesiredObject {
  readonly object: KubeObject;
  readonly source?: Origin;
}

/** Options of apply(). */
export interface ApplierOptions {
  /** Field manager of every write; default "kaika". */
  readonly fieldManager?: string;
  /** Namespace for namespaced objects that name none. */
  readonly defaultNamespace?: string;
  /** Where the applied set is recorded; without it nothing is pruned. */
  readonly inventory?: InventoryStore;
  /** Delete what the inventory has and the desired set no longer does; default true. */
  readonly prune?: boolean;
  /** Plan only: dry runs and diffs, no writes. */
  readonly dryRun?: boolean;
  /** Wait until every object is Current; default false. */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  /** Requests in flight; default 8. */
  readonly concurrency?: number;
  /**
   * Rewrites the live and dry-run objects before they are diffed (the dashboard hides Secret values
   * this way); the action is decided on the objects as they are. Must not modify its argument.
   */
  readonly maskDiff?: (object: KubeObject) => KubeObject;
}

/** Counts of what the apply did. */
export interface ApplySummary {
  created: number;
  configured: number;
  unchanged: number;
  pruned: number;
  failed: number;
}

/** What happens, in order. `init` comes first and `done` last. */
export type ApplyEvent =
  | { readonly type: "init"; readonly objects: number; readonly toPrune?: number }
  | { readonly type: "planned"; readonly ref: string; readonly action: Action; readonly diff?: string }
  | { readonly type: "applied"; readonly ref: string; readonly action: Action }
  | { readonly type: "pruned"; readonly ref: string; readonly id: ObjectId }
  | { readonly type: "pruneSkipped"; readonly ref: string; readonly reason: string }
  | {
      readonly type: "failed";
      readonly ref: string;
      readonly phase: "validate" | "apply" | "prune" | "wait";
      readonly error: ApplyError;
    }
  | { readonly type: "health"; readonly ref: string; readonly health: Health }
  | { readonly type: "done"; readonly ok: boolean; readonly summary: ApplySummary };

interface Item {
  readonly desired: KubeObject;
  readonly source: Origin | undefined;
  readonly ref: string;
  readonly id: ObjectId;
  live?: KubeObject | undefined;
  action?: Action;
}

/** Runs `work` over `items` with at most `limit` in flight, in order of start. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/**
 * Applies `objects` to the cluster behind `api`. Nothing is written unless
 * every object passes a server-side dry run (objects that depend on a CRD or
 * Namespace of the same set are validated after those are applied); nothing
 * is pruned unless every apply succeeded.
 */
export async function* apply(
  api: KubeApi,
  objects: readonly DesiredObject[],
  options: ApplierOptions = {},
): AsyncGenerator<ApplyEvent> {
  const fieldManager = options.fieldManager ?? "kaika";
  const mask = options.maskDiff ?? ((o: KubeObject): KubeObject => o);
  const concurrency = options.concurrency ?? 8;
  const summary: ApplySummary = { created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 };
  const failures: ApplyEvent[] = [];
  // Namespaces first: ids, refs and the inventory must name the namespace an object really lands in.
  const items: Item[] = [];
  for (const { object, source } of objects) {
    try {
      await resolveNamespace(api, object, objects, options.defaultNamespace);
    } catch (error) {
      const id = objectId(object);
      summary.failed++;
      failures.push({
        type: "failed",
        ref: describeId(id),
        phase: "validate",
        error: new ApplyError(describeId(id), source, error),
      });
      continue;
    }
    const id = objectId(object);
    items.push({ desired: object, source, ref: describeId(id), id });
  }
  const previous = options.inventory ? await options.inventory.read() : undefined;
  const desiredIds = new Set(items.map((i) => formatId(i.id)));
  const toPrune = (previous ?? []).filter((id) => !desiredIds.has(formatId(id)));
  yield {
    type: "init",
    objects: items.length,
    ...(options.prune !== false && previous ? { toPrune: toPrune.length } : {}),
  };

  const fail = (item: Item, phase: "validate" | "apply" | "prune" | "wait", error: unknown): void => {
    summary.failed++;
    failures.push({ type: "failed", ref: item.ref, phase, error: new ApplyError(item.ref, item.source, error) });
  };

  /** Fills in the namespace from discovery and validates with a dry run; returns the plan events. */
  const plan = async (batch: Item[]): Promise<ApplyEvent[]> => {
    const events: ApplyEvent[] = [];
    await pool(batch, concurrency, async (item) => {
      try {
        item.live = await api
          .get(gvkOf(item.desired), item.desired.metadata.name ?? "", item.desired.metadata.namespace)
          .catch((e: unknown) => {
            if (e instanceof NotFoundError) return undefined;
            throw e;
          });
        const dry = await api.apply(item.desired, { fieldManager, force: true, dryRun: true });
        item.action = planAction(item.live, dry);
        events.push({
          type: "planned",
          ref: item.ref,
          action: item.action,
          ...(item.action !== "unchanged" ? { diff: planDiff(item.ref, item.live && mask(item.live), mask(dry)) } : {}),
        });
      } catch (error) {
        fail(item, "validate", error);
      }
    });
    return events;
  };

  /** Applies the changed items of a batch, stage by stage. */
  const write = async function* (batch: Item[]): AsyncGenerator<ApplyEvent> {
    for (const stage of stages(batch, (i) => applyRank(i.desired))) {
      const events: ApplyEvent[] = [];
      await pool(stage, concurrency, async (item) => {
        if (item.action === "unchanged") {
          summary.unchanged++;
          return;
        }
        try {
          await api.apply(item.desired, { fieldManager, force: true });
          if (item.action === "create") summary.created++;
          else summary.configured++;
          events.push({ type: "applied", ref: item.ref, action: item.action ?? "configure" });
        } catch (error) {
          fail(item, "apply", error);
        }
      });
      yield* events;
      if (failures.length > 0) return;
    }
  };

  const finish = async function* (ok: boolean, applied: Item[]): AsyncGenerator<ApplyEvent> {
    yield* failures.splice(0);
    if (options.inventory && !options.dryRun && !ok) {
      // Keep tracking what this failed attempt did apply, so a later success can prune it.
      const kept = new Map((previous ?? []).map((id) => [formatId(id), id]));
      for (const item of applied) if (item.action && item.action !== "unchanged") kept.set(formatId(item.id), item.id);
      await writeIfChanged(options.inventory, previous, [...kept.values()]);
    }
    yield { type: "done", ok, summary };
  };

  if (failures.length > 0) return yield* finish(false, []);

  // Stage 1: CRDs and Namespaces, which the rest may need to exist before it can be validated.
  const definitions = items.filter((i) => isClusterDefinition(i.desired));
  const rest = items.filter((i) => !isClusterDefinition(i.desired));
  yield* await plan(definitions);
  const dependsOnDefinitions = (item: Item): boolean =>
    definitions.some(
      (d) =>
        (d.desired.kind === "Namespace" &&
          d.action === "create" &&
          d.desired.metadata.name === item.desired.metadata.namespace) ||
        (d.desired.kind === "CustomResourceDefinition" && d.action === "create" && crdServes(d.desired, item.desired)),
    );
  if (failures.length > 0) return yield* finish(false, []);
  if (options.dryRun) {
    const deferred = rest.filter(dependsOnDefinitions);
    yield* await plan(rest.filter((i) => !dependsOnDefinitions(i)));
    for (const item of deferred) {
      item.action = "create";
      yield {
        type: "planned",
        ref: item.ref,
        action: "create",
        diff: "(not validated: needs a CRD or Namespace this apply creates)",
      };
    }
    for (const id of options.prune === false ? [] : toPrune)
      yield { type: "pruneSkipped", ref: describeId(id), reason: "dry run: would be pruned" };
    return yield* finish(failures.length === 0, []);
  }
  yield* write(definitions);
  if (failures.length > 0) return yield* finish(false, definitions);
  await waitEstablished(api, definitions);

  // Stage 2: validate everything else before writing any of it.
  yield* await plan(rest);
  if (failures.length > 0) return yield* finish(false, definitions);
  yield* write(rest);
  if (failures.length > 0) return yield* finish(false, items);

  if (options.inventory) {
    let kept: ObjectId[] = [];
    if (options.prune !== false) {
      for await (const event of pruneObjects(api, toPrune, new Set(desiredIds), concurrency)) {
        if (event.type === "pruned") summary.pruned++;
        if (event.type === "failed") {
          summary.failed++;
          kept.push(event.id);
          yield {
            type: "failed",
            ref: describeId(event.id),
            phase: "prune",
            error: new ApplyError(describeId(event.id), undefined, event.error),
          };
        } else
          yield event.type === "pruned"
            ? { type: "pruned", ref: describeId(event.id), id: event.id }
            : { type: "pruneSkipped", ref: describeId(event.id), reason: event.reason };
      }
    } else kept = toPrune;
    await writeIfChanged(options.inventory, previous, [...items.map((i) => i.id), ...kept]);
  }
  if (options.wait) yield* waitHealthy(api, items, options.timeoutMs ?? 300_000, summary);
  yield { type: "done", ok: summary.failed === 0, summary };
}

/** Writes the inventory only when its set of ids changed: a no-op sync writes nothing at all. */
async function writeIfChanged(
  inventory: InventoryStore,
  previous: readonly ObjectId[] | undefined,
  next: readonly ObjectId[],
): Promise<void> {
  const before = new Set((previous ?? []).map(formatId));
  const after = new Set(next.map(formatId));
  if (previous && before.size === after.size && [...after].every((id) => before.has(id))) return;
  await inventory.write(next);
}

/**
 * Sets metadata.namespace as the object's scope requires: the default for a
 * namespaced object that names none, nothing for a cluster-scoped one. The
 * scope of a kind whose CRD is in the same set comes from that CRD.
 */
async function resolveNamespace(
  api: KubeApi,
  object: KubeObject,
  all: readonly DesiredObject[],
  defaultNamespace: string | undefined,
): Promise<void> {
  let namespaced: boolean;
  try {
    namespaced = (await api.mapper.mapping(gvkOf(object))).namespaced;
  } catch (error) {
    const crd = all.find((d) => d.object.kind === "CustomResourceDefinition" && crdServes(d.object, object));
    if (!(error instanceof NoKindMatchError) || !crd) throw error;
    namespaced = (crd.object.spec as { scope?: string } | undefined)?.scope === "Namespaced";
  }
  if (namespaced && !object.metadata.namespace) {
    if (!defaultNamespace) throw new Error("metadata.namespace is required (no default namespace given)");
    object.metadata.namespace = defaultNamespace;
  }
  if (!namespaced && object.metadata.namespace) delete object.metadata.namespace;
}

/** True when `crd` defines the kind of `object`. */
function crdServes(crd: KubeObject, object: KubeObject): boolean {
  const spec = crd.spec as { group?: string; names?: { kind?: string } } | undefined;
  const { group, kind } = gvkOf(object);
  return spec?.group === group && spec?.names?.kind === kind;
}

/** Waits until the CRDs among `items` are Established, then refreshes discovery. */
async function waitEstablished(api: KubeApi, items: readonly Item[]): Promise<void> {
  const crds = items.filter((i) => i.desired.kind === "CustomResourceDefinition" && i.action !== "unchanged");
  if (crds.length === 0) return;
  const deadline = Date.now() + 60_000;
  for (const crd of crds) {
    for (;;) {
      const live = await api.get(gvkOf(crd.desired), crd.desired.metadata.name ?? "");
      if (computeHealth(live).status === "Current") break;
      if (Date.now() > deadline)
        throw new ApplyError(crd.ref, crd.source, new Error("CRD not Established within 60 s"));
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  api.mapper.invalidate();
}

/** Polls health until every object is Current, reporting each change, or fails the stragglers at the deadline. */
async function* waitHealthy(
  api: KubeApi,
  items: readonly Item[],
  timeoutMs: number,
  summary: ApplySummary,
): AsyncGenerator<ApplyEvent> {
  const last = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  let pending = [...items];
  while (pending.length > 0) {
    const still: Item[] = [];
    for (const item of pending) {
      let live: KubeObject | undefined;
      try {
        live = await api.get(gvkOf(item.desired), item.desired.metadata.name ?? "", item.desired.metadata.namespace);
      } catch (error) {
        if (!(error instanceof NotFoundError) && !(error instanceof NoKindMatchError)) throw error;
      }
      const health = computeHealth(live);
      if (last.get(item.ref) !== `${health.status}:${health.message}`) {
        last.set(item.ref, `${health.status}:${health.message}`);
        yield { type: "health", ref: item.ref, health };
      }
      if (health.status === "Failed") {
        summary.failed++;
        yield {
          type: "failed",
          ref: item.ref,
          phase: "wait",
          error: new ApplyError(item.ref, item.source, new Error(health.message)),
        };
      } else if (health.status !== "Current") still.push(item);
    }
    pending = still;
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      for (const item of pending) {
        summary.failed++;
        yield {
          type: "failed",
          ref: item.ref,
          phase: "wait",
          error: new ApplyError(
            item.ref,
            item.source,
            new Error(`not healthy within ${timeoutMs / 1000} s: ${last.get(item.ref)}`),
          ),
        };
      }
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
