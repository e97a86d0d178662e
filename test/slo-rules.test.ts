/**
 * Generated SLO rules under the real promtool (Debian's Prometheus 2.42):
 * every rule file passes `promtool check rules`, and `promtool test rules`
 * unit tests built here from synthetic request counters show the page and
 * ticket alerts firing on bad traffic and staying quiet on healthy traffic,
 * with factors derived from 30d and 28d windows, and the budget weighted by requests.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { loadSloFiles, parseSloSources, ruleFile, type SloDefinition, sloSeriesLabels } from "../src/slo/index.ts";
import { promtool } from "./support/prometheus.ts";

const examples = fileURLToPath(new URL("../examples/slo/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "kaika-slo-rules-"));
after(() => rmSync(work, { recursive: true, force: true }));

const nativeSpec = (window: string, extra = ""): string => `apiVersion: kaika.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: checkout-availability}
spec:
  service: checkout
  indicator:
    ratio:
      errors: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
  objective: 99.9
  window: ${window}
  labels: {team: shop}
${extra}`;

const definitionFor = (window: string): SloDefinition => {
  const [definition] = parseSloSources([{ file: `checkout-${window}.yaml`, text: nativeSpec(window) }]);
  if (!definition) throw new Error("no definition");
  return definition;
};

describe("promtool check rules", () => {
  it("accepts the rule file of every example and of each indicator and alerting variant", async () => {
    const files = readdirSync(examples).filter((f) => f.endsWith(".yaml"));
    assert.ok(files.length >= 4, `examples: ${files.join(", ")}`);
    const variants: [string, string][] = [
      [
        "good-form.yaml",
        nativeSpec("28d").replace(
          'errors: sum(rate(http_requests_total{job="checkout",code=~"5.."}',
          'good: sum(rate(http_requests_total{job="checkout",code!~"5.."}',
        ),
      ],
      ["no-alerts.yaml", nativeSpec("30d", "  alerting: {disable: true}\n")],
      ["odd-window.yaml", nativeSpec("90d", "  alerting: {name: Slow, page: {disable: true}}\n")],
    ];
    const sources = [
      ...files.map((f) => [f, join(examples, f)] as const),
      ...variants.map(([name, text]) => {
        const path = join(work, name);
        writeFileSync(path, text);
        return [name, path] as const;
      }),
    ];
    for (const [name, path] of sources) {
      const rules = join(work, `${name}.rules.yaml`);
      writeFileSync(rules, ruleFile(await loadSloFiles([path])));
      const { code, output } = await promtool(["check", "rules", rules]);
      assert.equal(code, 0, `${name}: ${output}`);
      assert.match(output, /SUCCESS: \d+ rules found/, name);
    }
  });

  it("fails a broken query, so the check above can fail", async () => {
    const text = nativeSpec("30d").replace(
      'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
      "sum(rate(http_requests_total{job=[{{.window}}]))",
    );
    const rules = join(work, "broken.rules.yaml");
    writeFileSync(rules, ruleFile(parseSloSources([{ file: "broken.yaml", text }])));
    const { code, output } = await promtool(["check", "rules", rules]);
    assert.notEqual(code, 0, output);
  });
});

/** Traffic over time: phases of minutes at requests and errors per minute. */
type Phase = { minutes: number; perMinute: number; errorRatio: number };

/** promtool's expanding notation for a counter growing by `step` per minute through each phase. */
function counterValues(phases: readonly Phase[], share: (p: Phase) => number): string {
  const parts: string[] = [];
  let value = 0;
  let first = true;
  for (const p of phases) {
    const step = share(p);
    // The first phase starts at 0 with minutes+1 samples; later ones continue from the last value.
    const count = first ? p.minutes : p.minutes - 1;
    const start = first ? 0 : value + step;
    parts.push(`${fmt(start)}+${fmt(step)}x${count}`);
    value = start + step * count;
    first = false;
  }
  return parts.join(" ");
}

const fmt = (n: number): string => String(Number(n.toPrecision(12)));

const minutes = (text: string): number => {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/([0-9]+)([dhm])/g))
    total += Number(n) * { d: 1440, h: 60, m: 1 }[unit as "d" | "h" | "m"];
  return total;
};

