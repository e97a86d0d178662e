/** The controller work queue: client-go's deduplicating, delaying, rate-limited queue of string keys. */
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.ts";

/**
 * Callbacks for metrics, all optional, so an adapter can record controller-runtime's workqueue_* series.
 * Times are milliseconds.
 */
export interface QueueMetrics {
  /** `key` was added and was not already waiting (deduplicated adds are not counted): workqueue_adds_total. */
  onAdd?(key: string): void;
  /** A worker took `key`, `waitedMs` after it was added: workqueue_queue_duration_seconds. */
  onGet?(key: string, waitedMs: number): void;
  /** A worker finished `key`, `workMs` after taking it: workqueue_work_duration_seconds. */
  onDone?(key: string, workMs: number): void;
  /** addAfter() or addRateLimited() was called before shutdown: workqueue_retries_total. */
  onRetry?(key: string): void;
  /**
   * The number of keys added and not yet taken is now `n`: workqueue_depth. As in client-go, this counts
   * keys held back until done() because they are being processed, so it can exceed len().
   */
  depth?(n: number): void;
}

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Delays for addRateLimited(). Defaults to defaultControllerRateLimiter() (5 ms–1000 s backoff, 10 qps, burst 100). */
  readonly rateLimiter?: RateLimiter;
  readonly metrics?: QueueMetrics;
}

/** The longest delay setTimeout accepts; longer waits re-arm the timer when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delayed key: when it is due, and which key. */
type Scheduled = [dueAt: number, key: string];

/**
 * A work queue of keys such as "namespace/name", with client-go's semantics (controller-runtime's default
 * rate-limited queue):
 * - a key is waiting at most once: add() of a waiting key does nothing;
 * - a key is handed to one worker at a time: add() of a key being processed marks it dirty, and done()
 *   puts it back, once however many adds came in;
 * - keys are handed out in the order they were added (FIFO);
 * - after shutDown(), adds are ignored, delayed keys dropped, and get() hands out the keys still waiting,
 *   then resolves undefined.
 */
