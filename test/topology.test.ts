/**
 * The service topology against a real Prometheus scraping the demo's traffic exporter (Istio's
 * standard metrics for the example shop) and evaluating the SLO rules of examples/fleet-repo: every
 * call of the shop with its rate, errors, latency and mTLS share; each service's SLO state; a fault
 * that shows on its calls and its node; the CLI's filters and formats; and a bounded query count.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startExporter } from "../examples/traffic/exporter.ts";
import { defaultTopologyFile, loadTopology, type Topology } from "../examples/traffic/topology.ts";
import { readTopology, type ServiceGraph } from "../src/topology/index.ts";
import { startPrometheus, type TestPrometheus } from "./support/prometheus.ts";
import { eventually } from "./support/wait.ts";

const run = promisify(execFile);
const kaikaMain = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const slosDir = fileURLToPath(new URL("../examples/fleet-repo/slos/", import.meta.url));
// Five times the demo's traffic, so Prometheus' rates settle within seconds.
const boost = 5;

describe("service topology from a real Prometheus", { timeout: 300_000 }, () => {
  let shop: Topology;
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  let prometheus: TestPrometheus;

  before(async () => {
    shop = await loadTopology(defaultTopologyFile);
    exporter = await startExporter({
      topology: { ...shop, clusters: shop.clusters.map((c) => ({ ...c, scale: c.scale * boost })) },
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
    started = Date.now();
  });
  after(async () => {
    await prometheus?.stop();
    await exporter?.close();
  });

  const id = (w: { namespace: string; name: string }) => `${w.namespace}/${w.name}`;
  // A window this short only because the test's Prometheus scrapes every second: rate() reads
  // low until the series is older than its window.
  const window = "15s";
  const read = () => readTopology(prometheus.client, { window });
  const settled = (graph: ServiceGraph) =>
    graph.edges.length === shop.edges.length &&
    graph.edges.every((e) => e.p95Ms !== null) &&
    Date.now() - started > 20_000;
  let started = 0;

  it("draws every call of the shop with its rate, errors, latency and mTLS share", async () => {
    const graph = await eventually("every call has a rate and a p95", read, settled, 120_000);
    const expected = shop.edges.map((e) => `${id(e.from)}->${shop.namespace}/${e.to}`).sort();
    assert.deepEqual(
      graph.edges.map((e) => e.id),
      expected,
    );
    // Every cluster's series add up: staging at half a prod cluster's rate, three clusters in all.
    const scale = shop.clusters.reduce((sum, c) => sum + c.scale, 0) * boost;
    for (const edge of shop.edges) {
      const call = graph.edges.find((e) => e.id === `${id(edge.from)}->${shop.namespace}/${edge.to}`);
      assert.ok(call);
      const want = edge.rps * scale;
      assert.ok(Math.abs(call.rps - want) / want < 0.35, `${call.id}: ${call.rps} rps, expected about ${want}`);
      assert.ok(call.errorRate < 0.01, `${call.id}: errors ${call.errorRate}`);
      assert.ok(call.p50Ms !== null && call.p95Ms !== null && call.p99Ms !== null);
      assert.ok(call.p50Ms <= call.p95Ms && call.p95Ms <= call.p99Ms, `${call.id}: quantiles in order`);
      assert.ok(call.mtls > 0.999, `${call.id}: the exporter reports mutual TLS (${call.mtls})`);
    }
    // Services: the shop's, and the ingress gateway that calls into it; an SLO state for each SLO'd one.
    assert.ok(graph.nodes.some((n) => n.id === "istio-system/istio-ingressgateway" && n.slo === "none"));
    const checkout = graph.nodes.find((n) => n.id === "shop/checkout");
    assert.ok(checkout && checkout.slo !== "none", `checkout has an SLO: ${JSON.stringify(checkout)}`);
    // Six queries for the calls and four for the SLOs, whatever the graph's size.
    assert.equal(graph.stats.queries, 10);
    console.log(
      `topology of the shop: ${graph.nodes.length} services, ${graph.edges.length} calls, ${graph.stats.queries} queries in ${graph.stats.durationMs} ms`,
    );
  });

  it("shows a fault on the service's calls and turns its SLO state", async () => {
    const res = await fetch(`${exporter.url}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ service: "payments", errorRate: 0.5 }),
    });
    assert.equal(res.status, 200, await res.text());
    try {
      const graph = await eventually(
        "checkout → payments fails half the time and payments burns its budget",
        read,
        (g) =>
          (g.edges.find((e) => e.id === "shop/checkout->shop/payments")?.errorRate ?? 0) > 0.2 &&
          g.nodes.find((n) => n.id === "shop/payments")?.slo !== "ok",
        120_000,
      );
      const payments = graph.nodes.find((n) => n.id === "shop/payments");
      assert.ok(payments?.slo === "warn" || payments?.slo === "err", JSON.stringify(payments));
      assert.ok(
        (graph.edges.find((e) => e.id === "shop/frontend->shop/cart")?.errorRate ?? 1) < 0.01,
        "the other calls stay clean",
      );
    } finally {
      await fetch(`${exporter.url}/faults`, { method: "DELETE" });
    }
  });

  it("kaika topology: text, focus and depth, namespace, dot and mermaid", async () => {
    const kaika = async (...args: string[]) =>
      (
        await run(process.execPath, [
          kaikaMain,
          "topology",
          `--prometheus-url=${prometheus.url}`,
          "--window=1m",
          ...args,
        ])
      ).stdout;
    const text = await kaika();
    const services = new Set(shop.edges.flatMap((e) => [id(e.from), `${shop.namespace}/${e.to}`])).size;
    assert.ok(
      text.startsWith(`window 1m: ${services} services, ${shop.edges.length} calls (10 Prometheus queries, `),
      text.split("\n")[0],
    );
    assert.match(text, /^SERVICE\s+SLO\s+BUDGET/m);
    assert.match(text, /^shop\/checkout\s+shop\/payments\s+[\d.]+\s+[\d.]+%\s+[\d.]+ms/m);

    const focused = JSON.parse(await kaika("--focus", "payments", "--depth", "1", "-o", "json")) as ServiceGraph;
    assert.deepEqual(
      focused.nodes.map((n) => n.id),
      ["shop/checkout", "shop/payments"],
    );
    const two = JSON.parse(await kaika("--focus", "shop/payments", "--depth", "2", "-o", "json")) as ServiceGraph;
    assert.ok(two.nodes.some((n) => n.id === "shop/frontend") && two.nodes.length > focused.nodes.length);

    const gateway = JSON.parse(await kaika("-n", "istio-system", "-o", "json")) as ServiceGraph;
    assert.deepEqual(
      gateway.edges.map((e) => e.id),
      ["istio-system/istio-ingressgateway->shop/frontend"],
    );

    const dot = await kaika("-o", "dot");
    assert.match(dot, /^digraph services \{/);
    assert.match(dot, /"shop\/checkout" -> "shop\/payments" \[label="[\d.]+ rps · [\d.]+% err · p95 [\d.]+ms"/);
    const mermaid = await kaika("-o", "mermaid");
    assert.match(mermaid, /^flowchart LR/);
    assert.match(mermaid, /s\d+\["payments"\]:::(ok|warn|err)/);

    await assert.rejects(kaika("--focus", "nowhere"), /--focus nowhere: no such service/);
    await assert.rejects(kaika("--window", "5"), /--window 5: a Prometheus duration/);
  });
});
