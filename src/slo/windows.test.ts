/** Alert factors derived from the SLO window keep the SRE workbook's budget shares. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alertWindows, sliWindows, windowSeconds } from "./windows.ts";

describe("alertWindows", () => {
  it("gives the workbook's 14.4, 6, 3 and 1 for 30 days", () => {
    const w = alertWindows(30);
    assert.deepEqual(
      [...w.page, ...w.ticket].map((c) => [c.longWindow, c.shortWindow, c.factor]),
      [
        ["1h", "5m", 14.4],
        ["6h", "30m", 6],
        ["1d", "2h", 3],
        ["3d", "6h", 1],
      ],
    );
  });

  it("scales with the window: 13.44, 5.6, 2.8 and 0.9333 for 28 days", () => {
    const w = alertWindows(28);
    assert.deepEqual(
      [...w.page, ...w.ticket].map((c) => c.factor),
      [13.44, 5.6, 2.8, 0.9333333333],
    );
  });

  it("spends the same share of the budget in the long window whatever the window", () => {
    for (const days of [7, 28, 30, 90]) {
      for (const c of [...alertWindows(days).page, ...alertWindows(days).ticket]) {
        const spent = (c.factor * windowSeconds(c.longWindow)) / (days * 86_400);
        assert.ok(Math.abs(spent - c.budgetFraction) < 1e-9, `${days}d ${c.longWindow}: ${spent}`);
      }
    }
  });
});

describe("sliWindows", () => {
  it("lists the short windows, 1d, 3d and the SLO window", () => {
    assert.deepEqual(sliWindows(28), ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "28d"]);
  });
});