export class WorkQueue {
  readonly #rateLimiter: RateLimiter;
  readonly #metrics: QueueMetrics;
  /** Keys waiting for a worker, oldest first. Each is also in #dirty. */
  readonly #queue = new Set<string>();
  /** Keys added and not yet taken → when they were added. */
  readonly #dirty = new Map<string, number>();
  /** Keys held by a worker → when they were taken. */
  readonly #processing = new Map<string, number>();
  /** Pending get() calls; there are some only while #queue is empty. */
  readonly #getters: ((key: string | undefined) => void)[] = [];
  /** Pending shutDownWithDrain() calls. */
  readonly #drainers: (() => void)[] = [];
  /** Delayed keys → when they are due; #heap orders them, and entries that disagree with it are stale. */
  readonly #delayed = new Map<string, number>();
  #heap: Scheduled[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.#metrics = options.metrics ?? {};
  }

  /** Queues `key`, unless it is already waiting, or marks it to be queued again on done() if it is being processed. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.set(key, performance.now());
    this.#metrics.onAdd?.(key);
    this.#metrics.depth?.(this.#dirty.size);
    if (this.#processing.has(key)) return;
    this.#queue.add(key);
    this.#dispatch();
  }

  /**
   * Adds `key` after `delayMs` (at once if ≤ 0). If `key` is already scheduled, the earlier time wins.
   * The timer is cleared by shutDown(), so it never keeps the process alive after it.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    this.#metrics.onRetry?.(key);
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const dueAt = performance.now() + delayMs;
    const scheduled = this.#delayed.get(key);
    if (scheduled !== undefined && scheduled <= dueAt) return;
    this.#delayed.set(key, dueAt);
    heapPush(this.#heap, [dueAt, key]);
    this.#arm();
  }

  /** Adds `key` after the rate limiter's when(key), which also counts one more requeue of `key`. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Resets `key`'s requeue count in the rate limiter, so its backoff starts over. Call it when `key` succeeded. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  /** How many times `key` was rate-limited since it was last forgotten. */
  numRequeues(key: string): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /**
   * Takes the oldest waiting key, waiting for one if none is. The caller must call done(key) when finished
   * with it. Resolves undefined once the queue is shut down and no key is waiting.
   */
  get(): Promise<string | undefined> {
    if (this.#queue.size > 0) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `key` finished; if it was added while being processed, it waits again. Does nothing if `key` was not taken. */
  done(key: string): void {
    const takenAt = this.#processing.get(key);
    if (takenAt === undefined) return;
    this.#processing.delete(key);
    this.#metrics.onDone?.(key, performance.now() - takenAt);
    if (this.#dirty.has(key)) {
      this.#queue.add(key);
      this.#dispatch();
    }
    if (this.#processing.size === 0) for (const resolve of this.#drainers.splice(0)) resolve();
  }

  /** How many keys are waiting for a worker (not counting delayed keys or keys being processed). */
  len(): number {
    return this.#queue.size;
  }

  /** True once shutDown() or shutDownWithDrain() was called. */
  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops the queue: later adds are ignored, delayed keys are dropped and their timer cleared, and pending
   * get() calls resolve undefined. Keys still waiting are handed out by later get() calls. Ends a pending
   * shutDownWithDrain().
   */
  shutDown(): void {
    this.#stop();
    for (const resolve of this.#drainers.splice(0)) resolve();
  }

  /** Like shutDown(), then resolves once no key is being processed (every taken key is done), or on shutDown(). */
  shutDownWithDrain(): Promise<void> {
    this.#stop();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainers.push(resolve));
  }

  #stop(): void {
    this.#shuttingDown = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#delayed.clear();
    this.#heap = [];
    for (const resolve of this.#getters.splice(0)) resolve(undefined);
  }

  #take(): string {
    const key = this.#queue.values().next().value!;
    this.#queue.delete(key);
    const now = performance.now();
    const addedAt = this.#dirty.get(key) ?? now;
    this.#dirty.delete(key);
    this.#processing.set(key, now);
    this.#metrics.onGet?.(key, now - addedAt);
    this.#metrics.depth?.(this.#dirty.size);
    return key;
  }

  #dispatch(): void {
    while (this.#queue.size > 0 && this.#getters.length > 0) this.#getters.shift()!(this.#take());
  }

  /** Points the timer at the earliest delayed key, dropping stale heap entries first. */
  #arm(): void {
    while (this.#heap[0] !== undefined && this.#delayed.get(this.#heap[0][1]) !== this.#heap[0][0]) heapPop(this.#heap);
    const head = this.#heap[0];
    if (head === undefined || head[0] >= this.#timerAt) return;
    clearTimeout(this.#timer);
    const delayMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(head[0] - performance.now())));
    this.#timerAt = head[0];
    this.#timer = setTimeout(() => this.#fire(), delayMs);
  }

  /** Adds every delayed key that is due, earliest first, then re-arms (timers may fire a little early). */
  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    for (let head = this.#heap[0]; head !== undefined && head[0] <= now; head = this.#heap[0]) {
      heapPop(this.#heap);
      if (this.#delayed.get(head[1]) !== head[0]) continue;
      this.#delayed.delete(head[1]);
      this.add(head[1]);
    }
    this.#arm();
  }
}

function heapPush(heap: Scheduled[], entry: Scheduled): void {
  let i = heap.push(entry) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]![0] <= entry[0]) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = entry;
}

function heapPop(heap: Scheduled[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  let i = 0;
  for (let child = 1; child < heap.length; child = 2 * i + 1) {
    if (child + 1 < heap.length && heap[child + 1]![0] < heap[child]![0]) child++;
    if (heap[child]![0] >= last[0]) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
}

/** What a handler of {@link runWorkers} may return. controller-runtime's reconcile.Result. */
export interface ReconcileResult {
  /** If > 0, process the key again after this many milliseconds. */
  readonly requeueAfter?: number;
}

/**
 * Handles one key for {@link runWorkers}. Returning nothing (`async () => {}`) means success, hence `void`.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: lets handlers that return nothing type-check.
export type Reconciler = (key: string) => Promise<ReconcileResult | undefined | void>;

/**
 * Runs `concurrency` workers (an integer ≥ 1), each taking a key from `queue`, awaiting `handler(key)`,
 * then deciding the key's fate as controller-runtime's reconcileHandler does:
 * - the handler throws or rejects: queue.addRateLimited(key), so the key is retried after the rate
 *   limiter's delay (by default per-key backoff from 5 ms, doubling, and the overall 10 qps bucket).
 *   The error is neither logged nor rethrown: the handler should log it.
 * - it returns { requeueAfter } > 0: queue.forget(key), then queue.addAfter(key, requeueAfter); the
 *   backoff starts over, and the key is processed again after requeueAfter milliseconds (earlier if
 *   it is added meanwhile).
 * - it returns nothing, or requeueAfter ≤ 0: queue.forget(key); the key waits until it is added again.
 * In every case queue.done(key) follows, so a key added while its handler ran is processed again
 * afterwards, once; a key is never handled by two workers at once.
 *
 * Aborting `signal` calls queue.shutDown(): workers finish the keys they hold and those still waiting.
 * Resolves when the queue is shut down (by `signal` or by the caller) and every worker has returned.
 */
export async function runWorkers(
  queue: WorkQueue,
  concurrency: number,
  handler: Reconciler,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`invalid concurrency ${concurrency}`);
  const stop = () => queue.shutDown();
  if (signal?.aborted) stop();
  else signal?.addEventListener("abort", stop, { once: true });
  const worker = async (): Promise<void> => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        await reconcile(queue, key, handler);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    signal?.removeEventListener("abort", stop);
  }
}

async function reconcile(queue: WorkQueue, key: string, handler: Reconciler): Promise<void> {
  let requeueAfter: number | undefined;
  try {
    requeueAfter = (await handler(key))?.requeueAfter;
  } catch {
    queue.addRateLimited(key);
    return;
  }
  queue.forget(key);
  if (requeueAfter !== undefined && requeueAfter > 0) queue.addAfter(key, requeueAfter);
}
