/** kaika's own ServiceLevelObjective (the CRD, or the same YAML in a file) to an SloDefinition. */
import Value from "typebox/value";
import { ServiceLevelObjectiveSpec } from "../api/slo.ts";
import {
  alertingWithDefaults,
  checkDefinition,
  type IndicatorQueries,
  parseWindowDays,
  type SloDefinition,
  sloId,
} from "./definition.ts";
import { SloSpecError, type SpecLocation } from "./errors.ts";

/** Where a document came from: its file, and the line of a dotted field path when known. */
export interface DocumentContext {
  readonly file?: string | undefined;
  readonly lineOf?: ((field: string) => number | undefined) | undefined;
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Reads a native SLO object; throws SloSpecError naming the file, line, object and field. */
export function fromNative(object: Record<string, unknown>, context: DocumentContext = {}): SloDefinition {
  const metadata = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const namespace = typeof metadata.namespace === "string" && metadata.namespace ? metadata.namespace : undefined;
  const objectName = `ServiceLevelObjective/${name || "<unnamed>"}`;
  const at = (field: string): SpecLocation => ({
    file: context.file,
    line: context.lineOf?.(field),
    object: objectName,
    field,
  });
  if (!dnsSubdomain.test(name)) {
    throw new SloSpecError(at("metadata.name"), "must be a lowercase DNS name (a-z, 0-9, '-', '.')");
  }
  if (typeof object.spec !== "object" || object.spec === null) throw new SloSpecError(at("spec"), "missing");
  const spec = withFileDefaults(object.spec as Record<string, unknown>);
  const first = [...Value.Errors(ServiceLevelObjectiveSpec, spec)][0];
  if (first) {
    const path = first.instancePath.split("/").filter(Boolean);
    const required = (first.params as { requiredProperties?: string[] }).requiredProperties;
    const field = ["spec", ...path, ...(first.keyword === "required" && required?.[0] ? [required[0]] : [])].join(".");
    const message = first.keyword === "required" ? "required" : first.message;
    throw new SloSpecError(at(field), message);
  }
  const s = spec as unknown as ServiceLevelObjectiveSpec;
  const { ratio, latency } = s.indicator;
  if ((ratio === undefined) === (latency === undefined)) {
    throw new SloSpecError(at("spec.indicator"), "set exactly one of ratio or latency");
  }
  let indicator: IndicatorQueries;
  if (ratio) {
    indicator = { total: ratio.total, ...(ratio.errors !== undefined ? { errors: ratio.errors } : {}) };
    if (ratio.good !== undefined) indicator = { ...indicator, good: ratio.good };
  } else {
    indicator = latencyQueries(latency as NonNullable<typeof latency>);
  }
  const indicatorField = ratio ? "spec.indicator.ratio" : "spec.indicator.latency";
  const definition: SloDefinition = {
    id: sloId(name, namespace),
    name,
    namespace,
    service: s.service,
    description: s.description,
    indicator,
    objective: s.objective,
    windowDays: parseWindowDays(s.window, at("spec.window")),
    labels: { ...(s.labels ?? {}) },
    alerting: alertingWithDefaults(s.alerting),
    source: { format: "kaika", file: context.file, object: objectName },
  };
  return checkDefinition(definition, (field) =>
    at(["errors", "good", "total"].includes(field) ? `${indicatorField}.${field}` : `spec.${field}`),
  );
}

/** YAML files often say `threshold: 0.3` and leave the window out: accept both as the CRD would default them. */
function withFileDefaults(spec: Record<string, unknown>): Record<string, unknown> {
  const out = { ...spec };
  if (out.window === undefined) out.window = "30d";
  const indicator = out.indicator as { latency?: { threshold?: unknown } } | undefined;
  if (typeof indicator?.latency?.threshold === "number") {
    out.indicator = { ...indicator, latency: { ...indicator.latency, threshold: String(indicator.latency.threshold) } };
  }
  return out;
}

/** good = requests in the threshold's bucket, total = all requests, per second over {{.window}}. */
export function latencyQueries(latency: {
  metric: string;
  threshold: string;
  selector?: string | undefined;
  groupBy?: readonly string[] | undefined;
}): IndicatorQueries {
  const matchers = latency.selector?.trim().replace(/^\{|\}$/g, "") ?? "";
  const by = latency.groupBy?.length ? ` by (${latency.groupBy.join(", ")})` : "";
  const bucket = [matchers, `le="${latency.threshold.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`]
    .filter(Boolean)
    .join(", ");
  return {
    good: `sum${by} (rate(${latency.metric}_bucket{${bucket}}[{{.window}}]))`,
    total: `sum${by} (rate(${latency.metric}_count${matchers ? `{${matchers}}` : ""}[{{.window}}]))`,
  };
}
