import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AdaptiveLimit, pool } from "./concurrency.ts";

describe("AdaptiveLimit", () => {
  it("grows by one per `limit` answers, up to its max", () => {
    const limit = new AdaptiveLimit(0, { initial: 2, max: 3 });
    limit.observe(0);
    assert.equal(limit.current, 2);
    limit.observe(0);
    assert.equal(limit.current, 3);
    for (let i = 0; i < 10; i++) limit.observe(0);
    assert.equal(limit.current, 3);
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
});