interface Check {
  at: string;
  /** Severities expected firing then; [] for none. */
  firing: ("page" | "ticket")[];
}

/**
 * One `promtool test rules` run: traffic phases, the alert checks, and
 * optional PromQL checks. Runs start when declared (two at a time), so the
 * file's scenarios share the machine's cores; each test awaits its own.
 */
function unitTest(
  definition: SloDefinition,
  name: string,
  phases: readonly Phase[],
  checks: readonly Check[],
  exprChecks: readonly { expr: string; at: string }[] = [],
): () => Promise<void> {
  const run = limit(() => runUnitTest(definition, name, phases, checks, exprChecks));
  // Settled here so a failure surfaces in its own test, not as an unhandled rejection.
  const outcome = run.then(
    () => undefined,
    (error: unknown) => error,
  );
  return async () => {
    const error = await outcome;
    if (error) throw error;
  };
}

let running = 0;
const waiting: (() => void)[] = [];
async function limit<T>(work: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

async function runUnitTest(
  definition: SloDefinition,
  name: string,
  phases: readonly Phase[],
  checks: readonly Check[],
  exprChecks: readonly { expr: string; at: string }[] = [],
): Promise<void> {
  const dir = mkdtempSync(join(work, `${name}-`));
  writeFileSync(join(dir, "rules.yaml"), ruleFile([definition]));
  const labels = sloSeriesLabels(definition);
  const expected = (severity: "page" | "ticket") => {
    const alertLabels: Record<string, string> = {
      ...labels,
      severity: severity === "page" ? "critical" : "warning",
      slo_severity: severity,
    };
    const rule = ruleFileAlerts(definition).find((r) => r.labels.slo_severity === severity);
    if (!rule) throw new Error(`no ${severity} alert`);
    const annotations = Object.fromEntries(
      Object.entries(rule.annotations).map(([k, v]) => [
        k,
        v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => alertLabels[l] ?? ""),
      ]),
    );
    return { exp_labels: alertLabels, exp_annotations: annotations };
  };
  const test = {
    rule_files: ["rules.yaml"],
    // Rules run every 5 minutes: each 5m rate covers its slice exactly, and days of series stay fast.
    evaluation_interval: "5m",
    tests: [
      {
        interval: "1m",
        input_series: [
          {
            series: 'http_requests_total{job="checkout",code="200"}',
            values: counterValues(phases, (p) => p.perMinute * (1 - p.errorRatio)),
          },
          {
            series: 'http_requests_total{job="checkout",code="500"}',
            values: counterValues(phases, (p) => p.perMinute * p.errorRatio),
          },
        ],
        alert_rule_test: checks.map((c) => ({
          eval_time: c.at,
          alertname: definition.alerting.name,
          exp_alerts: c.firing.map(expected),
        })),
        promql_expr_test: exprChecks.map((c) => ({
          expr: `count(${c.expr})`,
          eval_time: c.at,
          exp_samples: [{ labels: "{}", value: 1 }],
        })),
      },
    ],
  };
  const total = phases.reduce((n, p) => n + p.minutes, 0);
  for (const c of checks) assert.ok(minutes(c.at) <= total, `${name}: check at ${c.at} is after the series end`);
  writeFileSync(join(dir, "test.yaml"), stringify(test, { lineWidth: 0 }));
  const { code, output } = await promtool(["test", "rules", "test.yaml"], dir);
  assert.equal(code, 0, `${name} (${definition.windowDays}d):\n${output}`);
}

