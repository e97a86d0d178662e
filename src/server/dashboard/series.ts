/**
 * Time series for charts: a range and step from query parameters, and Prometheus range answers laid on
 * one grid of timestamps (null where Prometheus has no point), so every line of a chart shares its x axis.
 */
import { parseDuration } from "../../ledger/index.ts";
import { type PrometheusClient, PrometheusError } from "../../slo/index.ts";
import type { DashboardContext } from "./context.ts";
import { ApiError, badParameter } from "./http.ts";

const minRangeMs = 5 * 60_000;
const maxRangeMs = 400 * 86_400_000;

/** A query range on a grid: Unix seconds from `start` to `end` by `stepSeconds`. */
export interface Grid {
  readonly start: Date;
  readonly end: Date;
  readonly stepSeconds: number;
  readonly timestamps: readonly number[];
}

/** The grid of `range` (5m…400d) ending now, with `step` or about 300 points. 400 names a bad parameter. */
export function gridOf(rangeText: string, stepText: string | undefined, now: Date = new Date()): Grid {
  const rangeMs = parseDuration(rangeText);
  if (rangeMs === undefined || rangeMs < minRangeMs || rangeMs > maxRangeMs)
    throw badParameter("range", `"${rangeText}": a duration from 5m to 400d, e.g. 6h, 7d`);
  let stepSeconds = Math.max(15, Math.ceil(rangeMs / 1000 / 300));
  if (stepText !== undefined) {
    const stepMs = parseDuration(stepText);
    if (stepMs === undefined || stepMs < 1000) throw badParameter("step", `"${stepText}": a duration of at least 1s`);
    stepSeconds = Math.round(stepMs / 1000);
    if (rangeMs / 1000 / stepSeconds > 11_000)
      throw badParameter("step", `${stepText} over ${rangeText} is more than 11,000 points: use a larger step`);
  }
  // Up to now, not to the last whole step: with a 1d range (288 s steps) young data would show nothing.
  const end = Math.floor(now.getTime() / 1000);
  const start = end - Math.floor(rangeMs / 1000 / stepSeconds) * stepSeconds;
  const timestamps: number[] = [];
  for (let t = start; t <= end; t += stepSeconds) timestamps.push(t);
  return { start: new Date(start * 1000), end: new Date(end * 1000), stepSeconds, timestamps };
}

/** `points` ([unix seconds, value]) on the grid's timestamps. */
export function onGrid(grid: Grid, points: readonly (readonly [number, number])[]): (number | null)[] {
  const start = grid.start.getTime() / 1000;
  const values: (number | null)[] = grid.timestamps.map(() => null);
  for (const [t, v] of points) {
    const i = Math.round((t - start) / grid.stepSeconds);
    if (i >= 0 && i < values.length) values[i] = Number.isFinite(v) ? v : null;
  }
  return values;
}

/** The Prometheus kaika reads, or 503 NotConfigured saying what it is needed for. */
export function prometheusOf(ctx: DashboardContext, neededFor: string): PrometheusClient {
  if (!ctx.prometheus)
    throw new ApiError(503, `no Prometheus configured: start kaika with --prometheus-url to see ${neededFor}`, {
      reason: "NotConfigured",
    });
  return ctx.prometheus;
}

/** Rethrows a Prometheus failure as 503 PrometheusUnavailable. */
export function unavailable(error: unknown): never {
  if (error instanceof PrometheusError)
    throw new ApiError(503, `Prometheus did not answer: ${error.message}`, {
      reason: "PrometheusUnavailable",
      cause: error,
    });
  throw error;
}
