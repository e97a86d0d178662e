import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDuration, parseTime, TimeFormatError } from "./time.ts";

const now = new Date("2026-03-01T12:00:00Z");

describe("parseTime", () => {
  it("reads RFC 3339 timestamps with zones, and a date as midnight UTC", () => {
    assert.equal(parseTime("2026-02-28T09:30:00Z", now).toISOString(), "2026-02-28T09:30:00.000Z");
    assert.equal(parseTime("2026-02-28T09:30:00.250+09:00", now).toISOString(), "2026-02-28T00:30:00.250Z");
    assert.equal(parseTime("2026-02-28 09:30:00Z", now).toISOString(), "2026-02-28T09:30:00.000Z");
    assert.equal(parseTime("2026-02-28", now).toISOString(), "2026-02-28T00:00:00.000Z");
    assert.equal(parseTime("now", now), now);
  });

  it('reads "2h ago", "-2h", "1h30m" and "3 days ago" as times before now', () => {
    assert.equal(parseTime("2h ago", now).toISOString(), "2026-03-01T10:00:00.000Z");
    assert.equal(parseTime("-2h", now).toISOString(), "2026-03-01T10:00:00.000Z");
    assert.equal(parseTime("1h30m", now).toISOString(), "2026-03-01T10:30:00.000Z");
    assert.equal(parseTime("3 days ago", now).toISOString(), "2026-02-26T12:00:00.000Z");
    assert.equal(parseDuration("1w 2d"), 9 * 86_400_000);
  });

  it("refuses what is neither, naming the text", () => {
    for (const text of ["yesterday", "2026-02-30T99:00:00Z", "2h later", "", "12", "2026-02-28T09:30:00"]) {
      assert.throws(
        () => parseTime(text, now),
        (e: unknown) => e instanceof TimeFormatError && e.text === text,
        text,
      );
    }
  });
});
