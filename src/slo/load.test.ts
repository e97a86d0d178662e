/** Loading SLO specs: the three formats agree on the example, and bad specs are refused naming file, line and field. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SloSpecError } from "./errors.ts";
import { parseSloSources } from "./load.ts";
import { type AlertingRule, sloRuleGroups } from "./rules.ts";

const example = (name: string) => {
  const path = fileURLToPath(new URL(`../../examples/slo/${name}`, import.meta.url));
  return { file: `examples/slo/${name}`, text: readFileSync(path, "utf8") };
};

const native = `apiVersion: kaika.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: web
spec:
  service: web
  indicator:
    ratio:
      errors: sum(rate(errors_total[{{.window}}]))
      total: sum(rate(requests_total[{{.window}}]))
  objective: 99.5
`;

/** The SloSpecError that parsing `text` throws. */
function refusal(text: string, file = "slo.yaml"): SloSpecError {
  try {
    parseSloSources([{ file, text }]);
  } catch (error) {
    if (error instanceof SloSpecError) return error;
    throw error;
  }
  throw new Error("parsed without error");
}

describe("the three formats of the example", () => {
  const [fromNative] = parseSloSources([example("checkout-availability.yaml")]);
  const [fromSloth] = parseSloSources([example("sloth-checkout.yaml")]);
  const [fromOpenSlo] = parseSloSources([example("openslo-checkout.yaml")]);

  it("read into one SLO each with the same id, service, objective, window and labels", () => {
    for (const d of [fromNative, fromSloth, fromOpenSlo]) {
      assert.ok(d);
      assert.equal(d.id, "checkout-availability");
      assert.equal(d.service, "checkout");
      assert.equal(d.objective, 99.9);
      assert.equal(d.windowDays, 30);
      assert.deepEqual(d.labels, { team: "shop" });
    }
    assert.deepEqual(
      [fromNative?.source.format, fromSloth?.source.format, fromOpenSlo?.source.format],
      ["kaika", "sloth", "openslo"],
    );
  });

  it("Sloth produces exactly the native rules, alerts included", () => {
    assert.ok(fromNative && fromSloth);
    assert.deepEqual(sloRuleGroups(fromSloth), sloRuleGroups(fromNative));
  });

  it("OpenSLO produces the native SLI and meta rules and the same alert conditions (with default alert names)", () => {
    assert.ok(fromNative && fromOpenSlo);
    const [sliN, metaN, alertsN] = sloRuleGroups(fromNative);
    const [sliO, metaO, alertsO] = sloRuleGroups(fromOpenSlo);
    assert.deepEqual(sliO, sliN);
    assert.deepEqual(metaO, metaN);
    const exprs = (g: typeof alertsN) => g?.rules.map((r) => r.expr);
    assert.deepEqual(exprs(alertsO), exprs(alertsN));
    assert.deepEqual(
      alertsO?.rules.map((r) => (r as AlertingRule).alert),
      ["ErrorBudgetBurn", "ErrorBudgetBurn"],
    );
  });
});

describe("format details", () => {
  it("turns a latency indicator into bucket and count queries, grouped as asked", () => {
    const [d] = parseSloSources([example("checkout-latency.yaml")]);
    assert.equal(d?.windowDays, 28);
    assert.equal(
      d?.indicator.good,
      'sum by (cluster) (rate(http_request_duration_seconds_bucket{job="checkout", le="0.3"}[{{.window}}]))',
    );
    assert.equal(
      d?.indicator.total,
      'sum by (cluster) (rate(http_request_duration_seconds_count{job="checkout"}[{{.window}}]))',
    );
    assert.equal(d?.alerting.ticket.disable, true);
  });

  it("reads a Sloth PrometheusServiceLevel object (camelCase) with its namespace", () => {
    const [d] = parseSloSources([
      {
        file: "psl.yaml",
        text: `apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata: {name: web, namespace: shop}
spec:
  service: web
  slos:
    - name: requests
      objective: 99
      sli:
        events:
          errorQuery: sum(rate(e[{{.window}}]))
          totalQuery: sum(rate(t[{{.window}}]))
      alerting:
        name: WebRequests
        ticketAlert: {disable: true}
`,
      },
    ]);
    assert.equal(d?.id, "shop/web-requests");
    assert.equal(d?.alerting.name, "WebRequests");
    assert.equal(d?.alerting.ticket.disable, true);
  });

  it("OpenSLO: wraps bare counters, swaps fixed ranges for the window, reads targetPercent and weeks", () => {
    const [d] = parseSloSources([
      {
        file: "o.yaml",
        text: `apiVersion: openslo/v1
kind: SLO
metadata: {name: api}
spec:
  service: api
  timeWindow: [{duration: 4w, isRolling: true}]
  indicator:
    metadata: {name: api-good}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(ok_total[5m]))'}}}
        total: {metricSource: {spec: {query: 'requests_total{job="api"}'}}}
  objectives: [{targetPercent: 99.5}]
`,
      },
    ]);
    assert.equal(d?.windowDays, 28);
    assert.equal(d?.objective, 99.5);
    assert.equal(d?.indicator.good, "sum(rate(ok_total[{{.window}}]))");
    assert.equal(d?.indicator.total, 'sum(rate(requests_total{job="api"}[{{.window}}]))');
  });

  it("defaults a native file's window to 30d and takes a numeric latency threshold", () => {
    const [d] = parseSloSources([{ file: "n.yaml", text: native }]);
    assert.equal(d?.windowDays, 30);
    const [l] = parseSloSources([
      {
        file: "l.yaml",
        text: native.replace(
          /indicator:[\s\S]*objective/,
          "indicator:\n    latency: {metric: rpc_seconds, threshold: 0.25}\n  objective",
        ),
      },
    ]);
    assert.equal(l?.indicator.good, 'sum (rate(rpc_seconds_bucket{le="0.25"}[{{.window}}]))');
  });
});

