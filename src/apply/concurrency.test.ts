import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AdaptiveLimit, pool } from "./concurrency.ts";

describe("AdaptiveLimit", () => {
  it("grows by one per answer until the first throttle, up to its max", () => {
    const limit = new AdaptiveLimit(0, { initial: 2, max: 5 });
    limit.observe(0);
    assert.equal(limit.current, 3);
    limit.observe(0);
    assert.equal(limit.current, 4);
    for (let i = 0; i < 10; i++) limit.observe(0);
    assert.equal(limit.current, 5);
  });
  it("after a throttle, grows by one per `limit` answers", () => {
    const limit = new AdaptiveLimit(0, { initial: 8, max: 16 });
    limit.observe(1);
    assert.equal(limit.current, 4);
    for (let i = 0; i < 3; i++) limit.observe(1);
    assert.equal(limit.current, 4, "three answers at a limit of four");
    limit.observe(1);
    assert.equal(limit.current, 5);
  });
  it("halves once per new throttling, never below 1", () => {
    const limit = new AdaptiveLimit(5, { initial: 8 });
    limit.observe(6);
    assert.equal(limit.current, 4);
    limit.observe(6);
    assert.equal(limit.current, 4, "the same throttling is not counted twice");
    limit.observe(7);
    limit.observe(8);
    limit.observe(9);
    limit.observe(10);
    assert.equal(limit.current, 1);
  });
});

describe("pool", () => {
  it("keeps at most the current limit in flight and runs everything", async () => {
    const limit = { current: 3 };
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await pool([1, 2, 3, 4, 5, 6, 7], limit, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      if (n === 4) limit.current = 1;
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      done.push(n);
    });
    assert.deepEqual(done.sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.ok(most <= 3, `${most} in flight`);
  });
  it("rejects with the first error and starts nothing after it", async () => {
    const started: number[] = [];
    await assert.rejects(
      pool([1, 2, 3, 4, 5], { current: 2 }, async (n) => {
        started.push(n);
        await new Promise((r) => setTimeout(r, n));
        if (n === 1) throw new Error("one failed");
      }),
      /one failed/,
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(started, [1, 2], "nothing started after the failure");
  });
  it("finishes at once with no items", async () => {
    await pool([], { current: 4 }, async () => {
      throw new Error("never called");
    });
  });
});
