/**
 * The applier: validate what changed with a server-side dry run, apply it in
 * order with server-side apply, prune by inventory, wait for health. With a
 * live cache and an inventory it touches only objects whose desired hash
 * changed, that drifted or that are missing (see docs/sync-engine.md).
 * Yields events so the CLI, the controllers and the dashboard read one stream.
 */
import type { KubeApi } from "../kube/api.ts";
import { NoKindMatchError } from "../kube/discovery.ts";
import { NotFoundError } from "../kube/errors.ts";
import { type GroupVersionKind, gvkOf, type KubeObject } from "../kube/types.ts";
import { AdaptiveLimit, pool } from "./concurrency.ts";
import { ApplyError, type Origin } from "./errors.ts";
import { desiredHash, liveHash } from "./fingerprint.ts";
import { computeHealth, type Health } from "./health.ts";
import { formatEntry, type InventoryEntry, type InventoryStore } from "./inventory.ts";
import type { LiveState } from "./live-cache.ts";
import { applyRank, isClusterDefinition, stages } from "./order.ts";
import { type Action, planAction, planDiff } from "./plan.ts";
import { pruneObjects } from "./prune.ts";
import { describeId, formatId, type ObjectId, objectId } from "./refs.ts";
import { type ChangeReason, changeReason } from "./select.ts";
import { waitEstablished, waitHealthy } from "./wait.ts";

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
  /**
   * Live state from watches. With it and an inventory, only objects that are new, changed in Git,
   * drifted, missing or not watched yet are dry-run and applied; the rest count as unchanged
   * without a request. Without it every object is read and dry-run.
   */
  readonly live?: LiveState;
  /** Dry-run every object even with a live cache (the periodic full resync); default false. */
  readonly full?: boolean;
  /** Delete what the inventory has and the desired set no longer does; default true. */
  readonly prune?: boolean;
  /** Compute each planned change's diff (YAML, live → after apply); default true. Controllers need none. */
  readonly diffs?: boolean;
  /** Plan only: dry runs and diffs, no writes. */
  readonly dryRun?: boolean;
  /** Wait until every object is Current; default false. */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  /**
   * Requests in flight at first; default 16. It grows by one per that many answers, up to
   * `maxConcurrency`, and halves whenever the server throttles (429).
   */
  readonly concurrency?: number;
  /**
   * Most requests in flight; default 128. bench/ssa-limit finds a local apiserver applies fastest
   * near that; API Priority and Fairness answers 429 before it is overloaded, which halves it.
   */
  readonly maxConcurrency?: number;
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

/**
 * What happens, in order. `init` comes first and `done` last. `init.checked` is how many objects
 * will be dry-run; the others are unchanged in Git and in the cluster and get no event of their own.
 */
export type ApplyEvent =
  | { readonly type: "init"; readonly objects: number; readonly checked: number; readonly toPrune?: number }
  | {
      readonly type: "planned";
      readonly ref: string;
      readonly action: Action;
      readonly reason?: ChangeReason;
      readonly diff?: string;
    }
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
  /** desiredHash of `desired`. */
  readonly hash: string;
  /** Why it is dry-run; undefined when it is known unchanged. */
  reason?: ChangeReason | undefined;
  action?: Action | undefined;
  /** liveHash of the object as this run leaves it. */
  liveHash?: string | undefined;
  /** The live cache saw no such object: planning skips the read (a stale "absent" only mislabels a configure as a create). */
  absent?: boolean;
  /** Its health when known without a read (an apply answer, a dry run's read, the live cache). */
  health?: Health | undefined;
  written?: boolean;
}

/** The kinds among `items`, once each. */
function kindsOf(items: readonly Item[]): GroupVersionKind[] {
  const kinds = new Map<string, GroupVersionKind>();
  for (const item of items) kinds.set(`${item.id.group}/${item.id.kind}`, gvkOf(item.desired));
  return [...kinds.values()];
}

