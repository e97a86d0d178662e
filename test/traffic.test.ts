/**
 * The demo's traffic exporter (examples/traffic): the simulation on a fake clock, the HTTP API and
 * the CLI, and — with a real Prometheus scraping it and evaluating the rules `kaika slo generate`
 * makes of examples/fleet-repo/slos — a fault that drives the SLO burn rate past the shop Sync's
 * gate in one cluster and not in the other.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { startExporter as startTrafficExporter } from "../examples/traffic/exporter.ts";
import { defaultTopologyFile, loadTopology, parseTopology, type Topology } from "../examples/traffic/topology.ts";
import { type Fault, Traffic } from "../examples/traffic/traffic.ts";
import { checkBurnRate } from "../src/slo/index.ts";
import { startPrometheus, type TestPrometheus } from "./support/prometheus.ts";
import { eventually } from "./support/wait.ts";

const run = promisify(execFile);
const exporterCli = fileURLToPath(new URL("../examples/traffic/exporter.ts", import.meta.url));
const kaikaMain = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const slosDir = fileURLToPath(new URL("../examples/fleet-repo/slos/", import.meta.url));
const syncsFile = fileURLToPath(new URL("../examples/fleet-repo/kaika/syncs.yaml", import.meta.url));

/** The shop Sync's staging gate, as kaika/syncs.yaml writes it. */
function stagingGate(): { maxBurnRate: number; services: string[] } {
  const syncs = parseAllDocuments(readFileSync(syncsFile, "utf8")).map((d) => d.toJS());
  const shop = syncs.find((s) => s.metadata.name === "shop");
  const gate = shop?.spec.rollout.waves.find((w: { name: string }) => w.name === "staging")?.sloGate;
  assert.ok(gate, "the shop Sync's staging wave has an sloGate");
  return gate;
}

/** A fake clock and a seeded random, so the simulation's numbers are exact. */
function simulated(topology: Topology): { traffic: Traffic; tick(ms: number): void } {
  let now = Date.parse("2026-01-01T00:00:00Z");
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const traffic = new Traffic(topology, { now: () => now, random });
  return {
    traffic,
    tick(ms) {
      // One advance per second, as the exporter's timer does.
      for (let t = 0; t < ms; t += 1000) {
        now += 1000;
        traffic.advance();
      }
    },
  };
}

interface Series {
  labels: Labels;
  value: number;
}

/** A sample's labels; the Istio ones every series has are typed as present. */
type Labels = Record<string, string> & {
  response_code: string;
  destination_service_name: string;
  cluster: string;
};

/** Parses the samples of one metric out of the text format. */
function samples(text: string, metric: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split("\n")) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== metric) continue;
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    out.push({ labels: labels as Labels, value: Number(match[3]) });
  }
  return out;
}

const sum = (series: Series[], where: (l: Labels) => boolean): number =>
  series.filter((s) => where(s.labels)).reduce((total, s) => total + s.value, 0);

