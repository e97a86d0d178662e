/**
 * Adaptive concurrency for a burst of requests to one apiserver, as TCP
 * sizes its window: slow start (one more per answer, so it doubles each
 * round) until the server first throttles, then additive increase (one more
 * per `limit` answers); a throttle (a 429, which is how API Priority and
 * Fairness sheds load; the client waits its Retry-After before retrying)
 * halves it.
 */

/** Bounds of an AdaptiveLimit. */
export interface AdaptiveLimitOptions {
  /** Requests in flight at first; default 8. */
  readonly initial?: number;
  /** Never more than this; default 4 × initial. */
  readonly max?: number;
}

/** The number of requests to keep in flight, adjusted from what the server answers. */
export class AdaptiveLimit {
  #limit: number;
  readonly #max: number;
  #answered = 0;
  #throttlesSeen: number;
  /** Whether this limit has seen the server throttle: slow start ends then. */
  #throttled = false;

  /** `throttles` is the client's count of 429 answers so far (KubeClient.throttles). */
  constructor(throttles: number, options: AdaptiveLimitOptions = {}) {
    this.#limit = Math.max(1, options.initial ?? 8);
    this.#max = Math.max(this.#limit, options.max ?? this.#limit * 4);
    this.#throttlesSeen = throttles;
  }

  get current(): number {
    return this.#limit;
  }

  /**
   * Records one finished request, given the client's 429 count now: new throttling halves the limit
   * (once per throttling seen, however many requests were in flight) and ends slow start; otherwise
   * the limit grows by one per answer in slow start, by one per `limit` answers after it.
   */
  observe(throttles: number): void {
    if (throttles > this.#throttlesSeen) {
      this.#throttlesSeen = throttles;
      this.#throttled = true;
      this.#limit = Math.max(1, Math.floor(this.#limit / 2));
      this.#answered = 0;
      return;
    }
    if (this.#throttled && ++this.#answered < this.#limit) return;
    this.#answered = 0;
    this.#limit = Math.min(this.#max, this.#limit + 1);
  }
}

/**
 * Runs `work` over `items` in order of start, with at most `limit.current` in flight at any time.
 * Each finished item starts the next ones itself (no Promise.race over everything in flight, which
 * costs a reaction per running item per start). Rejects with the first error `work` throws; the
 * items already started still run to their end, no further one starts.
 */
export function pool<T>(
  items: readonly T[],
  limit: { readonly current: number },
  work: (item: T) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = 0;
    let failed = false;
    const launch = (): void => {
      while (!failed && running < Math.max(1, limit.current) && next < items.length) {
        const item = items[next++] as T;
        running++;
        work(item).then(
          () => {
            running--;
            launch();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
      if (running === 0 && next >= items.length) resolve();
    };
    launch();
  });
}
