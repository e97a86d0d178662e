/** Formatting of times, durations, revisions and ratios for display. */

/** "3m ago", "in 5m", "2d ago" (or "—" for null). */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  const text =
    abs < 60
      ? `${abs}s`
      : abs < 3600
        ? `${Math.round(abs / 60)}m`
        : abs < 86400
          ? `${Math.round(abs / 3600)}h`
          : `${Math.round(abs / 86400)}d`;
  if (abs < 5) return "just now";
  return s < 0 ? `${text} ago` : `in ${text}`;
}

/** A duration in seconds as "4h 12m", "3d 2h". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds <= 0) return "0";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  return `${m || 1}m`;
}

/** "main@sha1:0123456789abcdef…" → "main@0123456"; other revisions as they are. */
export function shortRevision(revision: string | null | undefined): string {
  if (!revision) return "—";
  const m = /^(.*?)@?sha1:([0-9a-f]{7})[0-9a-f]*$/.exec(revision);
  if (m) return m[1] ? `${m[1]}@${m[2]}` : (m[2] ?? revision);
  return revision.length > 24 ? `${revision.slice(0, 22)}…` : revision;
}

/** 0.9734 → "97.3%". */
export function percent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return "—";
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** A local date-time for titles and tooltips. */
export function absolute(iso: string | null | undefined): string {
  if (!iso) return "";
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString();
}