describe("the traffic exporter's simulation", () => {
  let topology: Topology;
  before(async () => {
    topology = await loadTopology(defaultTopologyFile);
  });

  it("sends each edge's rate per cluster scale, with Istio's labels and the baseline error rate", async () => {
    const { traffic, tick } = simulated(topology);
    tick(600_000);
    const requests = samples(await traffic.metrics(), "istio_requests_total");
    const edge = (from: string, to: string, cluster: string) =>
      sum(requests, (l) => l.source_workload === from && l.destination_service_name === to && l.cluster === cluster);
    // frontend → catalog: 8 rps at scale 1 (prod-east), 0.5 (staging); noise and swell average out over 10 minutes.
    assert.ok(
      Math.abs(edge("frontend", "catalog", "prod-east") / 600 - 8) < 0.8,
      `${edge("frontend", "catalog", "prod-east")}`,
    );
    assert.ok(Math.abs(edge("frontend", "catalog", "staging") / 600 - 4) < 0.4);
    const one = requests.find((s) => s.labels.destination_service_name === "checkout");
    assert.deepEqual(Object.keys(one?.labels ?? {}).sort(), [
      "cluster",
      "connection_security_policy",
      "destination_service",
      "destination_service_name",
      "destination_service_namespace",
      "destination_version",
      "destination_workload",
      "destination_workload_namespace",
      "reporter",
      "request_protocol",
      "response_code",
      "response_flags",
      "source_workload",
      "source_workload_namespace",
    ]);
    assert.equal(one?.labels.reporter, "destination");
    assert.equal(one?.labels.connection_security_policy, "mutual_tls");
    assert.equal(one?.labels.destination_version, "1.8.1");
    const ingress = requests.find((s) => s.labels.destination_service_name === "frontend");
    assert.equal(ingress?.labels.source_workload, "istio-ingressgateway");
    assert.equal(ingress?.labels.source_workload_namespace, "istio-system");
    // Errors are spread evenly: the share is the baseline to within one request per service and cluster.
    const total = sum(requests, () => true);
    const errors = sum(requests, (l) => l.response_code.startsWith("5"));
    const owedAtMost = topology.services.length * topology.clusters.length;
    assert.ok(Math.abs(errors - total * topology.baselineErrorRate) <= owedAtMost, `${errors} of ${total}`);
    const notFound = sum(requests, (l) => l.response_code === "404");
    assert.ok(Math.abs(notFound - total * topology.clientErrorRate) <= owedAtMost);
    // Every request is in the histogram too.
    const counts = samples(await traffic.metrics(), "istio_request_duration_milliseconds_count");
    assert.equal(
      sum(counts, () => true),
      total,
    );
  });

  it("a fault sets the error rate of one service in one cluster exactly, adds latency, and ends", async () => {
    const { traffic, tick } = simulated(topology);
    tick(60_000);
    const before = samples(await traffic.metrics(), "istio_requests_total");
    traffic.setFault({ service: "checkout", cluster: "staging", errorRate: 0.3, durationSeconds: 120 });
    traffic.setFault({ service: "frontend", latencyMs: 800 });
    assert.deepEqual(
      traffic.faults().map((f: Fault) => [f.service, f.cluster ?? "*", f.errorRate ?? "-", f.latencyMs ?? "-"]),
      [
        ["checkout", "staging", 0.3, "-"],
        ["frontend", "*", "-", 800],
      ],
    );
    tick(60_000);
    const during = samples(await traffic.metrics(), "istio_requests_total");
    const delta = (where: (l: Labels) => boolean) => sum(during, where) - sum(before, where);
    const checkout = (cluster: string, bad: boolean) =>
      delta(
        (l) =>
          l.destination_service_name === "checkout" && l.cluster === cluster && l.response_code.startsWith("5") === bad,
      );
    const staging = checkout("staging", true) / (checkout("staging", true) + checkout("staging", false));
    assert.ok(Math.abs(staging - 0.3) < 0.02, `staging error ratio ${staging}`);
    assert.ok(checkout("prod-east", true) <= 1, "prod-east keeps the baseline");
    // The frontend's requests now take 800 ms more: none under 500 ms in the last minute.
    const buckets = samples(await traffic.metrics(), "istio_request_duration_milliseconds_bucket");
    const fast = sum(buckets, (l) => l.destination_service_name === "frontend" && l.le === "500");
    tick(10_000);
    const later = samples(await traffic.metrics(), "istio_request_duration_milliseconds_bucket");
    assert.equal(
      sum(later, (l) => l.destination_service_name === "frontend" && l.le === "500"),
      fast,
    );
    tick(60_000);
    assert.deepEqual(
      traffic.faults().map((f) => f.service),
      ["frontend"],
      "the checkout fault expired after 120 s",
    );
    assert.equal(traffic.clearFaults({ service: "frontend" }), 1);
    assert.deepEqual(traffic.faults(), []);
  });

  it("refuses a fault it cannot apply, naming the field", () => {
    const { traffic } = simulated(topology);
    const refused = (input: unknown, field: string, message: RegExp) =>
      assert.throws(
        () => traffic.setFault(input),
        (e: Error & { field?: string }) => e.field === field && message.test(e.message),
      );
    refused({ service: "checkouts", errorRate: 0.3 }, "service", /expected one of frontend, ads, cart/);
    refused({ service: "checkout", errorRate: 1.5 }, "errorRate", /between 0 and 1/);
    refused({ service: "checkout", cluster: "prod-9", errorRate: 0.1 }, "cluster", /staging, prod-east, prod-west/);
    refused({ service: "checkout" }, "", /errorRate, latencyMs or both/);
    refused({ service: "checkout", errorrate: 0.3 }, "errorrate", /unknown field/);
    refused([1], "", /JSON object/);
  });

  it("refuses a topology file it cannot use, naming the field", () => {
    const bad = (text: string, message: RegExp) => assert.throws(() => parseTopology(text, "t.yaml"), message);
    bad("services: {a: {}}\nedges: [{from: a, to: b, rps: 1}]", /t.yaml: edges\[0\].to: no service b in services/);
    bad("services: {a: {}}\nedges: [{from: gw, to: a, rps: 1}]", /edges\[0\].from: no service gw .* namespace\/name/);
    bad("services: {a: {}}\nedges: [{from: x/gw, to: a, rps: 0}]", /edges\[0\].rps: expected a positive number/);
    bad("services: {A: {}}\nedges: []", /services.A: expected a DNS-1123 name/);
    bad("services: {a: {errorRate: 2}}\nedges: [{from: a, to: a, rps: 1}]", /services.a.errorRate: expected a share/);
    bad("services: {a: {}}\nedges: [{from: a, to: a, rps: 1}]\nclusters: [x, x]", /clusters: x is listed twice/);
  });
});