describe("refusals name the file, line, object and field", () => {
  it("a native spec without total", () => {
    const e = refusal(native.replace("      total: sum(rate(requests_total[{{.window}}]))\n", ""));
    assert.equal(e.field, "spec.indicator.ratio.total");
    assert.equal(e.object, "ServiceLevelObjective/web");
    assert.match(e.message, /^slo\.yaml:8: ServiceLevelObjective\/web: spec\.indicator\.ratio\.total: required/);
  });

  it("a query without {{.window}}, pointing at its line", () => {
    const e = refusal(native.replace("errors_total[{{.window}}]", "errors_total[5m]"));
    assert.equal(e.field, "spec.indicator.ratio.errors");
    assert.equal(e.line, 9);
    assert.match(e.message, /must use \{\{\.window\}\}/);
  });

  it("an objective of 100, a window of 5d and both errors and good", () => {
    assert.equal(refusal(native.replace("99.5", "100")).field, "spec.objective");
    assert.match(refusal(`${native}  window: 5d\n`).message, /spec\.window: window must be whole days from 7d to 365d/);
    const both = refusal(native.replace("      total:", "      good: sum(rate(ok[{{.window}}]))\n      total:"));
    assert.equal(both.field, "spec.indicator");
  });

  it("labels kaika owns, and bad label names", () => {
    assert.equal(refusal(`${native}  labels: {slo_service: x}\n`).field, "spec.labels.slo_service");
    assert.equal(refusal(`${native}  labels: {"bad-name": x}\n`).field, "spec.labels.bad-name");
  });

  it("a Sloth raw SLI, and a Sloth SLO without error_query", () => {
    const sloth = `version: prometheus/v1
service: web
slos:
  - name: a
    objective: 99
    sli:
      raw:
        error_ratio_query: x
`;
    const raw = refusal(sloth, "s.yaml");
    assert.equal(raw.field, "slos[0].sli.raw");
    assert.equal(raw.line, 7);
    assert.match(raw.message, /^s\.yaml:7: Sloth web\/a: slos\[0\]\.sli\.raw: raw error-ratio SLIs are not supported/);
    const missing = refusal(
      sloth.replace("raw:\n        error_ratio_query: x", "events:\n        total_query: sum(rate(t[{{.window}}]))"),
    );
    assert.equal(missing.field, "slos[0].sli.events.error_query");
  });

  it("OpenSLO: an unknown indicatorRef, a calendar window, Timeslices, a non-Prometheus source", () => {
    const slo = (spec: string) => `apiVersion: openslo/v1
kind: SLO
metadata: {name: api}
spec:
  service: api
${spec}
  objectives: [{target: 0.99}]
`;
    const ref = refusal(slo("  indicatorRef: nope"));
    assert.equal(ref.field, "spec.indicatorRef");
    assert.match(ref.message, /no SLI named "nope"/);
    assert.equal(
      refusal(slo("  indicatorRef: x\n  timeWindow: [{duration: 1M, isRolling: false}]")).field,
      "spec.timeWindow[0].isRolling",
    );
    assert.equal(refusal(slo("  indicatorRef: x\n  budgetingMethod: Timeslices")).field, "spec.budgetingMethod");
    const datadog = refusal(
      slo(
        "  indicator:\n    spec:\n      ratioMetric:\n        counter: true\n        good: {metricSource: {type: Datadog, spec: {query: x}}}\n        total: {metricSource: {type: Datadog, spec: {query: y}}}",
      ),
    );
    assert.equal(datadog.field, "spec.indicator.spec.ratioMetric.total.metricSource.type");
  });

  it("unknown documents, broken YAML and duplicate SLOs", () => {
    assert.match(
      refusal("apiVersion: v1\nkind: ConfigMap\n").message,
      /^slo\.yaml:1: apiVersion: not an SLO \(apiVersion v1, kind ConfigMap\)/,
    );
    assert.match(refusal("a: [b\n").message, /^slo\.yaml:\d+: not valid YAML/);
    const twice = refusal(`${native}---\n${native}`);
    assert.match(twice.message, /SLO id "web" is also defined by ServiceLevelObjective\/web in slo\.yaml/);
  });
});
