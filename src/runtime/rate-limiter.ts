/** Rate limiters that decide how long a work queue key waits before it is retried, as in client-go's workqueue. */

/** Decides the delay before a key is processed again. client-go's TypedRateLimiter. */
export interface RateLimiter {
  /** Milliseconds to wait before `key` is processed again; each call counts as one more requeue of `key`. */
  when(key: string): number;
  /** Stops tracking `key`: its requeue count, and so its backoff, start over. */
  forget(key: string): void;
  /** How many times when(`key`) was called since `key` was last forgotten. */
  numRequeues(key: string): number;
}

/** Options of {@link ItemExponentialFailureRateLimiter}. */
export interface ExponentialBackoffOptions {
  /** Delay after a key's first failure. Defaults to 5 ms. */
  readonly baseDelayMs?: number;
  /** Longest delay. Defaults to 1000 s (1 000 000 ms). */
  readonly maxDelayMs?: number;
}

/** Options of {@link BucketRateLimiter}. */
export interface TokenBucketOptions {
  /** Tokens added per second, for all keys together. Defaults to 10; Infinity disables the limit. */
  readonly qps?: number;
  /** Size of the bucket, which starts full. Defaults to 100. */
  readonly burst?: number;
  /** Monotonic clock in milliseconds. Defaults to performance.now(); tests inject their own. */
  readonly now?: () => number;
}

function check(name: string, value: number, ok: boolean): number {
  if (!ok) throw new RangeError(`rate limiter: invalid ${name} ${value}`);
  return value;
}

/**
 * Per-key exponential backoff: the n-th when() of a key since it was last forgotten returns
 * baseDelayMs·2^(n-1), capped at maxDelayMs (defaults 5 ms, 10 ms, 20 ms, … up to 1000 s).
 * client-go's ItemExponentialFailureRateLimiter.
 */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<string, number>();

  constructor(options: ExponentialBackoffOptions = {}) {
    const base = options.baseDelayMs ?? 5;
    const max = options.maxDelayMs ?? 1_000_000;
    this.#baseDelayMs = check("baseDelayMs", base, base >= 0 && Number.isFinite(base));
    this.#maxDelayMs = check("maxDelayMs", max, max >= 0);
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2 ** 1024 is Infinity, and 0 * Infinity is NaN; the cap is reached long before.
    return Math.min(this.#baseDelayMs * 2 ** Math.min(failures, 1023), this.#maxDelayMs);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * One token bucket shared by all keys (golang.org/x/time/rate's Limiter.Reserve, as client-go's
 * BucketRateLimiter uses it): the bucket holds up to `burst` tokens (default 100) and refills at `qps`
 * per second (default 10). Each when() takes a token; once the bucket is empty, tokens are borrowed
 * from the future, so successive calls return delays spaced 1000/qps ms apart (100 ms by default).
 * Keys are not tracked: forget() does nothing and numRequeues() is 0.
 */
export class BucketRateLimiter implements RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number | undefined;

  constructor(options: TokenBucketOptions = {}) {
    const qps = options.qps ?? 10;
    const burst = options.burst ?? 100;
    this.#qps = check("qps", qps, qps > 0);
    this.#burst = check("burst", burst, Number.isInteger(burst) && burst >= 1);
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = burst;
  }

  when(_key: string): number {
    if (this.#qps === Number.POSITIVE_INFINITY) return 0;
    const now = this.#now();
    if (this.#last !== undefined && now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    }
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens < 0 ? (-this.#tokens * 1000) / this.#qps : 0;
  }

  forget(_key: string): void {}

  numRequeues(_key: string): number {
    return 0;
  }
}

/**
 * Combines limiters: when() asks every one (each counts the call) and returns the longest delay;
 * numRequeues() is the largest count; forget() forgets in all. client-go's MaxOfRateLimiter.
 */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.#limiters = limiters;
  }

  when(key: string): number {
    let delay = 0;
    for (const limiter of this.#limiters) delay = Math.max(delay, limiter.when(key));
    return delay;
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    let requeues = 0;
    for (const limiter of this.#limiters) requeues = Math.max(requeues, limiter.numRequeues(key));
    return requeues;
  }
}

/**
 * The limiter of controller-runtime's default queue (client-go's DefaultTypedControllerRateLimiter):
 * the longer of per-key exponential backoff (5 ms doubling per failure, capped at 1000 s) and an
 * overall token bucket (10 qps, burst 100). Every default can be overridden through `options`.
 */
export function defaultControllerRateLimiter(
  options: ExponentialBackoffOptions & TokenBucketOptions = {},
): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(options), new BucketRateLimiter(options));
}
