/** Reads the times people type for "at": RFC 3339, or a duration back from now ("2h ago", "-2h", "1h30m"). */

/** A time that is neither RFC 3339 nor a duration ago. */
export class TimeFormatError extends Error {
  readonly code = "TimeFormat";
  readonly text: string;
  constructor(text: string) {
    super(
      `cannot read "${text}" as a time: use RFC 3339 (2026-03-01T12:00:00Z, 2026-03-01) or a duration ago (2h ago, -2h, 1h30m, 3 days ago)`,
    );
    this.text = text;
  }
}

const unitMs: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const rfc3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;
const part = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/gy;

/** Milliseconds in a duration such as "1h30m", "90s", "3 days"; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const body = text.trim().toLowerCase();
  if (body === "") return undefined;
  part.lastIndex = 0;
  let total = 0;
  while (part.lastIndex < body.length) {
    const match = part.exec(body);
    const scale = match ? unitMs[match[2]!] : undefined;
    if (!match || scale === undefined) return undefined;
    total += Number(match[1]) * scale;
  }
  return total;
}

/**
 * A point in time from "now", an RFC 3339 timestamp (a date alone is midnight UTC), or a duration back from
 * `now`: "2h ago", "-2h" and a bare "2h" all mean two hours ago, since the ledger has no future.
 * @throws TimeFormatError for anything else.
 */
export function parseTime(text: string, now: Date = new Date()): Date {
  const value = text.trim();
  if (value.toLowerCase() === "now") return now;
  if (rfc3339.test(value)) {
    const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value.replace(" ", "T"));
    if (!Number.isNaN(ms)) return new Date(ms);
    throw new TimeFormatError(text);
  }
  const ago = /^(.*?)\s+ago$/i.exec(value)?.[1] ?? (value.startsWith("-") ? value.slice(1) : value);
  const ms = parseDuration(ago);
  if (ms === undefined) throw new TimeFormatError(text);
  return new Date(now.getTime() - ms);
}
