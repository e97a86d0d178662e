import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { changeReason } from "./select.ts";

const id = { group: "", kind: "ConfigMap", namespace: "shop", name: "settings" };
const current = { hash: "L1", health: "Current" as const };

describe("changeReason", () => {
  it("skips an object unchanged in Git and in the cluster", () => {
    assert.equal(changeReason({ ...id, desired: "D1", live: "L1" }, "D1", current), undefined);
  });
  it("selects an object without recorded hashes", () => {
    assert.equal(changeReason(undefined, "D1", current), "new");
    assert.equal(changeReason(id, "D1", current), "new");
  });
  it("selects a changed commit before anything the cache says", () => {
    assert.equal(changeReason({ ...id, desired: "D0", live: "L1" }, "D1", undefined), "changed");
  });
  it("selects what the cache cannot vouch for, what is gone and what drifted", () => {
    const entry = { ...id, desired: "D1", live: "L1" };
    assert.equal(changeReason(entry, "D1", undefined), "unwatched");
    assert.equal(changeReason(entry, "D1", null), "missing");
    assert.equal(changeReason(entry, "D1", { ...current, hash: "L2" }), "drifted");
  });
});
