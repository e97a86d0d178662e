/**
 * Picks the point in time of the versions page: a slider from the ledger's first record to now (the last
 * 30 days while that is not known), a date-time field for any time, and "now".
 */
import { useEffect, useState } from "react";
import { absolute } from "../../components/format.ts";

const defaultSpanMs = 30 * 24 * 3600 * 1000;
const secondMs = 1000;

/** A time as the value of a datetime-local field (local time, minutes). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function TimeSlider({
  at,
  setAt,
  earliest,
}: {
  at: string;
  setAt: (iso: string) => void;
  /** The ledger's first record (ISO), or null while unknown or empty. */
  earliest: string | null;
}) {
  const [now] = useState(() => Date.now());
  const first = earliest ? Date.parse(earliest) : Number.NaN;
  // From the first record, in about 500 steps of whole seconds.
  const spanMs = Number.isNaN(first) ? defaultSpanMs : Math.max(secondMs, now - first);
  const stepMs = Math.max(secondMs, Math.round(spanMs / 500 / secondMs) * secondMs);
  const parsed = at ? Date.parse(at) : Number.NaN;
  const value = Number.isNaN(parsed) ? now : parsed;
  // The slider moves freely; the URL (and the fetch) follow when it rests.
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const t = setTimeout(() => setAt(draft >= now ? "" : new Date(draft).toISOString()), 250);
    return () => clearTimeout(t);
  }, [draft, value, now, setAt]);

  return (
    <div className="toolbar" style={{ borderBottom: 0, gap: 14 }}>
      <label style={{ flex: 1, minWidth: 280 }}>
        Time
        <input
          type="range"
          style={{ flex: 1 }}
          min={now - spanMs}
          max={now}
          step={stepMs}
          value={draft}
          aria-valuetext={draft >= now ? "now" : absolute(new Date(draft).toISOString())}
          onChange={(e) => setDraft(Number(e.target.value))}
        />
      </label>
      <label>
        At
        <input
          type="datetime-local"
          value={toLocalInput(draft)}
          onChange={(e) => {
            const ms = Date.parse(e.target.value);
            if (!Number.isNaN(ms)) setDraft(ms);
          }}
        />
      </label>
      <button type="button" onClick={() => setAt("")} disabled={!at}>
        Now
      </button>
      <span className="count" aria-live="polite">
        {at ? `showing ${absolute(at)}` : "showing now (live)"}
        {earliest && <> · records since {absolute(earliest)}</>}
      </span>
    </div>
  );
}
