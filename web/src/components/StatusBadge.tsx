/** A state word (Applied, Failed, Soaking, …) as a coloured badge; the colour is never the only signal. */
export type Tone = "ok" | "warn" | "err" | "info" | "neutral";

const tones: Record<string, Tone> = {
  applied: "ok",
  done: "ok",
  complete: "ok",
  current: "ok",
  ready: "ok",
  true: "ok",
  reachable: "ok",
  healthy: "ok",
  live: "ok",
  ok: "ok",
  progressing: "info",
  soaking: "info",
  inprogress: "info",
  applying: "info",
  reconciling: "info",
  waitingforpromotion: "warn",
  paused: "warn",
  held: "warn",
  pending: "neutral",
  suspended: "warn",
  warn: "warn",
  warning: "warn",
  unknown: "neutral",
  failed: "err",
  gatefailed: "err",
  halted: "err",
  unreachable: "err",
  false: "err",
  notfound: "err",
  critical: "err",
  enforce: "err",
  exhausted: "err",
  firing: "err",
  terminating: "warn",
  info: "info",
};

/** The tone of a state word (case-insensitive); neutral when unknown. */
export function toneOf(state: string | null | undefined): Tone {
  return tones[(state ?? "unknown").toLowerCase()] ?? "neutral";
}

const progressing = new Set(["progressing", "soaking", "inprogress", "applying", "reconciling"]);

export function StatusBadge({
  state,
  label,
  tone,
}: {
  state: string | null | undefined;
  label?: string;
  tone?: Tone | undefined;
}) {
  const word = state ?? "Unknown";
  const t = tone ?? toneOf(word);
  const cls = `badge ${t === "neutral" ? "" : t}${progressing.has(word.toLowerCase()) ? " progress" : ""}`;
  return <span className={cls}>{label ?? word}</span>;
}
