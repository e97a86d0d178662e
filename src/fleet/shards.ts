/**
 * Sharding the fleet across kaika replicas. Clusters map to one of `count`
 * shards by a stable hash of "namespace/name"; each shard is a Lease
 * (`kaika-shard-<i>`) held by one replica at a time. Each replica also keeps
 * a presence Lease (`kaika-replica-<id>`), counts the live replicas, and holds
 * its fair share — ceil(shards / live replicas) — taking free or expired
 * shards and releasing extras. A dead replica's shards expire and are taken
 * over by the others; a new replica gets its share as the others release.
 *
 * Liveness is judged as the leader election judges it: by when this replica
 * last saw a Lease's renewTime change, on its own monotonic clock.
 */
import { createHash } from "node:crypto";
import type { KubeApi } from "../kube/api.ts";
import { gvk } from "../kube/types.ts";
import { LeaderElector } from "../runtime/index.ts";
import type { LeaderElectionLogger } from "../runtime/leader-election.ts";

const Lease = gvk("coordination.k8s.io/v1", "Lease");
const shardPrefix = "kaika-shard-";
const replicaPrefix = "kaika-replica-";

/** The shard of a key ("namespace/name"): the first 4 bytes of its SHA-256, mod `count`. */
export function shardOf(key: string, count: number): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) % count;
}

/** Options of Shards. */
export interface ShardOptions {
  readonly api: KubeApi;
  readonly namespace: string;
  readonly count: number;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log?: LeaderElectionLogger & { debug?(obj: object, msg: string): void };
  /** Called whenever this replica gains or loses a shard. */
  readonly onChange?: (held: readonly number[]) => void;
}

/** Which shards this replica holds; `owns(key)` tells the controllers what is theirs. */
export class Shards {
  readonly count: number;
  readonly #options: ShardOptions | undefined;
  readonly #held = new Set<number>();
  readonly #releasers = new Map<number, AbortController>();
  readonly #electors = new Map<number, LeaderElector>();
  readonly #trying = new Set<number>();
  readonly #seen = new Map<string, { renewTime: string; at: number }>();
  #turn = 0;

  private constructor(count: number, options?: ShardOptions) {
    this.count = count;
    this.#options = options;
    if (!options) this.#held.add(0);
  }

  /** One replica, one shard: owns everything, no Leases. */
  static single(): Shards {
    return new Shards(1);
  }

  /** `count` shards held through Leases; call run() to take part. */
  static leased(options: ShardOptions): Shards {
    if (!(Number.isInteger(options.count) && options.count >= 1))
      throw new Error("--shards must be a whole number ≥ 1");
    return new Shards(options.count, options);
  }

  owns(key: string): boolean {
    return this.#held.has(shardOf(key, this.count));
  }

  held(): number[] {
    return [...this.#held].sort((a, b) => a - b);
  }

  /** Keeps this replica's presence and fair share until `signal` aborts; then releases everything. */
  async run(signal: AbortSignal): Promise<void> {
    const o = this.#options;
    if (!o) return;
    const period = o.retryPeriodMs ?? 2000;
    const presence = this.#elector(
      `${replicaPrefix}${createHash("sha256").update(o.identity).digest("hex").slice(0, 16)}`,
    );
    const presenceStop = new AbortController();
    const presenceDone = presence
      .acquire(signal)
      .then((ok) => (ok ? presence.renewUntil(presenceStop.signal) : "released"));
    try {
      while (!signal.aborted) {
        await this.#balance(signal).catch((err: unknown) => o.log?.warn({ err }, "shards: balancing failed"));
        await new Promise((r) => setTimeout(r, period));
      }
    } finally {
      for (const releaser of this.#releasers.values()) releaser.abort();
      presenceStop.abort();
      await presenceDone.catch(() => {});
    }
  }

  /** One round: count live replicas, take shards up to the fair share, release what is beyond it. */
  async #balance(signal: AbortSignal): Promise<void> {
    const o = this.#options as ShardOptions;
    const duration = o.leaseDurationMs ?? 15_000;
    const now = performance.now();
    const leases = (await o.api.list(Lease, { namespace: o.namespace })).items;
    let live = 0;
    for (const lease of leases) {
      const name = lease.metadata.name ?? "";
      if (!name.startsWith(replicaPrefix)) continue;
      const spec = (lease.spec ?? {}) as { holderIdentity?: string; renewTime?: string };
      const renewTime = spec.renewTime ?? "";
      const seen = this.#seen.get(name);
      if (!seen || seen.renewTime !== renewTime) this.#seen.set(name, { renewTime, at: now });
      const at = this.#seen.get(name)?.at ?? now;
      if (spec.holderIdentity && now - at < duration) live++;
    }
    const fair = Math.ceil(this.count / Math.max(1, live));
    if (this.#held.size > fair) {
      const extra = this.held().slice(fair);
      for (const shard of extra) this.#releasers.get(shard)?.abort();
      return;
    }
    // Free shards first; then those held by others, in turn, so an expired holder is noticed and replaced.
    const holderOf = new Map(
      leases.map((l) => [l.metadata.name ?? "", (l.spec as { holderIdentity?: string } | undefined)?.holderIdentity]),
    );
    const candidates = [...Array(this.count).keys()]
      .filter((shard) => !this.#held.has(shard) && !this.#trying.has(shard))
      .map((shard) => ({ shard, free: !holderOf.get(`${shardPrefix}${shard}`) }))
      .sort(
        (a, b) =>
          Number(b.free) - Number(a.free) ||
          ((a.shard - this.#turn + this.count) % this.count) - ((b.shard - this.#turn + this.count) % this.count),
      );
    this.#turn = (this.#turn + 1) % this.count;
    for (const { shard } of candidates) {
      if (this.#held.size + this.#trying.size >= fair || signal.aborted) break;
      this.#try(shard, signal);
    }
  }

  /** One acquisition attempt (the elector tries at once; the short signal stops its retry loop). */
  #try(shard: number, signal: AbortSignal): void {
    const o = this.#options as ShardOptions;
    const elector = this.#electors.get(shard) ?? this.#elector(`${shardPrefix}${shard}`);
    this.#electors.set(shard, elector);
    this.#trying.add(shard);
    const attempt = AbortSignal.any([signal, AbortSignal.timeout((o.retryPeriodMs ?? 2000) / 2)]);
    void elector
      .acquire(attempt)
      .then((acquired) => {
        this.#trying.delete(shard);
        if (!acquired) return;
        const releaser = new AbortController();
        this.#releasers.set(shard, releaser);
        this.#held.add(shard);
        o.log?.info({ shard, held: this.held() }, "shard acquired");
        o.onChange?.(this.held());
        void elector.renewUntil(AbortSignal.any([signal, releaser.signal])).then((outcome) => {
          this.#held.delete(shard);
          this.#releasers.delete(shard);
          o.log?.info({ shard, outcome, held: this.held() }, "shard given up");
          o.onChange?.(this.held());
        });
      })
      .catch(() => this.#trying.delete(shard));
  }

  #elector(name: string): LeaderElector {
    const o = this.#options as ShardOptions;
    return new LeaderElector({
      api: o.api,
      namespace: o.namespace,
      name,
      identity: o.identity,
      ...(o.leaseDurationMs !== undefined ? { leaseDurationMs: o.leaseDurationMs } : {}),
      ...(o.renewDeadlineMs !== undefined ? { renewDeadlineMs: o.renewDeadlineMs } : {}),
      ...(o.retryPeriodMs !== undefined ? { retryPeriodMs: o.retryPeriodMs } : {}),
    });
  }
}
