/**
 * The SLO gate of a rollout: do the given services keep their burn rate
 * under a threshold (in the given clusters) — read from the burn-rate series
 * kaika's SLO rules record. Fails closed: no answer or no data is a halt.
 */
import { PrometheusError } from "./errors.ts";
import { PrometheusClient } from "./prometheus.ts";
import { matchers } from "./promql.ts";
import { sloLabelNames, sloMetrics } from "./rules.ts";
import type { SliWindow } from "./windows.ts";

/** What to check. */
export interface BurnRateGateOptions {
  /** Base URL of the Prometheus that evaluates kaika's SLO rules. */
  readonly prometheusUrl: string;
  /** Services (label slo_service) to check; with `slos`, a series must match both. */
  readonly services?: readonly string[] | undefined;
  /** SLO ids (label slo_id, e.g. "shop/checkout-availability") or names (slo_name). */
  readonly slos?: readonly string[] | undefined;
  /** Labels every series must have, e.g. { cluster: "osaka-1" } for the previous wave's clusters. */
  readonly selector?: Readonly<Record<string, string>> | undefined;
  /** Alternatives per label, e.g. { cluster: ["osaka-1", "osaka-2"] }. */
  readonly selectorIn?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Halt when any burn rate is above this (e.g. 2: spending the budget twice as fast as allowed). */
  readonly threshold: number;
  /** Which burn-rate window to read; default "5m" (reacts within the soak, unlike 1h). */
  readonly window?: SliWindow | undefined;
  /**
   * Look back this far (a PromQL duration, e.g. the soak "10m") and take the
   * highest burn rate in it; default: the current value only.
   */
  readonly over?: string | undefined;
  /** A service or SLO asked for without any series: "fail" (default) halts, "pass" lets it through. */
  readonly missing?: "fail" | "pass" | undefined;
  /** Default 10 s. */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** One burn rate the gate read. */
export interface BurnRateReading {
  readonly slo: string;
  readonly service: string;
  /** The series' other labels (spec labels, cluster…). */
  readonly labels: Readonly<Record<string, string>>;
  readonly window: string;
  readonly burnRate: number;
}

/** The verdict. `reason` is one line for status, Events and notifications. */
export interface GateResult {
  readonly ok: boolean;
  readonly reason: string;
  /** Every burn rate read, highest first. */
  readonly burnRates: readonly BurnRateReading[];
}

/** Never throws for Prometheus trouble: that is a failed gate with the reason. */
export async function checkBurnRate(options: BurnRateGateOptions): Promise<GateResult> {
  if (!(options.threshold > 0)) throw new RangeError(`threshold must be above 0, got ${options.threshold}`);
  const window = options.window ?? "5m";
  const equal = { ...(options.selector ?? {}) };
  const oneOf: Record<string, readonly string[]> = { ...(options.selectorIn ?? {}) };
  if (options.services?.length) oneOf[sloLabelNames.service] = options.services;
  let series = `${sloMetrics.burnRate(window)}${matchers(equal, oneOf)}`;
  // SLOs match by id or by name: two selections joined with `or`.
  if (options.slos?.length) {
    const byId = matchers(equal, { ...oneOf, [sloLabelNames.id]: options.slos });
    const byName = matchers(equal, { ...oneOf, [sloLabelNames.name]: options.slos });
    series = `(${sloMetrics.burnRate(window)}${byId} or ${sloMetrics.burnRate(window)}${byName})`;
  }
  if (options.over && !/^[0-9]+(ms|s|m|h|d|w|y)$/.test(options.over)) {
    throw new RangeError(`over must be a PromQL duration like 10m, got "${options.over}"`);
  }
  // A plain selector takes a range directly; the `or` of two needs a subquery.
  const range = options.slos?.length ? `[${options.over}:]` : `[${options.over}]`;
  const expr = options.over ? `max_over_time(${series}${range})` : series;
  const client = new PrometheusClient({
    url: options.prometheusUrl,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  let samples: Awaited<ReturnType<PrometheusClient["query"]>>;
  try {
    samples = await client.query(expr, options.signal ? { signal: options.signal } : {});
  } catch (error) {
    if (!(error instanceof PrometheusError)) throw error;
    return { ok: false, reason: `cannot read burn rates: ${error.message}`, burnRates: [] };
  }
  const burnRates = samples
    .filter((s) => !Number.isNaN(s.value))
    .map(
      (s): BurnRateReading => ({
        slo: s.labels[sloLabelNames.id] ?? "",
        service: s.labels[sloLabelNames.service] ?? "",
        labels: Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== "__name__" && !k.startsWith("slo_"))),
        window,
        burnRate: s.value,
      }),
    )
    .sort((a, b) => b.burnRate - a.burnRate);
  const scope = describeSelector(options);
  const over = options.over ? ` (highest over ${options.over})` : "";
  const missing = missingTargets(options, samples);
  if (missing.length > 0 && (options.missing ?? "fail") === "fail") {
    return {
      ok: false,
      reason: `no ${window} burn-rate data for ${missing.join(", ")}${scope}: are kaika's SLO rules loaded in ${client.url}?`,
      burnRates,
    };
  }
  const over_ = burnRates.filter((r) => r.burnRate > options.threshold);
  if (over_.length > 0) {
    const worst = over_
      .slice(0, 3)
      .map((r) => `${r.slo}${labelText(r.labels)} at ${format(r.burnRate)}`)
      .join(", ");
    return {
      ok: false,
      reason: `burn rate over ${window}${over} above ${options.threshold}${scope}: ${worst}${over_.length > 3 ? ` and ${over_.length - 3} more` : ""}`,
      burnRates,
    };
  }
  const top = burnRates[0];
  return {
    ok: true,
    reason: top
      ? `every burn rate over ${window}${over} is at most ${options.threshold}${scope}; highest ${top.slo}${labelText(top.labels)} at ${format(top.burnRate)}`
      : `no burn-rate data${scope}; passed as asked`,
    burnRates,
  };
}

/** Requested services and SLOs that no series matched. */
function missingTargets(
  options: BurnRateGateOptions,
  samples: readonly { labels: Record<string, string> }[],
): string[] {
  const out: string[] = [];
  for (const service of options.services ?? []) {
    if (!samples.some((s) => s.labels[sloLabelNames.service] === service)) out.push(`service ${service}`);
  }
  for (const slo of options.slos ?? []) {
    if (!samples.some((s) => s.labels[sloLabelNames.id] === slo || s.labels[sloLabelNames.name] === slo)) {
      out.push(`SLO ${slo}`);
    }
  }
  if (!options.services?.length && !options.slos?.length && samples.length === 0) out.push("any SLO");
  return out;
}

function describeSelector(options: BurnRateGateOptions): string {
  const parts = [
    ...Object.entries(options.selector ?? {}).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(options.selectorIn ?? {}).map(([k, v]) => `${k} in (${v.join(", ")})`),
  ];
  return parts.length ? ` in ${parts.join(", ")}` : "";
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length ? ` (${entries.map(([k, v]) => `${k}=${v}`).join(", ")})` : "";
}

function format(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(3))) : String(value);
}
