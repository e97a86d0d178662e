/**
 * The ServiceLevelObjective controller in `kaika run`, against a real
 * apiserver and a real Prometheus: rules land in a ConfigMap (no
 * PrometheusRule CRD) and then in a PrometheusRule once that CRD exists;
 * Prometheus loads them and status carries the budget; an exhausted budget
 * raises a condition, an Event and a webhook notification; a bad spec stalls.
 * The rules objects carry a controller owner reference to their SLO.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ServiceLevelObjectiveStatus } from "../src/api/slo.ts";
import { KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import type { WebhookPayload } from "../src/notify/index.ts";
import { prometheusRuleCrd } from "./support/fixtures.ts";
import { useFleet } from "./support/fleet.ts";
import { startExporter, startPrometheus, type TestPrometheus, Traffic } from "./support/prometheus.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const run = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const Slo = gvk("kaika.dev/v1alpha1", "ServiceLevelObjective");
const ConfigMap = gvk("v1", "ConfigMap");
const PrometheusRule = gvk("monitoring.coreos.com/v1", "PrometheusRule");

const slo = (errors = 'sum(rate(http_requests_total{job="app",code=~"5.."}[{{.window}}]))') => ({
  apiVersion: "kaika.dev/v1alpha1",
  kind: "ServiceLevelObjective",
  metadata: { name: "checkout-availability", namespace: "default", labels: { release: "prom" } },
  spec: {
    service: "checkout",
    indicator: { ratio: { errors, total: 'sum(rate(http_requests_total{job="app"}[{{.window}}]))' } },
    objective: 99.9,
    window: "30d",
  },
});

// Just enough of the Prometheus Operator's CRD for the controller to find the kind.

type SloObject = KubeObject & { status?: ServiceLevelObjectiveStatus };
const condition = (o: SloObject, type: string) => o.status?.conditions?.find((c) => c.type === type);

describe("SLO controller", () => {
  const traffic = new Traffic();
  // 0.04% errors: 0.4 of a 0.1% budget, 0.6 left.
  const checkout = traffic.add({ labels: {}, requestsPerSecond: 100, errorRatio: 0.0004 });
  const notifications: WebhookPayload[] = [];
  let receiver: Server;
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  let prometheus: TestPrometheus;
  let api: KubeApi;
  let controller: ChildProcess;
  let data: string;
  let log = "";

  before(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        notifications.push(JSON.parse(body) as WebhookPayload);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    exporter = await startExporter(() => traffic.render());
    prometheus = await startPrometheus({ targets: [exporter.address] });
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    api = KubeApi.load({ path: kubeconfig });
    data = mkdtempSync(join(tmpdir(), "kaika-slo-run-"));
    controller = spawn(
      kaika,
      [
        "--kubeconfig",
        kubeconfig,
        "run",
        "--metrics-bind-address=0",
        "--health-probe-bind-address=0",
        "--webhook-bind-address=0",
        `--data-dir=${data}`,
        `--prometheus-url=${prometheus.url}`,
        "--slo-interval=1",
        `--notify-webhook-url=http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    controller.stderr?.on("data", (d: Buffer) => {
      log = (log + d.toString()).slice(-20_000);
    });
    await eventually(
      "ServiceLevelObjective served",
      () => api.mapper.mapping(Slo),
      () => true,
      60_000,
    );
  });
  after(async () => {
    controller?.kill("SIGTERM");
    await api?.close();
    await prometheus?.stop();
    await exporter?.close();
    receiver?.closeAllConnections();
    receiver?.close();
    rmSync(data, { recursive: true, force: true });
  });

  const read = () => api.get<SloObject>(Slo, "checkout-availability", "default");
  const wait = <T>(what: string, get: () => Promise<T>, done: (v: T) => boolean, ms = 30_000) =>
    eventually(what, get, done, ms).catch((error: Error) => {
      throw new Error(`${error.message}\nkaika run log:\n${log.slice(-4000)}`);
    });

  it("the CRD refuses an indicator with both ratio and latency", async () => {
    const both = slo();
    (both.spec.indicator as Record<string, unknown>).latency = { metric: "h", threshold: "0.3" };
    await assert.rejects(
      api.create({ ...both, metadata: { ...both.metadata, name: "both" } }),
      /exactly one of ratio or latency/,
    );
  });

  it("writes the rules into a ConfigMap without the PrometheusRule CRD; Prometheus loads them; status has the budget", async () => {
    await api.create(slo());
    const configMap = await wait(
      "ConfigMap slo-rules-checkout-availability",
      () => api.get(ConfigMap, "slo-rules-checkout-availability", "default"),
      () => true,
    );
    const rules = (configMap.data as Record<string, string>)["checkout-availability.rules.yaml"] ?? "";
    assert.match(rules, /slo_id: default\/checkout-availability/);
    assert.equal(configMap.metadata.labels?.release, "prom");
    assert.equal(configMap.metadata.ownerReferences?.[0]?.kind, "ServiceLevelObjective");
    const before = await wait("Ready", read, (o) => condition(o, "Ready")?.status === "True");
    assert.deepEqual(before.status?.rules, {
      kind: "ConfigMap",
      name: "slo-rules-checkout-availability",
      groups: 3,
      rules: 38,
    });

    // What a Prometheus mounting the ConfigMap would do.
    await prometheus.setRules({ "checkout.yaml": rules });
    const ready = await wait("budget in status", read, (o) => o.status?.errorBudgetRemaining !== undefined);
    assert.ok(Math.abs((ready.status?.errorBudgetRemaining ?? 0) - 0.6) < 0.01, JSON.stringify(ready.status));
    assert.ok(
      ready.status?.burnRates?.some((r) => r.window === "1h" && Math.abs(r.rate - 0.4) < 0.01),
      JSON.stringify(ready.status?.burnRates),
    );
    assert.match(ready.status?.timeToExhaustion ?? "", /^(45d|44d23h|45d1h)$/);
    assert.equal(condition(ready, "ErrorBudgetExhausted")?.status, "False");
    assert.equal(condition(ready, "Alerting")?.status, "False");
    assert.match(
      condition(ready, "Ready")?.message ?? "",
      /^rules in ConfigMap slo-rules-checkout-availability; 60\.\d% of the error budget left$/,
    );

    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "slo", "-n", "default"]);
    assert.match(stdout.split("\n")[0] ?? "", /^NAME\s+SERVICE\s+OBJECTIVE\s+WINDOW\s+BUDGET\s+READY\s+AGE/);
    assert.match(stdout, /checkout-availability\s+checkout\s+99\.9\s+30d\s+0\.\d+\s+True/);
  });

  it("an exhausted budget sets ErrorBudgetExhausted, Alerting, a Warning Event and a webhook notification", async () => {
    traffic.set(checkout, { errorRatio: 0.02 });
    const exhausted = await wait(
      "budget exhausted",
      read,
      (o) => condition(o, "ErrorBudgetExhausted")?.status === "True",
    );
    assert.ok((exhausted.status?.errorBudgetRemaining ?? 1) <= 0);
    assert.equal(exhausted.status?.timeToExhaustion, "0m");
    await wait("page alert in status", read, (o) =>
      /ErrorBudgetBurn \(page\)/.test(condition(o, "Alerting")?.message ?? ""),
    );
    const events = await wait(
      "BudgetExhausted Event",
      () => api.list(gvk("v1", "Event"), { namespace: "default" }),
      ({ items }) => items.some((e) => e.reason === "BudgetExhausted"),
    );
    const event = events.items.find((e) => e.reason === "BudgetExhausted");
    assert.equal(event?.type, "Warning");
    await wait(
      "notification",
      async () => notifications,
      (n) => n.length > 0,
    );
    assert.equal(notifications.length, 1, "one notification per exhaustion, not one per reconcile");
    assert.equal(notifications[0]?.type, "BudgetExhausted");
    assert.equal(notifications[0]?.title, "Error budget exhausted: checkout SLO default/checkout-availability");
  });

  it("moves the rules into a PrometheusRule once that CRD is served, and removes the ConfigMap", async () => {
    await api.apply(prometheusRuleCrd(), { fieldManager: "test" });
    const rule = await wait(
      "PrometheusRule",
      () => api.get(PrometheusRule, "slo-rules-checkout-availability", "default"),
      () => true,
      60_000,
    );
    const groups = (rule.spec as { groups: { name: string }[] }).groups.map((g) => g.name);
    assert.deepEqual(groups, [
      "kaika-slo-default/checkout-availability-sli",
      "kaika-slo-default/checkout-availability-meta",
      "kaika-slo-default/checkout-availability-alerts",
    ]);
    assert.equal(rule.metadata.labels?.release, "prom");
    // Garbage collection deletes the rules with the SLO (that part is Kubernetes' own, not tested here).
    const owner = rule.metadata.ownerReferences?.[0];
    assert.equal(owner?.kind, "ServiceLevelObjective");
    assert.equal(owner?.controller, true);
    assert.equal(owner?.uid, (await read()).metadata.uid);
    await wait(
      "ConfigMap removed",
      () =>
        api.get(ConfigMap, "slo-rules-checkout-availability", "default").then(
          () => false,
          (e) => e instanceof NotFoundError,
        ),
      (gone) => gone,
    );
    // Status is written after the ConfigMap is deleted, so wait for it too.
    const status = await wait("status.rules.kind", read, (o) => o.status?.rules?.kind === "PrometheusRule");
    assert.equal(status.status?.rules?.kind, "PrometheusRule");
  });

  it("stalls on a query without {{.window}}, naming the field", async () => {
    await api.apply(slo("sum(rate(http_requests_total[5m]))"), { fieldManager: "test", force: true });
    const stalled = await wait("Stalled", read, (o) => condition(o, "Stalled")?.status === "True");
    assert.equal(condition(stalled, "Ready")?.status, "False");
    assert.equal(condition(stalled, "Ready")?.reason, "InvalidSpec");
    assert.match(
      condition(stalled, "Ready")?.message ?? "",
      /spec\.indicator\.ratio\.errors: the query must use \{\{\.window\}\}/,
    );
  });
});
