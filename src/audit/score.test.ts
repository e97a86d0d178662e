import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditScore } from "./score.ts";

const audit = (
  objects: number,
  bySeverity: { critical: number; warning: number; info: number },
  enforce: number,
  findings: { severity: string; mode: string }[] = [],
) => ({
  lastAuditTime: "2026-03-01T00:00:00Z",
  scope: "*",
  objects,
  byMode: { enforce, warn: bySeverity.critical + bySeverity.warning + bySeverity.info - enforce, off: 0 },
  bySeverity,
  findings: findings.map((f, i) => ({ ...f, check: "c", object: `Deployment/a/${i}`, field: "f", message: "m" })),
});

describe("auditScore", () => {
  it("is 100 without findings, and at most 99 with any", () => {
    assert.equal(auditScore(audit(10, { critical: 0, warning: 0, info: 0 }, 0)), 100);
    assert.equal(auditScore(audit(10_000, { critical: 0, warning: 0, info: 1 }, 0)), 99);
  });

  it("spreads the points over the objects, enforced findings twice, unlisted enforced ones as critical", () => {
    // One enforced critical among 34 objects: 40 points / 34 = 1.18 → 98, as docs/checks.md's example.
    const listed = audit(34, { critical: 1, warning: 0, info: 0 }, 1, [{ severity: "critical", mode: "enforce" }]);
    assert.equal(auditScore(listed), 98);
    // The same finding not listed counts the same (critical, enforced).
    assert.equal(auditScore(audit(34, { critical: 1, warning: 0, info: 0 }, 1)), 98);
    // 10 warnings (warned) over 5 objects: 50 / 5 = 10 points off.
    assert.equal(auditScore(audit(5, { critical: 0, warning: 10, info: 0 }, 0)), 90);
    assert.equal(auditScore(audit(1, { critical: 9, warning: 0, info: 0 }, 9)), 0, "never below 0");
  });
});
