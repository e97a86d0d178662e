/**
 * OpenSLO v1 to SloDefinitions: kind SLO with its SLI (inline `indicator`
 * or `indicatorRef` to a kind SLI document), ratioMetric good/bad + total
 * from a Prometheus metric source, a rolling timeWindow, and objectives
 * (target 0–1 or targetPercent). Other kinds (Service, AlertPolicy…) are skipped.
 */
import { alertingWithDefaults, checkDefinition, type SloDefinition, sloId } from "./definition.ts";
import { SloSpecError, type SpecLocation } from "./errors.ts";
import type { DocumentContext } from "./native.ts";
import { type Fields, fields, optionalBoolean, optionalText, requiredText } from "./spec-fields.ts";

/** An OpenSLO document with where it came from. */
export interface OpenSloDocument {
  readonly doc: Record<string, unknown>;
  readonly context: DocumentContext;
}

/** True for an OpenSLO document of any version (only v1 is read; others are refused with a message). */
export function isOpenSlo(doc: Record<string, unknown>): boolean {
  return typeof doc.apiVersion === "string" && /^openslo(\.com)?\//.test(doc.apiVersion);
}

const supportedVersions = new Set(["openslo/v1", "openslo.com/v1"]);
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const bareSelector = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/;
const rangeSelector = /\[[0-9]+(ms|s|m|h|d|w|y)\]/;

/** Reads the SLOs among `documents`, resolving indicatorRef against the SLI documents among them. */
export function fromOpenSlo(documents: readonly OpenSloDocument[]): SloDefinition[] {
  const slis = new Map<string, OpenSloDocument>();
  for (const d of documents) {
    if (d.doc.kind !== "SLI") continue;
    const name = (d.doc.metadata as { name?: unknown } | undefined)?.name;
    if (typeof name === "string") slis.set(name, d);
  }
  const out: SloDefinition[] = [];
  for (const d of documents) {
    const kind = String(d.doc.kind ?? "");
    const apiVersion = String(d.doc.apiVersion);
    const docAt = (field: string): SpecLocation => ({
      file: d.context.file,
      line: d.context.lineOf?.(field),
      object: `OpenSLO ${kind || "<no kind>"}/${String((d.doc.metadata as { name?: unknown })?.name ?? "<unnamed>")}`,
      field,
    });
    if (!supportedVersions.has(apiVersion)) {
      throw new SloSpecError(docAt("apiVersion"), `only openslo/v1 is supported, got ${apiVersion}`);
    }
    if (kind === "SLO") out.push(...sloDefinitions(d, slis, docAt));
  }
  return out;
}

function sloDefinitions(
  d: OpenSloDocument,
  slis: ReadonlyMap<string, OpenSloDocument>,
  at: (field: string) => SpecLocation,
): SloDefinition[] {
  const root = fields(d.doc, "", at);
  const metadata = fields(root.object("metadata"), "metadata.", at);
  const name = requiredText(metadata, "name");
  if (!dnsSubdomain.test(name)) {
    throw new SloSpecError(at("metadata.name"), "must be a lowercase DNS name (a-z, 0-9, '-', '.')");
  }
  const labels = openSloLabels(metadata);
  const spec = fields(root.object("spec"), "spec.", at);
  const service = requiredText(spec, "service");
  const method = optionalText(spec, "budgetingMethod") ?? "Occurrences";
  if (method !== "Occurrences") {
    throw new SloSpecError(
      at("spec.budgetingMethod"),
      `${method} is not supported: kaika budgets by Occurrences (events), weighted by requests`,
    );
  }
  const windowDays = timeWindowDays(spec);
  const ratio = ratioMetric(spec, slis, at);
  const objectives = spec.value.objectives;
  if (!Array.isArray(objectives) || objectives.length === 0) {
    throw new SloSpecError(at("spec.objectives"), "list at least one objective with a target");
  }
  return objectives.map((item: unknown, index) => {
    const base = `spec.objectives[${index}]`;
    if (typeof item !== "object" || item === null) throw new SloSpecError(at(base), "must be a mapping");
    const o = fields(item as Record<string, unknown>, `${base}.`, at);
    const objective = objectivePercent(o);
    const suffix = objectives.length === 1 ? "" : `-${slug(optionalText(o, "displayName") ?? "") || String(index)}`;
    const definition: SloDefinition = {
      id: sloId(`${name}${suffix}`),
      name: `${name}${suffix}`,
      service,
      description: optionalText(spec, "description"),
      indicator: ratio.indicator,
      objective,
      windowDays,
      labels,
      alerting: alertingWithDefaults(),
      source: { format: "openslo", file: d.context.file, object: `OpenSLO SLO/${name}` },
    };
    return checkDefinition(definition, (field) => {
      if (field in ratio.fields) return ratio.fields[field] as SpecLocation;
      if (field === "objective") return at(base);
      return at(field.startsWith("labels") ? `metadata.${field}` : `spec.${field}`);
    });
  });
}

/** metadata.labels with string values (OpenSLO allows lists, which Prometheus labels cannot hold). */
function openSloLabels(metadata: Fields): Record<string, string> {
  const labels = metadata.optionalObject("labels") ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value === "string") out[key] = value;
    else if (typeof value === "number" || typeof value === "boolean") out[key] = String(value);
    else
      throw new SloSpecError(metadata.at(`metadata.labels.${key}`), "must be one string to become a Prometheus label");
  }
  return out;
}

