import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findCondition, setCondition, statusConditions } from "./conditions.ts";

describe("conditions", () => {
  it("keeps lastTransitionTime while the status stays, and moves it when the status flips", () => {
    const t1 = new Date("2026-01-01T00:00:00Z");
    const t2 = new Date("2026-01-02T00:00:00Z");
    const first = setCondition([], { type: "Ready", status: "False", reason: "A", message: "a" }, t1);
    const same = setCondition(first, { type: "Ready", status: "False", reason: "B", message: "b" }, t2);
    assert.equal(findCondition(same, "Ready")?.lastTransitionTime, "2026-01-01T00:00:00Z");
    assert.equal(findCondition(same, "Ready")?.reason, "B");
    const flipped = setCondition(same, { type: "Ready", status: "True", reason: "C", message: "c" }, t2);
    assert.equal(findCondition(flipped, "Ready")?.lastTransitionTime, "2026-01-02T00:00:00Z");
    assert.equal(first.length, 1, "the input is not mutated");
  });

  it("sets the kstatus trio: ready clears Reconciling and Stalled, stalled clears Reconciling", () => {
    const reconciling = statusConditions([], "reconciling", "Progressing", "working", 3);
    assert.deepEqual(
      reconciling.map((c) => [c.type, c.status, c.observedGeneration]),
      [
        ["Reconciling", "True", 3],
        ["Ready", "False", 3],
      ],
    );
    const stalled = statusConditions(reconciling, "stalled", "InvalidSpec", "bad", 4);
    assert.deepEqual(stalled.map((c) => c.type).sort(), ["Ready", "Stalled"]);
    const ready = statusConditions(stalled, "ready", "Succeeded", "ok", 4);
    assert.deepEqual(
      ready.map((c) => [c.type, c.status]),
      [["Ready", "True"]],
    );
  });
});