/**
 * Applies `objects` to the cluster behind `api`. Nothing is written unless
 * every object to be written passes a server-side dry run (objects that
 * depend on a CRD or Namespace of the same set are validated after those are
 * applied); nothing is pruned unless every apply succeeded.
 */
export async function* apply(
  api: KubeApi,
  objects: readonly DesiredObject[],
  options: ApplierOptions = {},
): AsyncGenerator<ApplyEvent> {
  const fieldManager = options.fieldManager ?? "kaika";
  const mask = options.maskDiff ?? ((o: KubeObject): KubeObject => o);
  const concurrency = options.concurrency ?? 16;
  const limit = new AdaptiveLimit(api.client.throttles, {
    initial: concurrency,
    max: Math.max(concurrency, options.maxConcurrency ?? 128),
  });
  /** Awaits a write, then tells the limit whether the server throttled meanwhile. */
  const observed = async <T>(request: Promise<T>): Promise<T> => {
    try {
      return await request;
    } finally {
      limit.observe(api.client.throttles);
    }
  };
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
    items.push({ desired: object, source, ref: describeId(id), id, hash: desiredHash(object) });
  }
  const previous = options.inventory ? await options.inventory.read() : undefined;
  const recorded = new Map((previous ?? []).map((e) => [formatId(e), e]));
  const desiredIds = new Set(items.map((i) => formatId(i.id)));
  const toPrune = (previous ?? []).filter((id) => !desiredIds.has(formatId(id)));

  // Select: with a live cache, what changed neither in Git nor in the cluster is not even read.
  const live = options.live && options.inventory && !options.full ? options.live : undefined;
  if (live) await live.watch(kindsOf(items));
  for (const item of items) {
    const entry = recorded.get(formatId(item.id));
    const seen = live?.lookup(item.id);
    item.reason = live ? changeReason(entry, item.hash, seen) : "full";
    item.absent = seen === null;
    if (item.reason) continue;
    item.action = "unchanged";
    item.liveHash = entry?.live;
    if (seen) item.health = { status: seen.health, message: seen.message ?? "" };
    summary.unchanged++;
  }
  const selected = (batch: Item[]): Item[] => batch.filter((i) => i.reason);
  yield {
    type: "init",
    objects: items.length,
    checked: selected(items).length,
    ...(options.prune !== false && previous ? { toPrune: toPrune.length } : {}),
  };

  const fail = (item: Item, phase: "validate" | "apply" | "prune" | "wait", error: unknown): void => {
    summary.failed++;
    failures.push({ type: "failed", ref: item.ref, phase, error: new ApplyError(item.ref, item.source, error) });
  };

  /** Reads each item live and validates it with a dry run; returns the plan events. */
  const plan = async (batch: Item[]): Promise<ApplyEvent[]> => {
    const events: ApplyEvent[] = [];
    await pool(batch, limit, async (item) => {
      try {
        const current = item.absent
          ? undefined
          : await api
              .get(gvkOf(item.desired), item.desired.metadata.name ?? "", item.desired.metadata.namespace)
              .catch((e: unknown) => {
                if (e instanceof NotFoundError) return undefined;
                throw e;
              });
        const dry = await observed(api.apply(item.desired, { fieldManager, force: true, dryRun: true }));
        item.action = planAction(current, dry);
        if (item.action === "unchanged" && current) {
          item.liveHash = liveHash(current);
          item.health = computeHealth(current);
        }
        events.push({
          type: "planned",
          ref: item.ref,
          action: item.action,
          ...(item.reason ? { reason: item.reason } : {}),
          ...(item.action !== "unchanged" && options.diffs !== false
            ? { diff: planDiff(item.ref, current && mask(current), mask(dry)) }
            : {}),
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
      await pool(stage, limit, async (item) => {
        if (item.action === "unchanged") {
          summary.unchanged++;
          return;
        }
        try {
          const after = await observed(api.apply(item.desired, { fieldManager, force: true }));
          item.written = true;
          item.liveHash = liveHash(after);
          item.health = computeHealth(after);
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

  const finish = async function* (ok: boolean): AsyncGenerator<ApplyEvent> {
    yield* failures.splice(0);
    if (options.inventory && !options.dryRun && !ok) {
      // Keep tracking what this failed attempt did apply, so a later success can prune it.
      const kept = new Map(recorded);
      for (const item of items) if (item.written) kept.set(formatId(item.id), entryOf(item));
      await writeIfChanged(options.inventory, previous, [...kept.values()]);
    }
    yield { type: "done", ok, summary };
  };

  if (failures.length > 0) return yield* finish(false);

  // Stage 1: CRDs and Namespaces, which the rest may need to exist before it can be validated.
  const definitions = items.filter((i) => isClusterDefinition(i.desired));
  const rest = items.filter((i) => !isClusterDefinition(i.desired));
  yield* await plan(selected(definitions));
  const changedCrds = definitions.filter(
    (d) => d.desired.kind === "CustomResourceDefinition" && (d.action === "create" || d.action === "configure"),
  );
  // A CRD's new schema may reject custom resources that did not change: validate them all again.
  for (const item of rest)
    if (!item.reason && changedCrds.some((crd) => crdServes(crd.desired, item.desired))) {
      item.reason = "changed";
      item.action = undefined;
      summary.unchanged--;
    }
  const dependsOnDefinitions = (item: Item): boolean =>
    definitions.some(
      (d) =>
        (d.desired.kind === "Namespace" &&
          d.action === "create" &&
          d.desired.metadata.name === item.desired.metadata.namespace) ||
        (d.desired.kind === "CustomResourceDefinition" && d.action === "create" && crdServes(d.desired, item.desired)),
    );
  if (failures.length > 0) return yield* finish(false);
  if (options.dryRun) {
    const deferred = selected(rest).filter(dependsOnDefinitions);
    yield* await plan(selected(rest).filter((i) => !dependsOnDefinitions(i)));
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
    return yield* finish(failures.length === 0);
  }
  yield* write(selected(definitions));
  if (failures.length > 0) return yield* finish(false);
  const newCrds = changedCrds.filter((crd) => crd.written);
  await waitEstablished(api, newCrds);
  // Kinds just defined are watched from now on, so the next sync knows their objects too.
  if (live && newCrds.length > 0) await live.watch(kindsOf(rest));

  // Stage 2: validate everything else to be written before writing any of it.
  yield* await plan(selected(rest));
  if (failures.length > 0) return yield* finish(false);
  yield* write(selected(rest));
  if (failures.length > 0) return yield* finish(false);

  if (options.inventory) {
    let kept: InventoryEntry[] = [];
    if (options.prune !== false) {
      for await (const event of pruneObjects(api, toPrune, new Set(desiredIds), concurrency)) {
        if (event.type === "pruned") summary.pruned++;
        if (event.type === "failed") {
          summary.failed++;
          kept.push(recorded.get(formatId(event.id)) ?? event.id);
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
    await writeIfChanged(options.inventory, previous, [...items.map(entryOf), ...kept]);
  }
  if (options.wait) {
    for await (const event of waitHealthy(api, items, options.timeoutMs ?? 300_000)) {
      if (event.type === "failed") summary.failed++;
      yield event;
    }
  }
  yield { type: "done", ok: summary.failed === 0, summary };
}

/** The inventory entry of an item: its hashes once this run knows the live one, else the id alone. */
function entryOf(item: Item): InventoryEntry {
  return item.liveHash ? { ...item.id, desired: item.hash, live: item.liveHash } : item.id;
}

/** Writes the inventory only when an entry changed: a no-op sync writes nothing at all. */
async function writeIfChanged(
  inventory: InventoryStore,
  previous: readonly InventoryEntry[] | undefined,
  next: readonly InventoryEntry[],
): Promise<void> {
  const before = new Set((previous ?? []).map(formatEntry));
  const after = new Set(next.map(formatEntry));
  if (previous && before.size === after.size && [...after].every((e) => before.has(e))) return;
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
