/** Error budgets as Prometheus has them: budget left, burn rates per window, time to exhaustion, active alerts. */
import type { PrometheusClient, Sample } from "./prometheus.ts";
import { matchers, promString } from "./promql.ts";
import { sloLabelNames, sloMetrics } from "./rules.ts";

/** An alert of the SLO active in Prometheus. */
export interface ActiveAlert {
  readonly name: string;
  /** page or ticket. */
  readonly severity: string;
  /** pending or firing. */
  readonly state: string;
}

/**
 * One SLO's budget for one series: one per SLO, or one per label set its
 * queries keep (e.g. per cluster).
 */
export interface SloReading {
  readonly id: string;
  readonly name: string;
  readonly service: string;
  /** Percentage, e.g. 99.9. */
  readonly objective: number;
  /** e.g. "30d". */
  readonly window: string;
  /** Labels besides kaika's slo_*: the spec's and those the queries keep (e.g. cluster). */
  readonly labels: Readonly<Record<string, string>>;
  /** Share of the window's budget left (1 untouched, ≤ 0 exhausted); undefined before there is data. */
  readonly errorBudgetRemaining: number | undefined;
  /** Burn rate per window ("5m" … "30d"); windows without data are left out. */
  readonly burnRates: Readonly<Record<string, number>>;
  /** Seconds until the budget is gone at the current 1h burn rate: 0 when exhausted, null when not burning or unknown. */
  readonly timeToExhaustionSeconds: number | null;
  readonly exhausted: boolean;
  readonly alerts: readonly ActiveAlert[];
}

/** Which SLOs to read; none: all. */
export interface ReadStatusOptions {
  readonly service?: string | undefined;
  /** slo_id, e.g. "shop/checkout-availability". */
  readonly id?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

const burnRatePrefix = sloMetrics.burnRate("");

/** Reads every matching SLO's budget; throws PrometheusError when Prometheus cannot answer. */
export async function readSloStatus(client: PrometheusClient, options: ReadStatusOptions = {}): Promise<SloReading[]> {
  const equal: Record<string, string> = {};
  if (options.service) equal[sloLabelNames.service] = options.service;
  if (options.id) equal[sloLabelNames.id] = options.id;
  const inner = Object.entries(equal).map(([k, v]) => `${k}=${promString(v)}`);
  const select = matchers(equal);
  const signal = options.signal ? { signal: options.signal } : {};
  const [objectives, budgets, burns, alerts] = await Promise.all([
    client.query(`${sloMetrics.objective}${select}`, signal),
    client.query(`${sloMetrics.budgetRemaining}${select}`, signal),
    client.query(`{${[`__name__=~${promString(`${burnRatePrefix}.+`)}`, ...inner].join(",")}}`, signal),
    client.query(`ALERTS{${[`${sloLabelNames.id}!=""`, ...inner].join(",")}}`, signal),
  ]);

  const rows = new Map<string, { labels: Record<string, string>; budget?: number; burn: Record<string, number> }>();
  const row = (sample: Sample) => {
    const labels = withoutName(sample.labels);
    const key = keyOf(labels);
    let r = rows.get(key);
    if (!r) {
      r = { labels, burn: {} };
      rows.set(key, r);
    }
    return r;
  };
  for (const s of budgets) if (Number.isFinite(s.value)) row(s).budget = s.value;
  for (const s of burns) {
    if (!Number.isFinite(s.value)) continue;
    row(s).burn[(s.labels.__name__ ?? "").slice(burnRatePrefix.length)] = s.value;
  }
  // An SLO whose rules are loaded but have no data yet still shows up.
  const withData = new Set([...rows.values()].map((r) => r.labels[sloLabelNames.id]));
  for (const s of objectives) if (!withData.has(s.labels[sloLabelNames.id])) row(s);

  const readings = [...rows.values()].map((r): SloReading => {
    const l = r.labels;
    const window = l[sloLabelNames.window] ?? "";
    const windowSeconds = Number.parseInt(window, 10) * 86_400;
    const budget = r.budget;
    const burn1h = r.burn["1h"];
    const exhausted = budget !== undefined && budget <= 0;
    let tte: number | null = null;
    if (exhausted) tte = 0;
    else if (budget !== undefined && burn1h !== undefined && burn1h > 0) tte = (budget * windowSeconds) / burn1h;
    return {
      id: l[sloLabelNames.id] ?? "",
      name: l[sloLabelNames.name] ?? "",
      service: l[sloLabelNames.service] ?? "",
      objective: Number(l[sloLabelNames.objective]),
      window,
      labels: Object.fromEntries(Object.entries(l).filter(([k]) => !k.startsWith("slo_"))),
      errorBudgetRemaining: budget,
      burnRates: sortWindows(r.burn),
      timeToExhaustionSeconds: tte,
      exhausted,
      alerts: alerts
        .filter((a) => Object.entries(l).every(([k, v]) => a.labels[k] === v))
        .map((a) => ({
          name: a.labels.alertname ?? "",
          severity: a.labels[sloLabelNames.severity] ?? "",
          state: a.labels.alertstate ?? "",
        })),
    };
  });
  return readings.sort((a, b) => keyOf(sortKey(a)).localeCompare(keyOf(sortKey(b))));
}

const sortKey = (r: SloReading) => ({ service: r.service, name: r.name, ...r.labels });

function withoutName(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { __name__: _name, ...rest } = labels;
  return rest;
}

function keyOf(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const windowOrder = (w: string): number => {
  const n = Number.parseInt(w, 10);
  return n * ({ m: 60, h: 3600, d: 86_400 }[w.slice(-1)] ?? 1);
};

function sortWindows(burn: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(burn).sort(([a], [b]) => windowOrder(a) - windowOrder(b)));
}

/** "45d", "52h30m", "12m": a duration for people. */
export function formatDuration(seconds: number): string {
  if (seconds >= 2 * 86_400) {
    const days = Math.floor(seconds / 86_400);
    const hours = Math.floor((seconds % 86_400) / 3600);
    return hours ? `${days}d${hours}h` : `${days}d`;
  }
  if (seconds >= 3600) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    return minutes ? `${hours}h${minutes}m` : `${hours}h`;
  }
  return `${Math.max(0, Math.round(seconds / 60))}m`;
}
