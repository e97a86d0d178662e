/**
 * SLOs: each ServiceLevelObjective with its budget, burn rates, time to exhaustion and alerts as
 * Prometheus has them now (read by kaika, never by the browser), and time series for charts.
 * Without a Prometheus, or with one that does not answer, the endpoints answer 503 saying which.
 */
import { parseDuration } from "../../ledger/index.ts";
import { readSloStatus, type SloReading, sloLabelNames, sloMetrics } from "../../slo/index.ts";
import { promString } from "../../slo/promql.ts";
import type { DashboardContext } from "./context.ts";
import { readyOf } from "./fleet-view.ts";
import { notFound } from "./http.ts";
import { gridOf, onGrid, prometheusOf, unavailable } from "./series.ts";
import type { SeriesLine, SloReadingView, SloSeriesResponse, SlosResponse, SloView } from "./types.ts";

const readingView = (r: SloReading): SloReadingView => ({
  labels: r.labels,
  errorBudgetRemaining: r.errorBudgetRemaining ?? null,
  burnRates: r.burnRates,
  timeToExhaustionSeconds: r.timeToExhaustionSeconds,
  exhausted: r.exhausted,
  alerts: r.alerts,
});

/** The worst of several readings: lowest budget, soonest exhaustion. */
function worst(
  readings: readonly SloReading[],
): Pick<SloView, "errorBudgetRemaining" | "timeToExhaustionSeconds" | "exhausted"> {
  const budgets = readings.flatMap((r) => (r.errorBudgetRemaining === undefined ? [] : [r.errorBudgetRemaining]));
  const ttes = readings.flatMap((r) => (r.timeToExhaustionSeconds === null ? [] : [r.timeToExhaustionSeconds]));
  return {
    errorBudgetRemaining: budgets.length ? Math.min(...budgets) : null,
    timeToExhaustionSeconds: ttes.length ? Math.min(...ttes) : null,
    exhausted: readings.some((r) => r.exhausted),
  };
}

/** GET /api/v1/slos */
export async function slos(ctx: DashboardContext): Promise<SlosResponse> {
  const prometheus = prometheusOf(ctx, "error budgets");
  const readings = await readSloStatus(prometheus).catch(unavailable);
  const byId = new Map<string, SloReading[]>();
  for (const r of readings) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const views: SloView[] = [];
  for (const slo of ctx.caches.slos?.list() ?? []) {
    const id = `${slo.metadata.namespace}/${slo.metadata.name}`;
    const mine = byId.get(id) ?? [];
    byId.delete(id);
    views.push({
      namespace: slo.metadata.namespace ?? "",
      name: slo.metadata.name ?? "",
      id,
      service: slo.spec.service,
      description: slo.spec.description ?? null,
      objective: slo.spec.objective,
      window: slo.spec.window,
      ready: readyOf(slo),
      ...worst(mine),
      readings: mine.map(readingView),
    });
  }
  // SLOs whose rules Prometheus has but no object here (rules from files: kaika slo generate).
  for (const [id, mine] of byId) {
    const first = mine[0] as SloReading;
    const slash = id.indexOf("/");
    views.push({
      namespace: slash < 0 ? "" : id.slice(0, slash),
      name: first.name || id.slice(slash + 1),
      id,
      service: first.service,
      description: null,
      objective: first.objective,
      window: first.window,
      ready: null,
      ...worst(mine),
      readings: mine.map(readingView),
    });
  }
  views.sort((a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id));
  return { prometheus: prometheus.url, slos: views };
}

/** GET /api/v1/slos/{ns}/{name}/series?range=6h[&step=60s]: budget left and burn rates over the range. */
export async function sloSeries(
  ctx: DashboardContext,
  namespace: string,
  name: string,
  rangeText: string,
  stepText: string | undefined,
  now: Date = new Date(),
): Promise<SloSeriesResponse> {
  const grid = gridOf(rangeText, stepText, now);
  const id = `${namespace}/${name}`;
  if (!ctx.caches.slos?.get(id)) throw notFound(`ServiceLevelObjective ${id}`);
  const prometheus = prometheusOf(ctx, "error budgets");
  const range = { start: grid.start, end: grid.end, stepSeconds: grid.stepSeconds };
  const selector = `${sloLabelNames.id}=${promString(id)}`;
  const burnPrefix = sloMetrics.burnRate("");
  const [budget, burns] = await Promise.all([
    prometheus.queryRange(`${sloMetrics.budgetRemaining}{${selector}}`, range),
    prometheus.queryRange(`{__name__=~${promString(`${burnPrefix}.+`)},${selector}}`, range),
  ]).catch(unavailable);
  const line = (metric: string, window: string | null, series: (typeof budget)[number]): SeriesLine => {
    const values = onGrid(grid, series.points);
    const labels = Object.fromEntries(
      Object.entries(series.labels).filter(([k]) => k !== "__name__" && !k.startsWith("slo_")),
    );
    return { metric, window, labels, values };
  };
  const windowSeconds = (w: string): number => (parseDuration(w) ?? 0) / 1000;
  return {
    id,
    range: rangeText,
    stepSeconds: grid.stepSeconds,
    timestamps: grid.timestamps,
    series: [
      ...budget.map((s) => line("budgetRemaining", null, s)),
      ...burns
        .map((s) => line("burnRate", (s.labels.__name__ ?? "").slice(burnPrefix.length), s))
        .sort((a, b) => windowSeconds(a.window ?? "") - windowSeconds(b.window ?? "")),
    ],
  };
}
