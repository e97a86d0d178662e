/**
 * Budgets and the rollout gate against a real Prometheus: a small exporter in
 * this test serves request counters for two clusters, Prometheus scrapes them
 * every second and evaluates kaika's rules, and what `kaika slo status` and
 * checkBurnRate() report is compared with the numbers worked out by hand.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "../src/localfleet/ports.ts";
import { checkBurnRate, parseSloSources, ruleFile, type SloReading } from "../src/slo/index.ts";
import { startExporter, startPrometheus, type TestPrometheus, Traffic } from "./support/prometheus.ts";
import { eventually } from "./support/wait.ts";

const run = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));

// 99.9% over 30 days, one budget per cluster.
const spec = `apiVersion: kaika.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: checkout-availability, namespace: shop}
spec:
  service: checkout
  indicator:
    ratio:
      errors: sum by (cluster) (rate(http_requests_total{job="app",code=~"5.."}[{{.window}}]))
      total: sum by (cluster) (rate(http_requests_total{job="app"}[{{.window}}]))
  objective: 99.9
  window: 30d
`;

describe("SLO budgets and the gate on a real Prometheus", () => {
  const traffic = new Traffic();
  // 0.04% errors: 0.4 of the 0.1% budget.
  traffic.add({ labels: { cluster: "a" }, requestsPerSecond: 200, errorRatio: 0.0004 });
  const clusterB = traffic.add({ labels: { cluster: "b" }, requestsPerSecond: 50, errorRatio: 0.0004 });
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  let prometheus: TestPrometheus;

  before(async () => {
    exporter = await startExporter(() => traffic.render());
    prometheus = await startPrometheus({
      rules: { "checkout.yaml": ruleFile(parseSloSources([{ file: "checkout.yaml", text: spec }])) },
      targets: [exporter.address],
    });
    await eventually(
      "budget series for both clusters",
      () => prometheus.query("slo:error_budget_remaining:ratio"),
      (s) => s.length === 2,
      30_000,
    );
  });
  after(async () => {
    await prometheus?.stop();
    await exporter?.close();
  });

  it("kaika slo status -o json reports the budget, burn rates and time to exhaustion worked out by hand", async () => {
    // By hand: error ratio 0.0004 over a budget of 0.001 is a burn rate of 0.4 in every window;
    // 1 - 0.4 = 0.6 of the budget is left; at 0.4 the 0.6 left lasts 0.6 × 30 d / 0.4 = 45 d = 3,888,000 s.
    const { stdout } = await run(kaika, [
      "slo",
      "status",
      "checkout",
      "--prometheus-url",
      prometheus.url,
      "-o",
      "json",
    ]);
    const readings = JSON.parse(stdout) as (SloReading & { timeToExhaustion: string })[];
    assert.deepEqual(
      readings.map((r) => r.labels.cluster),
      ["a", "b"],
    );
    const a = readings[0] as SloReading & { timeToExhaustion: string };
    assert.equal(a.id, "shop/checkout-availability");
    assert.equal(a.service, "checkout");
    assert.equal(a.objective, 99.9);
    assert.equal(a.window, "30d");
    assert.ok(Math.abs((a.errorBudgetRemaining ?? 0) - 0.6) < 0.006, `budget left ${a.errorBudgetRemaining}`);
    for (const window of ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]) {
      const rate = a.burnRates[window];
      assert.ok(rate !== undefined && Math.abs(rate - 0.4) < 0.004, `burn rate ${window}: ${rate}`);
    }
    assert.ok(
      Math.abs((a.timeToExhaustionSeconds ?? 0) - 3_888_000) < 3_888_000 * 0.02,
      `time to exhaustion ${a.timeToExhaustionSeconds}`,
    );
    // 45 days, give or take the hour the float noise can cost.
    assert.match(a.timeToExhaustion, /^(45d|44d23h|45d1h)$/);
    assert.equal(a.exhausted, false);
    assert.deepEqual(a.alerts, []);
  });

  it("the gate passes while burn rates stay under the threshold, and names the series it read", async () => {
    const result = await checkBurnRate({
      prometheusUrl: prometheus.url,
      services: ["checkout"],
      selectorIn: { cluster: ["a", "b"] },
      threshold: 2,
    });
    assert.equal(result.ok, true, result.reason);
    assert.equal(result.burnRates.length, 2);
    assert.match(result.reason, /at most 2 in cluster in \(a, b\)/);
    const soaked = await checkBurnRate({
      prometheusUrl: prometheus.url,
      services: ["checkout"],
      selector: { cluster: "a" },
      threshold: 2,
      over: "30s",
    });
    assert.equal(soaked.ok, true, soaked.reason);
    assert.match(
      soaked.reason,
      /over 5m \(highest over 30s\) is at most 2 in cluster=a; highest shop\/checkout-availability \(cluster=a\) at 0\.4/,
    );
  });

  it("a rising error rate in cluster b halts the gate for b, not for a, and pages", async () => {
    traffic.set(clusterB, { errorRatio: 0.05 });
    const halted = await eventually(
      "gate halts for cluster b",
      () =>
        checkBurnRate({
          prometheusUrl: prometheus.url,
          services: ["checkout"],
          selector: { cluster: "b" },
          threshold: 2,
        }),
      (r) => !r.ok,
      30_000,
    );
    assert.match(
      halted.reason,
      /^burn rate over 5m above 2 in cluster=b: shop\/checkout-availability \(cluster=b\) at /,
    );
    assert.ok((halted.burnRates[0]?.burnRate ?? 0) > 2);
    const a = await checkBurnRate({
      prometheusUrl: prometheus.url,
      services: ["checkout"],
      selector: { cluster: "a" },
      threshold: 2,
    });
    assert.equal(a.ok, true, a.reason);
    // Over a look-back the gate takes the highest value in it. (Prometheus may be
    // half-way through the rule group that just raised the 5m rate: wait for the 1h one.)
    const over = await eventually(
      "the 1h gate halts too",
      () =>
        checkBurnRate({
          prometheusUrl: prometheus.url,
          slos: ["checkout-availability"],
          selector: { cluster: "b" },
          threshold: 2,
          window: "1h",
          over: "1m",
        }),
      (r) => !r.ok,
      10_000,
    );
    assert.match(over.reason, /over 1h \(highest over 1m\)/);
    // The 5m and 1h ratios both pass 14.4x: the page alert fires for cluster b only.
    const readings = await eventually(
      "page alert for cluster b",
      async () =>
        JSON.parse(
          (await run(kaika, ["slo", "status", "--prometheus-url", prometheus.url, "-o", "json"])).stdout,
        ) as SloReading[],
      (rs) =>
        rs.some((r) => r.labels.cluster === "b" && r.alerts.some((x) => x.severity === "page" && x.state === "firing")),
      30_000,
    );
    assert.deepEqual(readings.find((r) => r.labels.cluster === "a")?.alerts, []);
  });

  it("fails closed: an unknown service, an SLO with no data and an unreachable Prometheus halt with a reason", async () => {
    const unknown = await checkBurnRate({ prometheusUrl: prometheus.url, services: ["payments"], threshold: 2 });
    assert.equal(unknown.ok, false);
    assert.match(unknown.reason, /no 5m burn-rate data for service payments/);
    const passed = await checkBurnRate({
      prometheusUrl: prometheus.url,
      services: ["payments"],
      threshold: 2,
      missing: "pass",
    });
    assert.equal(passed.ok, true, passed.reason);
    const down = await checkBurnRate({
      prometheusUrl: `http://127.0.0.1:${await freePort()}`,
      services: ["checkout"],
      threshold: 2,
    });
    assert.equal(down.ok, false);
    assert.match(down.reason, /cannot read burn rates: Prometheus http:\/\/127\.0\.0\.1:\d+: no answer/);
  });

  it("kaika slo status prints a table, and exits 2 without a Prometheus URL", async () => {
    const { stdout } = await run(kaika, ["slo", "status", "--prometheus-url", prometheus.url]);
    assert.match(stdout.split("\n")[0] ?? "", /^SERVICE\s+SLO\s+LABELS\s+OBJECTIVE\s+BUDGET\s+BURN 5M/);
    assert.match(stdout, /checkout\s+checkout-availability\s+cluster=a\s+99\.9% \/ 30d\s+60\.\d%\s+0\.4\d/);
    await assert.rejects(
      run(kaika, ["slo", "status"], { env: { ...process.env, KAIKA_PROMETHEUS_URL: "" } }),
      (error: { code?: number; stderr?: string }) => {
        assert.equal(error.code, 2);
        assert.match(error.stderr ?? "", /--prometheus-url/);
        return true;
      },
    );
  });
});
