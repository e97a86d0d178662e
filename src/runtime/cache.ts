/** The shared cache: one informer per kind and scope, shared by every controller of a manager. */
import type { KubeApi } from "../kube/api.ts";
import type { GroupVersionKind, KubeObject } from "../kube/types.ts";
import { Informer, type InformerOptions } from "./informer.ts";

/** Which objects of a kind to cache. */
export interface CacheScope {
  readonly namespace?: string;
  readonly labelSelector?: string;
}

/**
 * Hands out shared informers. Informers asked for after start() start at
 * once; stop() (aborting the start signal) ends them all.
 */
export class SharedCache {
  readonly #api: KubeApi;
  readonly #options: InformerOptions;
  readonly #informers = new Map<string, Informer>();
  #signal: AbortSignal | undefined;
  readonly #running: Promise<void>[] = [];

  constructor(api: KubeApi, options: InformerOptions = {}) {
    this.#api = api;
    this.#options = options;
  }

  /** The informer for `kind` in `scope`, created on first use. */
  informer<T extends KubeObject = KubeObject>(kind: GroupVersionKind, scope: CacheScope = {}): Informer<T> {
    const key = `${kind.group}/${kind.version}/${kind.kind}|${scope.namespace ?? ""}|${scope.labelSelector ?? ""}`;
    let informer = this.#informers.get(key);
    if (!informer) {
      informer = new Informer(this.#api, kind, { ...this.#options, ...scope });
      this.#informers.set(key, informer);
      if (this.#signal) this.#running.push(informer.run(this.#signal));
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer (now and later ones) until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.#signal = signal;
    for (const informer of this.#informers.values()) this.#running.push(informer.run(signal));
  }

  /** Resolves when every informer has synced; rejects after `timeoutMs`. */
  async waitForSync(timeoutMs: number): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(timeoutMs)));
  }

  /** True when every informer has synced. */
  hasSynced(): boolean {
    return [...this.#informers.values()].every((i) => i.hasSynced());
  }

  /** Resolves once every informer has returned (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.allSettled(this.#running);
  }
}
