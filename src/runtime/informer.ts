/** An informer: a lean, indexed cache of one kind, kept current by a reflector, with change handlers. */
import type { KubeApi } from "../kube/api.ts";
import { type GroupVersionKind, type KubeObject, objectKey } from "../kube/types.ts";
import { type ReflectOptions, type ReflectorEvent, reflect } from "../kube/watch.ts";

/** Called on changes; handlers must not mutate the objects they get (they are the cache's). */
export interface EventHandler<T extends KubeObject = KubeObject> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, object: T): void;
  onDelete?(object: T): void;
}

/** Computes the values an object is indexed under. */
export type IndexFunc<T extends KubeObject = KubeObject> = (object: T) => readonly string[];

/** Options of an informer. */
export interface InformerOptions extends ReflectOptions {
  /** Keep metadata.managedFields and the last-applied annotation (dropped by default to save memory). */
  readonly keepManagedFields?: boolean;
  /** Called for each watch restart, e.g. to count them in metrics. */
  readonly onRestart?: (reason: string, error?: unknown) => void;
  /** Rewrites each object before it is cached (as client-go's SetTransform): e.g. drop Secret values. */
  readonly transform?: <T extends KubeObject>(object: T) => T;
}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";

/** Index name under which objects are filed by namespace. */
export const namespaceIndex = "namespace";

/**
 * Caches every object of one kind (optionally one namespace / label selector).
 * Never stops on errors: the reflector relists and resumes; only aborting the
 * signal passed to run() ends it.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly kind: GroupVersionKind;
  readonly #api: KubeApi;
  readonly #options: InformerOptions;
  readonly #store = new Map<string, T>();
  readonly #handlers = new Set<EventHandler<T>>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  #synced = false;
  #syncWaiters: (() => void)[] = [];

  constructor(api: KubeApi, kind: GroupVersionKind, options: InformerOptions = {}) {
    this.#api = api;
    this.kind = kind;
    this.#options = options;
    this.addIndex(namespaceIndex, (o) => [o.metadata.namespace ?? ""]);
  }

  /**
   * Adds a handler. Objects already cached are delivered to onAdd first, as
   * client-go does, so late handlers see the full state. Returns a remover.
   */
  addHandler(handler: EventHandler<T>): () => void {
    this.#handlers.add(handler);
    for (const object of this.#store.values()) handler.onAdd?.(object);
    return () => this.#handlers.delete(handler);
  }

  /** Adds an index; byIndex(name, value) then finds objects in O(matches). */
  addIndex(name: string, index: IndexFunc<T>): void {
    this.#indexers.set(name, index);
    const byValue = new Map<string, Set<string>>();
    this.#indexes.set(name, byValue);
    for (const [key, object] of this.#store) this.#fileUnder(byValue, index(object), key);
  }

  /** Objects whose index `name` includes `value`. */
  byIndex(name: string, value: string): T[] {
    const keys = this.#indexes.get(name)?.get(value);
    if (!this.#indexes.has(name)) throw new Error(`informer for ${this.kind.kind} has no index "${name}"`);
    return [...(keys ?? [])].flatMap((k) => this.#store.get(k) ?? []);
  }

  /** The cached object with key "namespace/name" (or "name"). */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.#store.values()];
  }

  /** Number of cached objects. */
  get size(): number {
    return this.#store.size;
  }

  /** True once the first list has been delivered in full. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves when synced; rejects after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`cache for ${this.kind.kind} did not sync within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#syncWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    for await (const event of reflect<T>(this.#api, this.kind, signal, this.#options)) this.#apply(event);
  }

  #lean(received: T): T {
    const object = this.#options.transform ? this.#options.transform(received) : received;
    if (this.#options.keepManagedFields) return object;
    delete object.metadata.managedFields;
    if (object.metadata.annotations?.[lastApplied] !== undefined) {
      delete object.metadata.annotations[lastApplied];
    }
    return object;
  }

  #apply(event: ReflectorEvent<T>): void {
    switch (event.type) {
      case "SYNCED":
        if (!this.#synced) {
          this.#synced = true;
          for (const wake of this.#syncWaiters.splice(0)) wake();
        }
        return;
      case "RESTART":
        this.#options.onRestart?.(event.reason, event.error);
        return;
      case "DELETED": {
        const key = objectKey(event.object);
        // A relist knows a deleted object only by key: hand handlers our last copy.
        const last = this.#store.get(key) ?? event.object;
        this.#store.delete(key);
        this.#unindex(key, last);
        for (const h of this.#handlers) h.onDelete?.(last);
        return;
      }
      default: {
        const object = this.#lean(event.object);
        const key = objectKey(object);
        const previous = this.#store.get(key);
        this.#store.set(key, object);
        if (previous) this.#unindex(key, previous);
        for (const [name, index] of this.#indexers) this.#fileUnder(this.#indexes.get(name), index(object), key);
        for (const h of this.#handlers) {
          if (previous) h.onUpdate?.(previous, object);
          else h.onAdd?.(object);
        }
      }
    }
  }

  #fileUnder(byValue: Map<string, Set<string>> | undefined, values: readonly string[], key: string): void {
    if (!byValue) return;
    for (const value of values) {
      const keys = byValue.get(value) ?? new Set<string>();
      keys.add(key);
      byValue.set(value, keys);
    }
  }

  #unindex(key: string, object: T): void {
    for (const [name, index] of this.#indexers) {
      const byValue = this.#indexes.get(name);
      for (const value of index(object)) {
        const keys = byValue?.get(value);
        keys?.delete(key);
        if (keys?.size === 0) byValue?.delete(value);
      }
    }
  }
}