describe("the traffic exporter's HTTP API and CLI", () => {
  let exporter: Awaited<ReturnType<typeof startTrafficExporter>>;
  before(async () => {
    exporter = await startTrafficExporter({ topology: await loadTopology(defaultTopologyFile), port: 0, tickMs: 100 });
  });
  after(() => exporter?.close());

  /** What /faults and /topology answer (a field per route). */
  interface Answer {
    fault?: Fault;
    faults?: Fault[];
    removed?: number;
    error?: string;
    field?: string;
    namespace?: string;
  }
  const call = async (method: string, path: string, send?: string): Promise<{ status: number; body: Answer }> => {
    const res = await fetch(`${exporter.url}${path}`, { method, ...(send === undefined ? {} : { body: send }) });
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    return { status: res.status, body: (await res.json()) as Answer };
  };

  it("serves the metrics in the Prometheus text format, advancing between scrapes", async () => {
    const first = await fetch(`${exporter.url}/metrics`);
    assert.equal(first.status, 200);
    assert.match(first.headers.get("content-type") ?? "", /^text\/plain; version=0.0.4/);
    await new Promise((r) => setTimeout(r, 1200));
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    assert.match(text, /^# TYPE istio_requests_total counter$/m);
    assert.match(text, /^# TYPE istio_request_duration_milliseconds histogram$/m);
    const frontend = sum(samples(text, "istio_requests_total"), (l) => l.destination_service_name === "frontend");
    assert.ok(frontend > 0, "requests to the frontend after a second");
  });

  it("POST, GET and DELETE /faults; 400 with the field, 404, 405", async () => {
    const set = await call("POST", "/faults", JSON.stringify({ service: "checkout", errorRate: 0.3 }));
    assert.equal(set.status, 200);
    assert.deepEqual(set.body.fault, { service: "checkout", errorRate: 0.3 });
    await call("POST", "/faults", JSON.stringify({ service: "payments", cluster: "prod-east", errorRate: 1 }));
    assert.deepEqual(
      (await call("GET", "/faults")).body.faults?.map((f) => f.service),
      ["checkout", "payments"],
    );
    const bad = await call("POST", "/faults", JSON.stringify({ service: "checkout", errorRate: "lots" }));
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { error: "errorRate: expected a share between 0 and 1", field: "errorRate" });
    assert.equal((await call("POST", "/faults", "{oops")).status, 400);
    assert.deepEqual((await call("DELETE", "/faults?service=payments")).body, {
      removed: 1,
      faults: [{ service: "checkout", errorRate: 0.3 }],
    });
    assert.equal((await call("DELETE", "/faults")).body.removed, 1);
    assert.equal((await call("GET", "/nothing")).status, 404);
    const wrong = await fetch(`${exporter.url}/metrics`, { method: "POST" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET");
    assert.equal((await call("GET", "/topology")).body.namespace, "shop");
  });

  it("the CLI listens where --listen says, with the clusters --clusters names; bad flags exit 2", async () => {
    const child = spawn(process.execPath, [exporterCli, "--listen", "127.0.0.1:0", "--clusters", "east,west=2"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out);
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}`)));
      });
      assert.match(
        line,
        /^traffic exporter on http:\/\/127\.0\.0\.1:\d+\/metrics: 15 edges of 10 services in east, west$/m,
      );
      const url = /(http:\S+)\/metrics/.exec(line)?.[1];
      await new Promise((r) => setTimeout(r, 1100));
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.ok(samples(text, "istio_requests_total").some((s) => s.labels.cluster === "west"));
    } finally {
      child.kill("SIGTERM");
    }
    await assert.rejects(
      run(process.execPath, [exporterCli, "--clusters", "a=x"]),
      (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr, /--clusters: clusters\[0\].scale: expected a number/);
        return true;
      },
    );
  });
});

describe("a fault in the exporter burns the shop's SLO budget on a real Prometheus", () => {
  let exporter: Awaited<ReturnType<typeof startTrafficExporter>>;
  let prometheus: TestPrometheus;
  const gate = stagingGate();

  before(async () => {
    const topology = await loadTopology(defaultTopologyFile);
    // Five times the demo's traffic, so Prometheus' rates settle within seconds.
    exporter = await startTrafficExporter({
      topology: { ...topology, clusters: topology.clusters.map((c) => ({ ...c, scale: c.scale * 5 })) },
      port: 0,
      tickMs: 250,
    });
    const files = readdirSync(slosDir)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `${slosDir}${f}`);
    const { stdout: rules } = await run(process.execPath, [kaikaMain, "slo", "generate", ...files], {
      maxBuffer: 16 * 1024 * 1024,
    });
    prometheus = await startPrometheus({ targets: [exporter.address], rules: { "shop-slos.yaml": rules } });
  });
  after(async () => {
    await prometheus?.stop();
    await exporter?.close();
  });

  const burn = async (slo: string, cluster: string): Promise<number | undefined> =>
    (await prometheus.query(`slo:burn_rate:5m{slo_name="${slo}",cluster="${cluster}"}`))[0]?.value;

  it("at the baseline the availability SLOs burn below 1, and the shop's gate passes in every cluster", async (t) => {
    const started = Date.now();
    const series = await eventually(
      "burn rates of all 12 SLOs in 3 clusters",
      () => prometheus.query("slo:burn_rate:5m"),
      (s) => s.length === 36,
      30_000,
    );
    t.diagnostic(`burn-rate series after ${Date.now() - started} ms`);
    // Latency is random: one slow request among the first hundred is a burn of 1 for a 99% SLO.
    for (const s of series) {
      const limit = s.labels.slo_name?.endsWith("-availability") ? 1 : gate.maxBurnRate;
      assert.ok(s.value < limit, `${s.labels.slo_name} in ${s.labels.cluster}: ${s.value}`);
    }
    const result = await checkBurnRate({
      prometheusUrl: prometheus.url,
      services: gate.services,
      selectorIn: { cluster: ["staging", "prod-east", "prod-west"] },
      threshold: gate.maxBurnRate,
    });
    assert.ok(result.ok, result.reason);
  });

  it("POST /faults on checkout in staging: its burn rate passes the gate's maxBurnRate there, not in prod-east", async (t) => {
    const answer = await fetch(`${exporter.url}/faults`, {
      method: "POST",
      body: JSON.stringify({ service: "checkout", cluster: "staging", errorRate: 0.3 }),
    });
    assert.equal(answer.status, 200);
    const started = Date.now();
    await eventually(
      `checkout-availability burn rate in staging above ${gate.maxBurnRate}`,
      () => burn("checkout-availability", "staging"),
      (v) => v !== undefined && v > gate.maxBurnRate,
      30_000,
    );
    t.diagnostic(`burn rate above the gate after ${Date.now() - started} ms`);
    const ratio = await prometheus.query(
      'slo:sli_error:ratio_rate5m{slo_name="checkout-availability",cluster="staging"}',
    );
    assert.ok((ratio[0]?.value ?? 0) > 0.01, `error ratio ${ratio[0]?.value}`);
    assert.ok(((await burn("checkout-availability", "prod-east")) ?? 99) < 1, "prod-east is untouched");

    const halted = await checkBurnRate({
      prometheusUrl: prometheus.url,
      services: gate.services,
      selectorIn: { cluster: ["staging"] },
      threshold: gate.maxBurnRate,
    });
    assert.equal(halted.ok, false);
    assert.match(halted.reason, /shop\/checkout-availability \(cluster=staging, team=shop\) at \d+/);
    const passes = await checkBurnRate({
      prometheusUrl: prometheus.url,
      services: gate.services,
      selectorIn: { cluster: ["prod-east", "prod-west"] },
      threshold: gate.maxBurnRate,
    });
    assert.ok(passes.ok, passes.reason);
  });

  it("a latency fault on the frontend burns frontend-latency, not frontend-availability", async () => {
    await fetch(`${exporter.url}/faults`, {
      method: "POST",
      body: JSON.stringify({ service: "frontend", cluster: "prod-west", latencyMs: 800 }),
    });
    await eventually(
      "frontend-latency burn rate in prod-west above 5",
      () => burn("frontend-latency", "prod-west"),
      (v) => v !== undefined && v > 5,
      30_000,
    );
    assert.ok(((await burn("frontend-availability", "prod-west")) ?? 99) < 1);
    await fetch(`${exporter.url}/faults`, { method: "DELETE" });
  });
});
