import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { atLeast, minimumKubernetes } from "./preflight.ts";

describe("atLeast", () => {
  it("compares major.minor numerically, not as text", () => {
    assert.equal(atLeast("1.30", "1.30"), true);
    assert.equal(atLeast("1.37", "1.30"), true);
    assert.equal(atLeast("1.9", "1.30"), false);
    assert.equal(atLeast("1.29", "1.30"), false);
    assert.equal(atLeast("2.0", "1.30"), true);
  });
  it("the minimum matches the chart's kubeVersion", async () => {
    const { readFile } = await import("node:fs/promises");
    const chart = await readFile(new URL("../../deploy/chart/Chart.yaml", import.meta.url), "utf8");
    assert.match(chart, new RegExp(`kubeVersion: ">=${minimumKubernetes.replace(".", "\\.")}\\.0-0"`));
  });
});
