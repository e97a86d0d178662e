/**
 * Sloth specs to SloDefinitions: the `prometheus/v1` file format and the
 * `sloth.slok.dev/v1` PrometheusServiceLevel object (same fields, camelCase).
 * Each SLO of a service becomes one definition named `<service>-<slo name>`,
 * as Sloth names its ids; Sloth has no window in the spec, so 30d is used.
 */
import { type AlertSpec, alertingWithDefaults, checkDefinition, type SloDefinition, sloId } from "./definition.ts";
import { SloSpecError, type SpecLocation } from "./errors.ts";
import type { DocumentContext } from "./native.ts";
import { fields, optionalBoolean, optionalStringMap, optionalText, requiredText } from "./spec-fields.ts";

/** True for a document Sloth would read. */
export function isSloth(doc: Record<string, unknown>): boolean {
  return (
    doc.version === "prometheus/v1" ||
    (typeof doc.apiVersion === "string" &&
      doc.apiVersion.startsWith("sloth.slok.dev/") &&
      doc.kind === "PrometheusServiceLevel")
  );
}

/** Reads a Sloth document into one definition per SLO; `windowDays` defaults to 30. */
export function fromSloth(
  doc: Record<string, unknown>,
  context: DocumentContext = {},
  windowDays = 30,
): SloDefinition[] {
  const kube = doc.version !== "prometheus/v1";
  const metadata = (doc.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const namespace = kube && typeof metadata.namespace === "string" ? metadata.namespace : undefined;
  const root = kube ? "spec." : "";
  const body = (kube ? doc.spec : doc) as Record<string, unknown> | undefined;
  const docName = kube ? `PrometheusServiceLevel/${String(metadata.name ?? "<unnamed>")}` : "Sloth spec";
  const docAt = (field: string): SpecLocation => ({
    file: context.file,
    line: context.lineOf?.(field),
    object: docName,
    field,
  });
  if (typeof body !== "object" || body === null) throw new SloSpecError(docAt(root || "spec"), "missing");
  const f = fields(body, root, docAt);
  const service = requiredText(f, "service");
  const serviceLabels = optionalStringMap(f, "labels");
  const slos = body.slos;
  if (!Array.isArray(slos) || slos.length === 0) throw new SloSpecError(docAt(`${root}slos`), "list at least one SLO");
  // Sloth's field names in each format.
  const k = kube
    ? { error: "errorQuery", total: "totalQuery", raw: "errorRatioQuery", page: "pageAlert", ticket: "ticketAlert" }
    : {
        error: "error_query",
        total: "total_query",
        raw: "error_ratio_query",
        page: "page_alert",
        ticket: "ticket_alert",
      };

  return slos.map((slo: unknown, index) => {
    const base = `${root}slos[${index}]`;
    if (typeof slo !== "object" || slo === null) throw new SloSpecError(docAt(base), "must be a mapping");
    const s = fields(slo as Record<string, unknown>, `${base}.`, docAt);
    const sloName = requiredText(s, "name");
    const name = `${service}-${sloName}`;
    const objectName = `Sloth ${service}/${sloName}`;
    const at = (field: string): SpecLocation => ({ ...docAt(field), object: objectName });
    const objective = s.value.objective;
    if (typeof objective !== "number") throw new SloSpecError(at(`${base}.objective`), "must be a number, e.g. 99.9");
    const sli = fields(s.object("sli"), `${base}.sli.`, at);
    if (sli.value.raw !== undefined) {
      throw new SloSpecError(
        at(`${base}.sli.raw`),
        "raw error-ratio SLIs are not supported: kaika weights the budget by requests and needs the event counts; use sli.events",
      );
    }
    if (sli.value.plugin !== undefined) {
      throw new SloSpecError(at(`${base}.sli.plugin`), "Sloth SLI plugins are not supported; use sli.events");
    }
    const events = fields(sli.object("events"), `${base}.sli.events.`, at);
    const alerting = fields(s.optionalObject("alerting") ?? {}, `${base}.alerting.`, at);
    const alert = (key: string): Partial<AlertSpec> => {
      const a = fields(alerting.optionalObject(key) ?? {}, `${base}.alerting.${key}.`, at);
      return {
        disable: optionalBoolean(a, "disable") ?? false,
        labels: optionalStringMap(a, "labels") ?? {},
        annotations: optionalStringMap(a, "annotations") ?? {},
      };
    };
    const definition: SloDefinition = {
      id: sloId(name, namespace),
      name,
      namespace,
      service,
      description: optionalText(s, "description"),
      indicator: { errors: requiredText(events, k.error), total: requiredText(events, k.total) },
      objective,
      windowDays,
      labels: { ...(serviceLabels ?? {}), ...(optionalStringMap(s, "labels") ?? {}) },
      alerting: alertingWithDefaults({
        name: optionalText(alerting, "name"),
        labels: optionalStringMap(alerting, "labels"),
        annotations: optionalStringMap(alerting, "annotations"),
        page: alert(k.page),
        ticket: alert(k.ticket),
      }),
      source: { format: "sloth", file: context.file, object: objectName },
    };
    const fieldOf: Record<string, string> = {
      errors: `${base}.sli.events.${k.error}`,
      total: `${base}.sli.events.${k.total}`,
      objective: `${base}.objective`,
      service: `${root}service`,
      labels: `${base}.labels`,
      "alerting.labels": `${base}.alerting.labels`,
      "alerting.page.labels": `${base}.alerting.${k.page}.labels`,
      "alerting.ticket.labels": `${base}.alerting.${k.ticket}.labels`,
      "alerting.name": `${base}.alerting.name`,
    };
    return checkDefinition(definition, (field) => {
      const known = Object.keys(fieldOf).find((key) => field === key || field.startsWith(`${key}.`));
      return at(known ? `${fieldOf[known]}${field.slice(known.length)}` : `${base}.${field}`);
    });
  });
}
