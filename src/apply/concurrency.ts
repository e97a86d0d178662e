/**
 * Adaptive concurrency for a burst of requests to one apiserver: additive
 * increase while it answers, multiplicative decrease when it throttles (a
 * 429, which is how API Priority and Fairness sheds load; the client waits
 * its Retry-After before retrying).
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
   * (once per throttling seen, however many requests were in flight); `limit` answers in a row
   * without it raise the limit by one.
   */
  observe(throttles: number): void {
    if (throttles > this.#throttlesSeen) {
      this.#throttlesSeen = throttles;
      this.#limit = Math.max(1, Math.floor(this.#limit / 2));
      this.#answered = 0;
      return;
    }
    if (++this.#answered >= this.#limit) {
      this.#answered = 0;
      this.#limit = Math.min(this.#max, this.#limit + 1);
    }
  }
}

/** Runs `work` over `items` in order of start, with at most `limit.current` in flight at any time. */
export async function pool<T>(
  items: readonly T[],
  limit: { readonly current: number },
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  for (const item of items) {
    while (running.size >= limit.current) await Promise.race(running);
    const task: Promise<void> = work(item).finally(() => running.delete(task));
    running.add(task);
  }
  await Promise.all(running);
}
