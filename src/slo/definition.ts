/** One SLO as kaika generates rules for it, whatever format it came from, and the checks every format shares. */
import { SloSpecError, type SpecLocation } from "./errors.ts";

/** Options of one alert (page or ticket). */
export interface AlertSpec {
  readonly disable: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Alerting options, defaults filled in. */
export interface AlertingSpec {
  /** No alerts at all. */
  readonly disable: boolean;
  /** Alert name of the page and the ticket alert (they differ by slo_severity). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly page: AlertSpec;
  readonly ticket: AlertSpec;
}

/**
 * The SLI as PromQL templates: each uses `{{.window}}` as its range and
 * returns events per second. Exactly one of errors and good is set.
 */
export interface IndicatorQueries {
  readonly errors?: string | undefined;
  readonly good?: string | undefined;
  readonly total: string;
}

/** Where a definition came from, for messages. */
export interface DefinitionSource {
  readonly format: "kaika" | "sloth" | "openslo";
  readonly file?: string | undefined;
  /** As in SloSpecError.object. */
  readonly object: string;
}

/** An SLO ready for rule generation. */
export interface SloDefinition {
  /** Unique per Prometheus: "<namespace>/<name>", or "<name>" when the spec has no namespace. Label slo_id. */
  readonly id: string;
  readonly name: string;
  readonly namespace?: string | undefined;
  readonly service: string;
  readonly description?: string | undefined;
  readonly indicator: IndicatorQueries;
  /** Percentage of good events, e.g. 99.9. */
  readonly objective: number;
  /** The rolling window in days. */
  readonly windowDays: number;
  /** Added to every generated series and alert. */
  readonly labels: Readonly<Record<string, string>>;
  readonly alerting: AlertingSpec;
  readonly source: DefinitionSource;
}

/** The default alert name of both alerts. */
export const defaultAlertName = "ErrorBudgetBurn";

/** Labels kaika sets itself; specs may not set them. */
export const reservedLabels = new Set(["slo_id", "slo_name", "slo_service", "slo_objective", "slo_window"]);

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const windowPlaceholder = /\{\{\s*\.window\s*\}\}/;

/** Alerting options with defaults for whatever a format left out. */
export function alertingWithDefaults(
  given: {
    disable?: boolean | undefined;
    name?: string | undefined;
    labels?: Record<string, string> | undefined;
    annotations?: Record<string, string> | undefined;
    page?: Partial<AlertSpec> | undefined;
    ticket?: Partial<AlertSpec> | undefined;
  } = {},
): AlertingSpec {
  const alert = (a: Partial<AlertSpec> | undefined): AlertSpec => ({
    disable: a?.disable ?? false,
    labels: { ...(a?.labels ?? {}) },
    annotations: { ...(a?.annotations ?? {}) },
  });
  return {
    disable: given.disable ?? false,
    name: given.name || defaultAlertName,
    labels: { ...(given.labels ?? {}) },
    annotations: { ...(given.annotations ?? {}) },
    page: alert(given.page),
    ticket: alert(given.ticket),
  };
}

/** Parses "30d" into 30; throws SloSpecError unless it is whole days from 7 to 365. */
export function parseWindowDays(window: string, where: SpecLocation): number {
  const match = /^([0-9]+)d$/.exec(window);
  const days = match ? Number(match[1]) : Number.NaN;
  if (!(days >= 7 && days <= 365)) {
    throw new SloSpecError(where, `window must be whole days from 7d to 365d (e.g. 30d or 28d), got "${window}"`);
  }
  return days;
}

/**
 * Checks what every format must satisfy, naming the field at fault:
 * queries use {{.window}}, the objective is a percentage below 100, labels
 * are Prometheus label names and none is kaika's own. `at(field)` locates a field.
 */
export function checkDefinition(definition: SloDefinition, at: (field: string) => SpecLocation): SloDefinition {
  const { indicator } = definition;
  if ((indicator.errors === undefined) === (indicator.good === undefined)) {
    throw new SloSpecError(at("indicator"), "give exactly one of the errors and good queries");
  }
  for (const [key, query] of Object.entries(indicator) as [keyof IndicatorQueries, string | undefined][]) {
    if (query === undefined) continue;
    if (!query.trim()) throw new SloSpecError(at(key), "the query is empty");
    if (!windowPlaceholder.test(query)) {
      throw new SloSpecError(
        at(key),
        `the query must use {{.window}} as its range, e.g. sum(rate(http_requests_total[{{.window}}])); got: ${query}`,
      );
    }
  }
  if (!(definition.objective > 0 && definition.objective < 100)) {
    throw new SloSpecError(at("objective"), `must be a percentage above 0 and below 100, got ${definition.objective}`);
  }
  if (!definition.service.trim()) throw new SloSpecError(at("service"), "must not be empty");
  const labelSets: [string, Readonly<Record<string, string>>][] = [
    ["labels", definition.labels],
    ["alerting.labels", definition.alerting.labels],
    ["alerting.page.labels", definition.alerting.page.labels],
    ["alerting.ticket.labels", definition.alerting.ticket.labels],
  ];
  for (const [field, labels] of labelSets) {
    for (const [name, value] of Object.entries(labels)) {
      if (!labelName.test(name)) throw new SloSpecError(at(`${field}.${name}`), "not a Prometheus label name");
      if (reservedLabels.has(name) || name === "slo_severity") {
        throw new SloSpecError(at(`${field}.${name}`), "kaika sets this label itself");
      }
      if (typeof value !== "string") throw new SloSpecError(at(`${field}.${name}`), "label values must be strings");
    }
  }
  if (!labelName.test(definition.alerting.name)) {
    throw new SloSpecError(at("alerting.name"), `"${definition.alerting.name}" is not a valid alert name`);
  }
  return definition;
}

/** Fills {{.window}} in a query template. */
export function renderQuery(template: string, window: string): string {
  return template.replace(new RegExp(windowPlaceholder.source, "g"), window);
}

/** The id of an SLO named `name` in `namespace`. */
export function sloId(name: string, namespace?: string | undefined): string {
  return namespace ? `${namespace}/${name}` : name;
}
