/**
 * An SLO to Prometheus rule groups: SLI rates and error ratios per window,
 * burn rates, the error budget left, objective/window series, and the
 * multi-window multi-burn-rate page and ticket alerts.
 */
import { renderQuery, type SloDefinition } from "./definition.ts";
import { promString } from "./promql.ts";
import { alertWindows, type BurnCondition, round, type SliWindow, shortWindows, sliWindows } from "./windows.ts";

/** A recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** An alerting rule. */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

/** A rule group as Prometheus and PrometheusRule objects hold it. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** The series kaika records, by window where they have one; dashboards and `slo status` read these. */
export const sloMetrics = {
  /** Bad events per second over the window. */
  errors: (window: string) => `slo:sli_errors:rate${window}`,
  /** All events per second over the window. */
  requests: (window: string) => `slo:sli_requests:rate${window}`,
  /** errors / requests. */
  errorRatio: (window: string) => `slo:sli_error:ratio_rate${window}`,
  /** Error ratio / error budget: 1 spends exactly the budget over the SLO window. */
  burnRate: (window: string) => `slo:burn_rate:${window}`,
  /** The objective as a ratio, e.g. 0.999. */
  objective: "slo:objective:ratio",
  /** 1 - objective, e.g. 0.001. */
  errorBudget: "slo:error_budget:ratio",
  /** The SLO window in days. */
  windowDays: "slo:window:days",
  /** Share of the window's budget left: 1 - burn rate over the SLO window. */
  budgetRemaining: "slo:error_budget_remaining:ratio",
} as const;

/** Labels on every series and alert kaika generates for an SLO. */
export const sloLabelNames = {
  id: "slo_id",
  name: "slo_name",
  service: "slo_service",
  objective: "slo_objective",
  window: "slo_window",
  /** On alerts only: page or ticket. */
  severity: "slo_severity",
} as const;

/** The labels that identify an SLO's series: kaika's own plus the spec's. */
export function sloSeriesLabels(definition: SloDefinition): Record<string, string> {
  return {
    ...definition.labels,
    [sloLabelNames.id]: definition.id,
    [sloLabelNames.name]: definition.name,
    [sloLabelNames.service]: definition.service,
    [sloLabelNames.objective]: String(definition.objective),
    [sloLabelNames.window]: `${definition.windowDays}d`,
  };
}

/** The error budget as a ratio: 99.9 → 0.001. */
export function errorBudget(objective: number): number {
  return round((100 - objective) / 100);
}

/**
 * The rule groups of one SLO, in the order Prometheus should evaluate them:
 * `<id>-sli` (rates, ratios, burn rates, budget left; each rule reads only
 * rules before it), `<id>-meta` (objective, budget, window) and `<id>-alerts`.
 */
export function sloRuleGroups(definition: SloDefinition): RuleGroup[] {
  const labels = sloSeriesLabels(definition);
  const only = `{${sloLabelNames.id}=${promString(definition.id)}}`;
  const budget = errorBudget(definition.objective);
  const windows = sliWindows(definition.windowDays);
  const sli: RecordingRule[] = [];
  for (const window of windows) {
    const short = (shortWindows as readonly string[]).includes(window);
    sli.push(
      {
        record: sloMetrics.errors(window),
        expr: short
          ? errorsExpr(definition, window)
          : // Long windows average the 5m rates: request-weighted, and cheap (one series, not every raw one).
            `avg_over_time(${sloMetrics.errors("5m")}${only}[${window}])`,
        labels,
      },
      {
        record: sloMetrics.requests(window),
        expr: short
          ? renderQuery(definition.indicator.total, window)
          : `avg_over_time(${sloMetrics.requests("5m")}${only}[${window}])`,
        labels,
      },
      {
        record: sloMetrics.errorRatio(window),
        expr: `${sloMetrics.errors(window)}${only}\n/\n${sloMetrics.requests(window)}${only}`,
        labels,
      },
    );
  }
  for (const window of windows) {
    sli.push({
      record: sloMetrics.burnRate(window),
      expr: `${sloMetrics.errorRatio(window)}${only} / ${budget}`,
      labels,
    });
  }
  sli.push({
    record: sloMetrics.budgetRemaining,
    expr: `1 - ${sloMetrics.burnRate(`${definition.windowDays}d`)}${only}`,
    labels,
  });
  const groups: RuleGroup[] = [
    { name: `kaika-slo-${definition.id}-sli`, rules: sli },
    {
      name: `kaika-slo-${definition.id}-meta`,
      rules: [
        { record: sloMetrics.objective, expr: `vector(${round(definition.objective / 100)})`, labels },
        { record: sloMetrics.errorBudget, expr: `vector(${budget})`, labels },
        { record: sloMetrics.windowDays, expr: `vector(${definition.windowDays})`, labels },
      ],
    },
  ];
  const alerts = alertRules(definition, only);
  if (alerts.length > 0) groups.push({ name: `kaika-slo-${definition.id}-alerts`, rules: alerts });
  return groups;
}

