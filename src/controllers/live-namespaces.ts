/** The live Namespaces of the cluster kaika runs in, for NamespaceSelectors in mode: dynamic; a change re-queues their readers. */
import { gvk, type KubeObject } from "../kube/types.ts";
import type { NamespaceLabels } from "../render/namespace-fanout.ts";
import type { Informer, SharedCache } from "../runtime/index.ts";

const NamespaceKind = gvk("v1", "Namespace");

/** What counts for a selector: the labels, and whether the namespace is terminating (then it is left out). */
const selectable = (ns: KubeObject): string =>
  JSON.stringify([ns.metadata.labels ?? {}, ns.metadata.deletionTimestamp !== undefined]);

/**
 * Namespace labels from a shared informer, started on first use, so a
 * manager whose Syncs use no dynamic selector never watches Namespaces.
 * Interest is one-shot: `labels(key)` registers Sync `key`; the next
 * Namespace added, deleted, relabelled or set terminating re-queues every
 * registered Sync once and forgets it, and its reconcile registers again if
 * its render still reads the labels. A deleted Sync is re-queued at most once.
 */
export class LiveNamespaces {
  readonly #cache: SharedCache;
  readonly #requeue: (key: string) => void;
  readonly #syncTimeoutMs: number;
  readonly #readers = new Set<string>();
  #informer: Informer | undefined;

  /** `requeue` adds a "namespace/name" key to the Sync queue; `syncTimeoutMs` (default 30 s) bounds the first list. */
  constructor(cache: SharedCache, requeue: (key: string) => void, syncTimeoutMs = 30_000) {
    this.#cache = cache;
    this.#requeue = requeue;
    this.#syncTimeoutMs = syncTimeoutMs;
  }

  /** The live, non-terminating Namespaces (name → labels), for Sync `key`; rejects when the cache does not sync in time. */
  async labels(key: string): Promise<NamespaceLabels> {
    this.#readers.add(key);
    const informer = this.#start();
    await informer.waitForSync(this.#syncTimeoutMs);
    const labels = new Map<string, Readonly<Record<string, string>>>();
    for (const ns of informer.list()) {
      if (!ns.metadata.deletionTimestamp) labels.set(ns.metadata.name ?? "", ns.metadata.labels ?? {});
    }
    return labels;
  }

  #start(): Informer {
    if (this.#informer) return this.#informer;
    const informer = this.#cache.informer(NamespaceKind);
    // The first list arrives as adds: nothing changed for a reader that has not yet read.
    const wake = (): void => {
      if (!informer.hasSynced()) return;
      const keys = [...this.#readers];
      this.#readers.clear();
      for (const key of keys) this.#requeue(key);
    };
    informer.addHandler({
      onAdd: wake,
      onDelete: wake,
      onUpdate: (before, after) => {
        if (selectable(before) !== selectable(after)) wake();
      },
    });
    this.#informer = informer;
    return informer;
  }
}