function timeWindowDays(spec: Fields): number {
  const windows = spec.value.timeWindow;
  if (windows === undefined) return 30;
  if (!Array.isArray(windows) || windows.length !== 1) {
    throw new SloSpecError(spec.at("spec.timeWindow"), "give exactly one time window");
  }
  const w = fields(windows[0] as Record<string, unknown>, "spec.timeWindow[0].", spec.at);
  if (optionalBoolean(w, "isRolling") === false || w.value.calendar !== undefined) {
    throw new SloSpecError(
      spec.at("spec.timeWindow[0].isRolling"),
      "calendar windows are not supported; use a rolling window",
    );
  }
  const duration = requiredText(w, "duration");
  const match = /^([0-9]+)(d|w)$/.exec(duration);
  const days = match ? Number(match[1]) * (match[2] === "w" ? 7 : 1) : Number.NaN;
  if (!(days >= 7 && days <= 365)) {
    throw new SloSpecError(
      spec.at("spec.timeWindow[0].duration"),
      `must be whole days or weeks from 7d to 365d (e.g. 28d, 4w, 30d), got "${duration}"`,
    );
  }
  return days;
}

function objectivePercent(o: Fields): number {
  const { target, targetPercent } = o.value;
  if (typeof targetPercent === "number") return targetPercent;
  if (typeof target === "number" && target > 0 && target < 1) return Number((target * 100).toPrecision(12));
  throw new SloSpecError(
    o.at(`${o.prefix}target`),
    "give target as a ratio between 0 and 1 (e.g. 0.999) or targetPercent (e.g. 99.9)",
  );
}

interface RatioQueries {
  readonly indicator: { errors?: string; good?: string; total: string };
  /** Where each query came from, for messages. */
  readonly fields: Readonly<Record<string, SpecLocation>>;
}

function ratioMetric(
  spec: Fields,
  slis: ReadonlyMap<string, OpenSloDocument>,
  at: (field: string) => SpecLocation,
): RatioQueries {
  let sliSpec: Fields;
  const inline = spec.optionalObject("indicator");
  if (inline) {
    sliSpec = fields(fields(inline, "spec.indicator.", at).object("spec"), "spec.indicator.spec.", at);
  } else {
    const ref = optionalText(spec, "indicatorRef");
    if (!ref) throw new SloSpecError(at("spec.indicator"), "give an inline indicator or an indicatorRef");
    const sli = slis.get(ref);
    if (!sli) throw new SloSpecError(at("spec.indicatorRef"), `no SLI named "${ref}" in the given files`);
    const sliAt = (field: string): SpecLocation => ({
      file: sli.context.file,
      line: sli.context.lineOf?.(field),
      object: `OpenSLO SLI/${ref}`,
      field,
    });
    sliSpec = fields(fields(sli.doc, "", sliAt).object("spec"), "spec.", sliAt);
  }
  if (sliSpec.value.thresholdMetric !== undefined) {
    throw new SloSpecError(
      sliSpec.at(`${sliSpec.prefix}thresholdMetric`),
      "threshold metrics are not supported; use ratioMetric (good or bad, and total)",
    );
  }
  const ratio = fields(sliSpec.object("ratioMetric"), `${sliSpec.prefix}ratioMetric.`, sliSpec.at);
  if (ratio.value.raw !== undefined || ratio.value.rawType !== undefined) {
    throw new SloSpecError(
      ratio.at(`${ratio.prefix}raw`),
      "raw ratios are not supported: kaika weights the budget by requests and needs good or bad, and total",
    );
  }
  const counter = optionalBoolean(ratio, "counter") ?? true;
  const good = ratio.optionalObject("good");
  const bad = ratio.optionalObject("bad");
  if ((good === undefined) === (bad === undefined)) {
    throw new SloSpecError(ratio.at(`${ratio.prefix}good`), "give exactly one of good and bad");
  }
  const read = (key: "good" | "bad" | "total"): [string, SpecLocation] => {
    const source = fields(ratio.object(key), `${ratio.prefix}${key}.`, ratio.at);
    const metricSource = fields(source.object("metricSource"), `${source.prefix}metricSource.`, ratio.at);
    const type = optionalText(metricSource, "type") ?? "Prometheus";
    if (type.toLowerCase() !== "prometheus") {
      throw new SloSpecError(
        ratio.at(`${metricSource.prefix}type`),
        `only Prometheus metric sources are supported, got ${type}`,
      );
    }
    const querySpec = fields(metricSource.object("spec"), `${metricSource.prefix}spec.`, ratio.at);
    const where = ratio.at(`${querySpec.prefix}query`);
    return [windowed(requiredText(querySpec, "query"), counter, where), where];
  };
  const [total, totalAt] = read("total");
  if (good) {
    const [query, where] = read("good");
    return { indicator: { good: query, total }, fields: { good: where, total: totalAt } };
  }
  const [query, where] = read("bad");
  return { indicator: { errors: query, total }, fields: { errors: where, total: totalAt } };
}

/**
 * OpenSLO queries have no window: a query with {{.window}} is used as is;
 * ranges like [5m] become [{{.window}}]; a bare counter selector becomes
 * sum(rate(selector[{{.window}}])). Anything else is refused.
 */
function windowed(query: string, counter: boolean, where: SpecLocation): string {
  const q = query.trim();
  if (/\{\{\s*\.window\s*\}\}/.test(q)) return q;
  if (rangeSelector.test(q)) return q.replace(new RegExp(rangeSelector.source, "g"), "[{{.window}}]");
  if (bareSelector.test(q)) {
    if (!counter) {
      throw new SloSpecError(where, "a gauge selector has no rate; set counter: true or give a query with a range");
    }
    return `sum(rate(${q}[{{.window}}]))`;
  }
  throw new SloSpecError(
    where,
    'give a counter selector (e.g. http_requests_total{code=~"5.."}), a query with a range like [5m], or one with {{.window}}',
  );
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
