import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FullResyncClock } from "./resync.ts";

describe("FullResyncClock", () => {
  it("starts the clock on first sight, then is due one jittered interval after each full resync", () => {
    const clock = new FullResyncClock(1000, () => 0.5);
    assert.equal(clock.due("a", 0), false, "a restart is not a full resync");
    assert.equal(clock.due("a", 999), false);
    assert.equal(clock.due("a", 1000), true);
    clock.done("a", 1500);
    assert.equal(clock.due("a", 2400), false);
    assert.equal(clock.remaining("a", 2400), 100);
    assert.equal(clock.due("a", 2500), true);
  });
  it("spreads owners over ±10 % of the interval", () => {
    const low = new FullResyncClock(1000, () => 0);
    const high = new FullResyncClock(1000, () => 0.999);
    low.due("a", 0);
    high.due("a", 0);
    assert.equal(low.due("a", 900), true);
    assert.equal(high.due("a", 1098), false);
  });
  it("makes every sync full with interval 0", () => {
    assert.equal(new FullResyncClock(0).due("a", 0), true);
  });
});
