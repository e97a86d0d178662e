/**
 * The live cache: label-selected watches of the kinds kaika applied, keeping
 * of each object only its fingerprint and health, not the object. A sync
 * reads live state from it instead of the apiserver, and a change seen on
 * the watch (drift, deletion) is reported at once.
 */
import type { KubeApi } from "../kube/api.ts";
import { NoKindMatchError } from "../kube/discovery.ts";
import type { GroupVersionKind, KubeObject } from "../kube/types.ts";
import { type Informer, SharedCache } from "../runtime/index.ts";
import { liveHash } from "./fingerprint.ts";
import { computeHealth, type HealthStatus } from "./health.ts";
import type { ObjectId } from "./refs.ts";

/** What the watch last saw of one object. */
export interface LiveRecord {
  /** liveHash() of the object. */
  readonly hash: string;
  readonly health: HealthStatus;
  /** The health message, kept only when not Current. */
  readonly message?: string;
}

/** The applier's view of live state. */
export interface LiveState {
  /** Watches these kinds from now on (once each; unserved kinds are skipped) and waits until each has listed. */
  watch(kinds: readonly GroupVersionKind[]): Promise<void>;
  /** What the watch last saw of `id`: null when it does not exist, undefined when its kind is not listed (yet). */
  lookup(id: ObjectId): LiveRecord | null | undefined;
}

/** Options of a LiveCache. */
export interface LiveCacheOptions {
  /** Which objects to watch: kaika's own, e.g. "kaika.dev/sync-name". */
  readonly labelSelector: string;
  /** Called when a watched object's state (not its status) changes or it is deleted. */
  readonly onChange?: (object: KubeObject) => void;
  /** How long watch() waits for a new kind's first list; default 60 s (then lookups say "unknown"). */
  readonly syncTimeoutMs?: number;
}

type Compact = KubeObject & { readonly live: LiveRecord };

/** Reduces an object to what drift detection needs: identity, labels (owners), fingerprint, health. */
function compact<T extends KubeObject>(object: T): T {
  const health = computeHealth(object);
  const { name, namespace, labels, resourceVersion } = object.metadata;
  const live: LiveRecord = {
    hash: liveHash(object),
    health: health.status,
    ...(health.status === "Current" ? {} : { message: health.message }),
  };
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name, namespace, labels, resourceVersion },
    live,
  } as unknown as T;
}

/** Watches of one cluster, shared by every owner that applies there. Runs until the start signal aborts. */
export class LiveCache implements LiveState {
  readonly #api: KubeApi;
  readonly #cache: SharedCache;
  readonly #options: LiveCacheOptions;
  /** Informers by "group/Kind". */
  readonly #informers = new Map<string, Informer<Compact>>();

  constructor(api: KubeApi, options: LiveCacheOptions) {
    this.#api = api;
    this.#options = options;
    this.#cache = new SharedCache(api, { transform: compact });
  }

  /** Starts the watches (now and later ones) until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.#cache.start(signal);
  }

  /** Resolves once every watch has ended (after the start signal aborted). */
  stopped(): Promise<void> {
    return this.#cache.stopped();
  }

  async watch(kinds: readonly GroupVersionKind[]): Promise<void> {
    const started: Informer<Compact>[] = [];
    for (const kind of kinds) {
      const key = `${kind.group}/${kind.kind}`;
      if (this.#informers.has(key)) continue;
      try {
        await this.#api.mapper.mapping(kind);
      } catch (error) {
        if (error instanceof NoKindMatchError) continue; // its CRD is not there yet: a later sync watches it
        throw error;
      }
      if (this.#informers.has(key)) continue; // another sync started it meanwhile
      const informer = this.#cache.informer<Compact>(kind, { labelSelector: this.#options.labelSelector });
      this.#informers.set(key, informer);
      const onChange = this.#options.onChange;
      if (onChange) {
        informer.addHandler({
          onUpdate: (before, after) => {
            if (before.live.hash !== after.live.hash) onChange(after);
          },
          onDelete: onChange,
        });
      }
      started.push(informer);
    }
    const timeoutMs = this.#options.syncTimeoutMs ?? 60_000;
    await Promise.all(started.map((i) => i.waitForSync(timeoutMs).catch(() => undefined)));
  }

  lookup(id: ObjectId): LiveRecord | null | undefined {
    const informer = this.#informers.get(`${id.group}/${id.kind}`);
    if (!informer?.hasSynced()) return undefined;
    return informer.get(id.namespace ? `${id.namespace}/${id.name}` : id.name)?.live ?? null;
  }
}
