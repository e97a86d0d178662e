/** Tests of the rate limiters: exact delays from when(), with an injected clock for the token bucket. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from "./rate-limiter.ts";

const calls = (limiter: { when(key: string): number }, key: string | ((i: number) => string), n: number) =>
  Array.from({ length: n }, (_, i) => limiter.when(typeof key === "string" ? key : key(i)));

describe("ItemExponentialFailureRateLimiter", () => {
  it("doubles from 5 ms per failure of a key, caps at 1000 s, and starts over on forget", () => {
    const limiter = new ItemExponentialFailureRateLimiter();
    assert.deepEqual(calls(limiter, "a", 5), [5, 10, 20, 40, 80]);
    assert.equal(limiter.numRequeues("a"), 5);
    assert.deepEqual(calls(limiter, "b", 2), [5, 10], "keys back off independently");
    const later = calls(limiter, "a", 2000);
    assert.equal(later[12], 5 * 2 ** 17, "the 18th failure still doubles");
    assert.equal(later[13], 1_000_000, "the 19th is capped at 1000 s");
    assert.equal(later.at(-1), 1_000_000, "and stays capped, never Infinity or NaN");
    limiter.forget("a");
    assert.equal(limiter.numRequeues("a"), 0);
    assert.deepEqual(calls(limiter, "a", 2), [5, 10]);
    assert.equal(limiter.numRequeues("b"), 2);
  });

  it("takes its base and cap from options", () => {
    const limiter = new ItemExponentialFailureRateLimiter({ baseDelayMs: 1, maxDelayMs: 6 });
    assert.deepEqual(calls(limiter, "a", 5), [1, 2, 4, 6, 6]);
    assert.throws(() => new ItemExponentialFailureRateLimiter({ baseDelayMs: -1 }), RangeError);
  });
});

describe("BucketRateLimiter", () => {
  it("lets a burst of 100 through at once, then spaces keys 100 ms apart", () => {
    let now = 1_000;
    const limiter = new BucketRateLimiter({ now: () => now });
    assert.deepEqual(
      calls(limiter, (i) => `k${i}`, 100),
      Array(100).fill(0),
    );
    assert.deepEqual(
      calls(limiter, (i) => `k${100 + i}`, 4),
      [100, 200, 300, 400],
    );
    now += 250; // 2.5 tokens come back and pay part of the 4 borrowed
    assert.equal(limiter.when("x"), 250);
    now += 3_600_000; // refills to the burst, no further
    assert.deepEqual(
      calls(limiter, (i) => `y${i}`, 101),
      [...Array(100).fill(0), 100],
    );
    assert.equal(limiter.numRequeues("x"), 0);
  });

  it("takes qps and burst from options; Infinity qps never delays", () => {
    const now = 0;
    const limiter = new BucketRateLimiter({ qps: 2, burst: 1, now: () => now });
    assert.deepEqual(calls(limiter, "a", 3), [0, 500, 1000]);
    assert.deepEqual(calls(new BucketRateLimiter({ qps: Number.POSITIVE_INFINITY }), "a", 500), Array(500).fill(0));
    assert.throws(() => new BucketRateLimiter({ burst: 0 }), RangeError);
  });
});

describe("defaultControllerRateLimiter", () => {
  it("returns the longer of per-key backoff and the overall bucket", () => {
    const now = 0;
    const limiter = defaultControllerRateLimiter({ now: () => now });
    assert.deepEqual(
      calls(limiter, (i) => `k${i}`, 100),
      Array(100).fill(5),
      "burst: backoff's 5 ms wins",
    );
    assert.equal(limiter.when("k100"), 100, "bucket empty: its 100 ms wins over 5 ms");
    assert.equal(limiter.numRequeues("k0"), 1);
    limiter.forget("k0");
    assert.equal(limiter.numRequeues("k0"), 0);
  });

  it("lets backoff win once it exceeds the bucket's delay", () => {
    const limiter = defaultControllerRateLimiter({ qps: 1000, burst: 1000 });
    assert.deepEqual(calls(limiter, "a", 4), [5, 10, 20, 40]);
    const max = new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter({ baseDelayMs: 1 }), limiter);
    assert.deepEqual(calls(max, "b", 2), [5, 10], "every limiter counts the call");
    assert.equal(max.numRequeues("b"), 2);
  });
});