/**
 * Bad events per second. A missing errors series (no 5xx ever seen) counts as
 * zero rather than hiding the ratio; good/total is turned into total - good.
 */
function errorsExpr(definition: SloDefinition, window: string): string {
  const total = renderQuery(definition.indicator.total, window);
  const zero = `0 * (${total})`;
  if (definition.indicator.errors !== undefined) {
    return `(${renderQuery(definition.indicator.errors, window)})\nor\n${zero}`;
  }
  const good = renderQuery(definition.indicator.good ?? "", window);
  return `clamp_min((${total}) - ((${good}) or ${zero}), 0)`;
}

function alertRules(definition: SloDefinition, only: string): AlertingRule[] {
  const { alerting } = definition;
  if (alerting.disable) return [];
  const windows = alertWindows(definition.windowDays);
  const rules: AlertingRule[] = [];
  for (const severity of ["page", "ticket"] as const) {
    const options = alerting[severity];
    if (options.disable) continue;
    const [quick, slow] = windows[severity];
    const condition = (c: BurnCondition): string =>
      `(\n  ${sloMetrics.burnRate(c.longWindow)}${only} > ${c.factor}\n  and\n  ${sloMetrics.burnRate(c.shortWindow)}${only} > ${c.factor}\n)`;
    rules.push({
      alert: alerting.name,
      expr: `${condition(quick)}\nor\n${condition(slow)}`,
      labels: {
        severity: severity === "page" ? "critical" : "warning",
        ...alerting.labels,
        ...options.labels,
        [sloLabelNames.severity]: severity,
      },
      annotations: {
        summary: `{{ $labels.slo_service }}: SLO {{ $labels.slo_name }} is burning its error budget ${severity === "page" ? "fast" : "steadily"}`,
        description: `${severity === "page" ? "Page" : "Ticket"}: burn rate above ${quick.factor} over ${quick.longWindow} and ${quick.shortWindow}, or above ${slow.factor} over ${slow.longWindow} and ${slow.shortWindow}; at ${quick.factor}x the ${definition.objective}% ${definition.windowDays}d budget lasts ${exhaustion(definition.windowDays, quick.factor)}.`,
        ...alerting.annotations,
        ...options.annotations,
      },
    });
  }
  return rules;
}

/** "2d2h" for how long a whole budget of `windowDays` lasts at burn rate `factor`. */
function exhaustion(windowDays: number, factor: number): string {
  const hours = Math.round((windowDays * 24) / factor);
  return hours >= 48 ? `${Math.floor(hours / 24)}d${hours % 24 ? `${hours % 24}h` : ""}` : `${hours}h`;
}

/** The windows that have a burn-rate series for an SLO of `windowDays`. */
export function burnRateWindows(windowDays: number): SliWindow[] {
  return sliWindows(windowDays);
}
