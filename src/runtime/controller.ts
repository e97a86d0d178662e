/** A controller: informers feed a work queue, workers call the reconciler, outcomes are logged and counted. */
import { randomUUID } from "node:crypto";
import { type GroupVersionKind, type KubeObject, objectKey, parseKey } from "../kube/types.ts";
import type { CacheScope, SharedCache } from "./cache.ts";
import { controllerOf } from "./finalizers.ts";
import type { Logger } from "./log.ts";
import type { RuntimeMetrics } from "./metrics.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { type Reconciler, type Request, TerminalError } from "./reconciler.ts";
import { runWorkers, WorkQueue } from "./workqueue.ts";

/** Maps a changed object of a watched kind to the requests it affects. */
export type MapFunc = (object: KubeObject) => readonly Request[];

/** What a controller reconciles and what it watches. */
export interface ControllerOptions {
  /** Names the controller in logs and metrics. */
  readonly name: string;
  /** Run only while this replica holds the leader Lease (when the manager elects one); default true. */
  readonly needLeaderElection?: boolean;
  /** The kind it reconciles; a change of one of these enqueues that object. */
  readonly for: GroupVersionKind;
  /** Scope of the primary kind's cache (namespace, label selector). */
  readonly scope?: CacheScope;
  /** Kinds it creates; a change enqueues their controller owner of kind `for`. */
  readonly owns?: readonly GroupVersionKind[];
  /** Other kinds, mapped to requests by a function. */
  readonly watches?: readonly {
    readonly kind: GroupVersionKind;
    readonly map: MapFunc;
    readonly scope?: CacheScope;
    /** Map an update only when this returns true; default all updates. */
    readonly updatePredicate?: (previous: KubeObject, object: KubeObject) => boolean;
  }[];
  readonly reconciler: Reconciler;
  /** Workers; default 1, as controller-runtime. */
  readonly maxConcurrentReconciles?: number;
  /** Default: 5 ms–1000 s per-item backoff with a 10 qps / burst 100 bucket. */
  readonly rateLimiter?: RateLimiter;
  /** Enqueue an update only when this returns true (e.g. generation changed); default all updates. */
  readonly updatePredicate?: (previous: KubeObject, object: KubeObject) => boolean;
}

/** What a manager gives each controller. */
export interface ControllerDeps {
  readonly cache: SharedCache;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
}

const keyOf = (r: Request): string => (r.namespace ? `${r.namespace}/${r.name}` : r.name);

/** Only updates that change metadata.generation (spec changes), as controller-runtime's GenerationChangedPredicate. */
export function generationChanged(previous: KubeObject, object: KubeObject): boolean {
  return previous.metadata.generation !== object.metadata.generation;
}

/** Runs one reconciler over a work queue fed by shared informers. */
export class Controller {
  readonly name: string;
  readonly needLeaderElection: boolean;
  readonly queue: WorkQueue;
  readonly #options: ControllerOptions;
  readonly #deps: ControllerDeps;
  readonly #watched = new Set<string>();

  constructor(options: ControllerOptions, deps: ControllerDeps) {
    this.name = options.name;
    this.needLeaderElection = options.needLeaderElection ?? true;
    this.#options = options;
    this.#deps = deps;
    this.queue = new WorkQueue({
      metrics: deps.metrics.queue(options.name),
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    });
    this.#watch();
  }

  /** Registers event handlers on the shared informers (they start with the cache). */
  #watch(): void {
    const { cache } = this.#deps;
    const options = this.#options;
    const enqueue = (o: KubeObject): void => this.queue.add(objectKey(o));
    const predicate = options.updatePredicate ?? (() => true);
    cache.informer(options.for, options.scope).addHandler({
      onAdd: enqueue,
      onUpdate: (previous, object) => predicate(previous, object) && enqueue(object),
      onDelete: enqueue,
    });
    const forGroup = options.for.group;
    const enqueueOwner = (o: KubeObject): void => {
      const owner = controllerOf(o);
      if (!owner || owner.kind !== options.for.kind) return;
      const group = owner.apiVersion.includes("/") ? owner.apiVersion.split("/")[0] : "";
      if (group !== forGroup) return;
      this.queue.add(keyOf({ ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: owner.name }));
    };
    for (const kind of options.owns ?? []) {
      cache
        .informer(kind)
        .addHandler({ onAdd: enqueueOwner, onUpdate: (_, o) => enqueueOwner(o), onDelete: enqueueOwner });
    }
    for (const watch of options.watches ?? []) this.watch(watch.kind, watch.map, watch.scope, watch.updatePredicate);
  }

  /**
   * Watches another kind from now on (also after start): each change is
   * mapped to requests. Watching the same kind and scope twice is a no-op.
   */
  watch(
    kind: GroupVersionKind,
    map: MapFunc,
    scope: CacheScope = {},
    updatePredicate: (previous: KubeObject, object: KubeObject) => boolean = () => true,
  ): void {
    const key = `${kind.group}/${kind.version}/${kind.kind}|${scope.namespace ?? ""}|${scope.labelSelector ?? ""}`;
    if (this.#watched.has(key)) return;
    this.#watched.add(key);
    const mapped = (o: KubeObject): void => {
      for (const request of map(o)) this.queue.add(keyOf(request));
    };
    this.#deps.cache
      .informer(kind, scope)
      .addHandler({ onAdd: mapped, onUpdate: (p, o) => updatePredicate(p, o) && mapped(o), onDelete: mapped });
  }

  /**
   * Runs the workers until `signal` aborts; then stops taking new keys,
   * lets in-flight reconciles finish, and resolves.
   */
  async start(signal: AbortSignal): Promise<void> {
    const { metrics, log } = this.#deps;
    const concurrency = this.#options.maxConcurrentReconciles ?? 1;
    const labels = { controller: this.name };
    metrics.maxConcurrent.set(labels, concurrency);
    log.info({ controller: this.name, workers: concurrency }, "starting workers");
    await runWorkers(
      this.queue,
      concurrency,
      async (key) => {
        const id = randomUUID();
        const child = log.child({ controller: this.name, key, reconcileID: id });
        const request = parseKey(key);
        const started = performance.now();
        metrics.activeWorkers.inc(labels);
        try {
          const result = await this.#options.reconciler.reconcile(request, { log: child, signal, id });
          const after = result?.requeueAfter ?? 0;
          metrics.reconcileTotal.inc({ ...labels, result: after > 0 ? "requeue_after" : "success" });
          return after > 0 ? { requeueAfter: after } : undefined;
        } catch (error) {
          metrics.reconcileErrors.inc(labels);
          if (error instanceof TerminalError) {
            metrics.reconcileTotal.inc({ ...labels, result: "error" });
            child.error({ err: error }, "reconcile failed; not retrying (terminal)");
            return undefined;
          }
          metrics.reconcileTotal.inc({ ...labels, result: "error" });
          child.error({ err: error }, "reconcile failed; will retry with backoff");
          throw error;
        } finally {
          metrics.activeWorkers.dec(labels);
          metrics.reconcileTime.observe(labels, (performance.now() - started) / 1000);
        }
      },
      signal,
    );
    log.info({ controller: this.name }, "workers stopped");
  }
}
