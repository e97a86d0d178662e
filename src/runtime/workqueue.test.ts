/** Tests of the work queue and runWorkers: dedupe, exclusivity, order, delays, shutdown, metrics, results. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep, setImmediate as tick } from "node:timers/promises";
import { ItemExponentialFailureRateLimiter, type RateLimiter } from "./rate-limiter.ts";
import { runWorkers, WorkQueue } from "./workqueue.ts";

/** True if `promise` settles before the event loop's next turn. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol("pending");
  return (await Promise.race([promise, tick(pending)])) !== pending;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("WorkQueue", () => {
  it("deduplicates waiting keys and hands them out in FIFO order", async () => {
    const queue = new WorkQueue();
    for (const key of ["c", "a", "c", "b", "a", "d"]) queue.add(key);
    assert.equal(queue.len(), 4);
    const got = [await queue.get(), await queue.get()];
    queue.add("c"); // processing, not waiting: goes back behind b and d on done
    queue.done("c");
    got.push(await queue.get(), await queue.get(), await queue.get());
    assert.deepEqual(got, ["c", "a", "b", "d", "c"]);
    assert.equal(queue.len(), 0);
    queue.shutDown();
  });

  it("holds a key added while it is processed until done(), then queues it exactly once", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    assert.equal(await queue.get(), "a");
    queue.add("a");
    queue.add("a");
    queue.add("a");
    assert.equal(queue.len(), 0);
    const next = queue.get();
    assert.equal(await settled(next), false, "not handed out while it is processed");
    queue.done("a");
    assert.equal(await next, "a");
    assert.equal(queue.len(), 0, "queued once however many adds");
    queue.done("a");
    queue.done("a"); // not taken: ignored
    assert.equal(queue.len(), 0);
    queue.shutDown();
  });

  it("never hands a key to two workers at once under contention", async () => {
    const queue = new WorkQueue({ rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 0 }) });
    const keys = ["a", "b", "c"];
    const active = new Map<string, number>();
    let busy = 0;
    let maxPerKey = 0;
    let maxBusy = 0;
    let handled = 0;
    queue.add("a");
    await runWorkers(queue, 8, async (key) => {
      const mine = (active.get(key) ?? 0) + 1;
      active.set(key, mine);
      maxPerKey = Math.max(maxPerKey, mine);
      maxBusy = Math.max(maxBusy, ++busy);
      try {
        for (let i = 0; i < 3; i++) {
          queue.add(key);
          queue.add(keys[(handled + i) % keys.length]!);
          await tick();
        }
        if (++handled === 300) queue.shutDown();
        if (handled % 7 === 0) throw new Error("retried at once: backoff is 0");
      } finally {
        active.set(key, active.get(key)! - 1);
        busy--;
      }
    });
    assert.ok(handled >= 300, `handled ${handled}`);
    assert.equal(maxBusy, keys.length, "every key was in flight at once");
    assert.equal(maxPerKey, 1, "no key was handled by two workers at once");
  });

  it("adds delayed keys when due, earliest first", async () => {
    const queue = new WorkQueue();
    const start = performance.now();
    queue.addAfter("a", 30);
    queue.addAfter("b", 10);
    queue.addAfter("c", 20);
    queue.addAfter("now", 0);
    assert.equal(queue.len(), 1);
    const got: [string | undefined, number][] = [];
    for (let i = 0; i < 4; i++) got.push([await queue.get(), performance.now() - start]);
    assert.deepEqual(
      got.map(([key]) => key),
      ["now", "b", "c", "a"],
    );
    for (const [key, at] of got.slice(1)) assert.ok(at >= { a: 30, b: 10, c: 20 }[key as "a"], `${key} at ${at}`);
    queue.shutDown();
  });

  it("keeps the earlier time when a delayed key is scheduled again", async () => {
    const queue = new WorkQueue();
    const start = performance.now();
    queue.addAfter("moved", 150);
    queue.addAfter("moved", 10);
    queue.addAfter("kept", 20);
    queue.addAfter("kept", 150);
    assert.equal(await queue.get(), "moved");
    queue.done("moved");
    assert.equal(await queue.get(), "kept");
    queue.done("kept");
    assert.ok(performance.now() - start < 120, "both came at their earlier time");
    await sleep(170);
    assert.equal(queue.len(), 0, "the later times were dropped, not added again");
    queue.shutDown();
  });

  it("skips a stale time of a key rescheduled after it fired", async () => {
    const queue = new WorkQueue();
    const start = performance.now();
    queue.addAfter("k", 30);
    queue.addAfter("c", 25);
    queue.addAfter("k", 1);
    assert.equal(await queue.get(), "k");
    queue.done("k");
    queue.addAfter("k", 150);
    while (performance.now() - start < 40); // the timer fires late: c's time and k's stale 30 ms are both past
    assert.equal(await queue.get(), "c");
    assert.equal(queue.len(), 0, "k waits for its new time");
    queue.shutDown();
  });

  it("on shutDown resolves pending gets with undefined, clears its timer and ignores adds", async () => {
    const queue = new WorkQueue();
    const before = timers();
    const gets = [queue.get(), queue.get()];
    queue.addAfter("a", 60_000);
    queue.addAfter("b", 120_000);
    assert.equal(timers(), before + 1, "one timer for all delayed keys");
    queue.shutDown();
    assert.equal(timers(), before, "no timer keeps the process alive");
    assert.deepEqual(await Promise.all(gets), [undefined, undefined]);
    queue.add("c");
    queue.addAfter("d", 1);
    queue.addRateLimited("e");
    assert.equal(queue.len(), 0);
    assert.equal(timers(), before);
    assert.equal(await queue.get(), undefined);
    assert.equal(queue.shuttingDown(), true);
  });

  it("after shutdown hands out keys still waiting; shutDownWithDrain waits until they are done", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    queue.add("b");
    assert.equal(await queue.get(), "a");
    const drained = queue.shutDownWithDrain();
    assert.equal(await queue.get(), "b");
    assert.equal(await queue.get(), undefined);
    queue.done("a");
    assert.equal(await settled(drained), false, "b is still processed");
    queue.done("b");
    assert.equal(await settled(drained), true);
    assert.equal(await settled(new WorkQueue().shutDownWithDrain()), true, "nothing to drain");
  });

  it("reports adds, queue and work durations, retries and depth to its metrics", async () => {
    const events: string[] = [];
    const ms: number[] = [];
    const queue = new WorkQueue({
      rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 0 }),
      metrics: {
        onAdd: (key) => events.push(`add ${key}`),
        onGet: (key, waitedMs) => events.push(`get ${key}`) && ms.push(waitedMs),
        onDone: (key, workMs) => events.push(`done ${key}`) && ms.push(workMs),
        onRetry: (key) => events.push(`retry ${key}`),
        depth: (n) => events.push(`depth ${n}`),
      },
    });
    queue.add("a");
    queue.add("a");
    queue.add("b");
    await sleep(20);
    assert.equal(await queue.get(), "a");
    queue.add("a");
    assert.equal(queue.len(), 1, "a is held, not waiting");
    await sleep(20);
    queue.done("a");
    queue.addRateLimited("c");
    queue.shutDown();
    assert.deepEqual(events, [
      ...["add a", "depth 1", "add b", "depth 2", "get a", "depth 1"],
      ...["add a", "depth 2", "done a", "retry c", "add c", "depth 3"],
    ]);
    assert.ok(ms.every((m) => m >= 15) && ms.length === 2, `waited and worked ${ms}`);
  });
});

describe("runWorkers", () => {
  it("rate-limits on throw, forgets then delays on requeueAfter, forgets on success; always done", async () => {
    const log: string[] = [];
    const limiter: RateLimiter = {
      when: (key) => log.push(`when ${key}`) && 1,
      forget: (key) => log.push(`forget ${key}`),
      numRequeues: () => 0,
    };
    const queue = new WorkQueue({ rateLimiter: limiter, metrics: { onDone: (key) => log.push(`done ${key}`) } });
    const runs = new Map<string, number[]>();
    const running = runWorkers(queue, 1, async (key) => {
      const at = [...(runs.get(key) ?? []), performance.now()];
      runs.set(key, at);
      log.push(`run ${key}`);
      if (key === "fail" && at.length === 1) throw new Error("boom");
      if (key === "later" && at.length === 1) return { requeueAfter: 30 };
      if (key === "zero") return { requeueAfter: 0 };
    });
    for (const key of ["fail", "later", "ok", "zero"]) queue.add(key);
    await sleep(80);
    queue.shutDown();
    await running;
    assert.deepEqual(log, [
      ...["run fail", "when fail", "done fail"],
      ...["run later", "forget later", "done later"],
      ...["run ok", "forget ok", "done ok"],
      ...["run zero", "forget zero", "done zero"],
      ...["run fail", "forget fail", "done fail"],
      ...["run later", "forget later", "done later"],
    ]);
    const [first, second] = runs.get("later")!;
    assert.ok(second! - first! >= 30, `requeued after ${second! - first!} ms`);
  });

  it("shuts the queue down when its signal aborts, and rejects a bad concurrency", async () => {
    const queue = new WorkQueue();
    const abort = new AbortController();
    const seen: string[] = [];
    const running = runWorkers(queue, 3, async (key) => void seen.push(key), abort.signal);
    queue.add("a");
    await tick();
    abort.abort();
    await running;
    assert.deepEqual(seen, ["a"]);
    assert.equal(queue.shuttingDown(), true);
    await assert.rejects(
      runWorkers(new WorkQueue(), 0, async () => {}),
      RangeError,
    );
  });
});
