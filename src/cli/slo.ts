/** `kaika slo generate FILE…` (rules from kaika, Sloth or OpenSLO specs) and `kaika slo status [SERVICE]` (budgets from Prometheus). */
import { stringify } from "yaml";
import {
  formatDuration,
  loadSloFiles,
  PrometheusClient,
  prometheusRule,
  readSloStatus,
  ruleFile,
  type SloReading,
  sloRuleGroups,
  yamlStream,
} from "../slo/index.ts";
import type { GlobalOptions } from "./main.ts";
import { bad, ok, print, table, UsageError } from "./output.ts";

/** Flags of `kaika slo generate`. */
export interface SloGenerateFlags {
  /** Window of Sloth SLOs, which have none in their spec (e.g. "28d"); default 30d. */
  readonly slothWindow?: string;
}

/** Flags of `kaika slo status`. */
export interface SloStatusFlags {
  readonly prometheusUrl?: string;
}

/**
 * Prints the rules of every SLO in `files` ("-" is stdin): a Prometheus rule
 * file (-o rules, the default; -o json for the same as JSON) or one
 * PrometheusRule per SLO (-o prometheusrule; namespace from -n or the spec).
 */
export async function generate(
  options: GlobalOptions,
  files: readonly string[],
  flags: SloGenerateFlags,
): Promise<void> {
  const format = options.output ?? "rules";
  if (!["rules", "text", "yaml", "json", "prometheusrule"].includes(format)) {
    throw new UsageError(`-o ${format}: use rules, prometheusrule or json`);
  }
  let slothWindowDays: number | undefined;
  if (flags.slothWindow !== undefined) {
    const match = /^([0-9]+)d$/.exec(flags.slothWindow);
    if (!match) throw new UsageError(`--sloth-window must be whole days like 28d, got "${flags.slothWindow}"`);
    slothWindowDays = Number(match[1]);
  }
  const definitions = await loadSloFiles(files, slothWindowDays === undefined ? {} : { slothWindowDays });
  if (definitions.length === 0) throw new UsageError(`no SLO found in ${files.join(", ")}`);
  if (format === "prometheusrule") {
    const namespace = options.namespace;
    process.stdout.write(yamlStream(definitions.map((d) => prometheusRule(d, namespace ? { namespace } : {}))));
  } else if (format === "json") {
    console.log(JSON.stringify({ groups: definitions.flatMap(sloRuleGroups) }, null, 2));
  } else {
    process.stdout.write(ruleFile(definitions));
  }
}

/** The Prometheus of --prometheus-url or $KAIKA_PROMETHEUS_URL; a usage error without one. */
export function prometheusFrom(flags: { prometheusUrl?: string | undefined }): PrometheusClient {
  const url = flags.prometheusUrl ?? process.env.KAIKA_PROMETHEUS_URL;
  if (!url) throw new UsageError("--prometheus-url (or KAIKA_PROMETHEUS_URL) is required");
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--prometheus-url: not a URL: "${url}"`);
  }
  return new PrometheusClient({ url });
}

/**
 * Prints each SLO's budget left, burn rates per window, time to exhaustion at
 * the current 1h burn rate, and firing alerts; one row per SLO and label set
 * (e.g. per cluster). Exit code 0 even when budgets are exhausted.
 */
export async function status(
  options: GlobalOptions,
  service: string | undefined,
  flags: SloStatusFlags,
): Promise<void> {
  const readings = await readSloStatus(prometheusFrom(flags), service ? { service } : {});
  if (options.output === "json" || options.output === "yaml") {
    const value = readings.map((r) => ({ ...r, timeToExhaustion: tte(r) }));
    if (options.output === "json") console.log(JSON.stringify(value, null, 2));
    else console.log(stringify(value).trimEnd());
    return;
  }
  print(options.output, readings, () => {
    if (readings.length === 0) {
      console.log(`no SLO${service ? ` of service ${service}` : ""} in Prometheus (are kaika's SLO rules loaded?)`);
      return;
    }
    const windows = ["5m", "1h", "6h", "1d", "3d"];
    const wide = options.output === "wide";
    table(
      [
        "service",
        "slo",
        "labels",
        "objective",
        "budget",
        ...windows.map((w) => `burn ${w}`),
        ...(wide ? ["burn window"] : []),
        "exhausted in",
        "alerts",
      ],
      readings.map((r) => [
        r.service,
        r.name,
        Object.entries(r.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
        `${r.objective}% / ${r.window}`,
        budgetCell(r),
        ...windows.map((w) => rate(r.burnRates[w])),
        ...(wide ? [rate(r.burnRates[r.window])] : []),
        tte(r) ?? "-",
        r.alerts
          .filter((a) => a.state === "firing")
          .map((a) => a.severity)
          .join(",") || "-",
      ]),
    );
  });
}

function budgetCell(r: SloReading): string {
  if (r.errorBudgetRemaining === undefined) return "no data";
  const text = `${(r.errorBudgetRemaining * 100).toFixed(1)}%`;
  return r.exhausted ? bad(text) : ok(text);
}

function rate(value: number | undefined): string {
  return value === undefined ? "-" : value.toFixed(2);
}

function tte(r: SloReading): string | null {
  return r.timeToExhaustionSeconds === null ? null : formatDuration(r.timeToExhaustionSeconds);
}