/** The alerting rules of a definition as the rule file holds them. */
function ruleFileAlerts(definition: SloDefinition) {
  const file = parse(ruleFile([definition])) as {
    groups: { rules: { alert?: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
  };
  return file.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
}

const healthy = (m: number, ratio = 0): Phase => ({ minutes: m, perMinute: 1000, errorRatio: ratio });
const day = 1440;

for (const window of ["30d", "28d"]) {
  const definition = definitionFor(window);
  const quiet = unitTest(
    definition,
    "healthy",
    [healthy(3 * day + 120, 0.0005)],
    [
      { at: "1h", firing: [] },
      { at: "6h", firing: [] },
      { at: "1d", firing: [] },
      { at: "3d", firing: [] },
      { at: "3d2h", firing: [] },
    ],
  );
  // 3 healthy days, then 2% errors (20x a 0.1% budget): the 5m window trips at once, 1h after ~45 min.
  const fast = unitTest(
    definition,
    "fast-burn",
    [healthy(3 * day), healthy(2 * 60, 0.02)],
    [
      { at: "3d10m", firing: [] },
      { at: "3d50m", firing: ["page"] },
      { at: "3d1h55m", firing: ["page"] },
    ],
  );
  // 0.2% (2x): the 3d window passes 0.1% after 1.5 days; 3x (ticket) and 6x (page) are never reached.
  const slow = unitTest(
    definition,
    "slow-burn",
    [healthy(3 * day), healthy(2 * day, 0.002)],
    [
      { at: "3d6h", firing: [] },
      { at: "4d", firing: [] },
      { at: "4d18h", firing: ["ticket"] },
      { at: "4d23h", firing: ["ticket"] },
    ],
  );
  // 0.7%: above 6x (0.6%) but below 14.4x; the 6h ratio passes 0.6% after ~5h8m.
  const medium = unitTest(
    definition,
    "medium-burn",
    [healthy(3 * day), healthy(6 * 60, 0.007)],
    [
      { at: "3d1h", firing: [] },
      { at: "3d5h55m", firing: ["page"] },
    ],
  );

  describe(`promtool test rules, ${window} window`, () => {
    it("stays quiet on healthy traffic (errors at half the budget) for three days", quiet);
    it("pages on a fast burn (20x) once the 1h window agrees, and opens no ticket", fast);
    it("opens a ticket on a slow burn (2x) after ~1.5 days, and never pages", slow);
    it("pages on the 6h/30m condition alone (7x for 5h)", medium);
  });
}

const burn14x = [healthy(3 * day), healthy(2 * 60, 0.014)];
const page14x28d = unitTest(definitionFor("28d"), "14x-28d", burn14x, [{ at: "3d1h30m", firing: ["page"] }]);
const page14x30d = unitTest(definitionFor("30d"), "14x-30d", burn14x, [{ at: "3d1h30m", firing: [] }]);
const burn095x = [healthy(3 * day + 120, 0.00095)];
const ticket095x28d = unitTest(definitionFor("28d"), "095x-28d", burn095x, [{ at: "3d1h", firing: ["ticket"] }]);
const ticket095x30d = unitTest(definitionFor("30d"), "095x-30d", burn095x, [{ at: "3d1h", firing: [] }]);

describe("promtool test rules: factors follow the window", () => {
  it("pages at 14x on 28d (threshold 13.44) but not on 30d (14.4)", async () => {
    await page14x28d();
    await page14x30d();
  });
  it("opens a ticket at 0.95x over 3 days on 28d (threshold 0.933) but not on 30d (1)", async () => {
    await ticket095x28d();
    await ticket095x30d();
  });
});

// Day 1: 1000 req/min, no errors. Then 25 h at 10 req/min, 10% errors.
// At 2d1h, by requests: 1500 bad of 1,440,000 + 15,000 = 0.10309%, so
// 1 - 1.0309 = -0.0309 of the budget is left. By time (the mean of the
// error ratios) it would be about 5.1% errors: 1 - 51 = -50.
const weighted = unitTest(
  definitionFor("30d"),
  "weighted",
  [healthy(day), { minutes: day + 60, perMinute: 10, errorRatio: 0.1 }],
  [],
  [
    { expr: "abs(slo:sli_error:ratio_rate30d - 0.00103093) < 0.00002", at: "2d1h" },
    { expr: "abs(slo:error_budget_remaining:ratio - -0.0309) < 0.003", at: "2d1h" },
    // The 1d window sees only the quiet hours: 10% errors, burn rate 100.
    { expr: "abs(slo:burn_rate:1d - 100) < 1", at: "2d1h" },
  ],
);

describe("promtool test rules: the budget is weighted by requests", () => {
  it("counts a quiet day of 10% errors by its requests, not by its hours", weighted);
});
