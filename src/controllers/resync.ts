/**
 * The full-resync clock: between commits a sync reads live state from its
 * watches and touches only what changed; every `interval` (jittered ±10 %, so
 * owners started together spread out) one sync of each owner dry-runs every
 * object instead, as a safety net for a change a watch missed.
 */

/** Default interval of the full resync: 1 h. */
export const defaultFullResyncMs = 3_600_000;

/** When each owner's next full resync is due. */
export class FullResyncClock {
  readonly #intervalMs: number;
  readonly #random: () => number;
  readonly #next = new Map<string, number>();

  /** `intervalMs` 0 makes every sync a full one. */
  constructor(intervalMs: number = defaultFullResyncMs, random: () => number = Math.random) {
    this.#intervalMs = intervalMs;
    this.#random = random;
  }

  #after(now: number): number {
    return now + this.#intervalMs * (0.9 + 0.2 * this.#random());
  }

  /**
   * True when `key`'s next sync should be a full one. The first call only starts the clock: after a
   * restart the watches list everything afresh and the inventory's hashes say what was applied.
   */
  due(key: string, now: number = Date.now()): boolean {
    if (this.#intervalMs <= 0) return true;
    let next = this.#next.get(key);
    if (next === undefined) {
      next = this.#after(now);
      this.#next.set(key, next);
    }
    return now >= next;
  }

  /** Records that `key` had a full resync at `now`: the next is one interval away. */
  done(key: string, now: number = Date.now()): void {
    this.#next.set(key, this.#after(now));
  }

  /** Milliseconds until `key`'s next full resync (0 when due). */
  remaining(key: string, now: number = Date.now()): number {
    const next = this.#next.get(key);
    return next === undefined ? this.#intervalMs : Math.max(0, next - now);
  }

  /** Drops `key` (its owner was deleted). */
  forget(key: string): void {
    this.#next.delete(key);
  }
}
