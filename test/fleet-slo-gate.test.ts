/**
 * The SLO gate of a rollout wave end to end: two real local clusters in two
 * waves, an exporter in this test serving per-cluster request counters,
 * a real Prometheus evaluating kaika's rules for them, and `kaika run` with
 * --prometheus-url and --notify-webhook-url. While errors stay low a commit
 * goes through both waves; when wave one's error rate rises, the next commit
 * halts after wave one's soak, wave two keeps the old image, and a GateHalted
 * notification reaches the receiver.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KubeApi } from "../src/kube/api.ts";
import { gvk } from "../src/kube/types.ts";
import type { WebhookPayload } from "../src/notify/index.ts";
import { parseSloSources, ruleFile } from "../src/slo/index.ts";
import { webDeploymentYaml } from "./support/fixtures.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";
import { type RunningKaika, registerCluster, startKaikaRun, webImage } from "./support/kaika.ts";
import { startExporter, startPrometheus, type TestPrometheus, Traffic } from "./support/prometheus.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(2);
const Sync = gvk("kaika.dev/v1alpha1", "Sync");
const Cluster = gvk("kaika.dev/v1alpha1", "Cluster");
const _Deployment = gvk("apps/v1", "Deployment");
const Event = gvk("v1", "Event");

// 99.9% over 30 days per cluster: an error ratio of 0.1% is a burn rate of 1.
const spec = `apiVersion: kaika.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: web-availability, namespace: shop}
spec:
  service: web
  indicator:
    ratio:
      errors: sum by (cluster) (rate(http_requests_total{service="web",code=~"5.."}[{{.window}}]))
      total: sum by (cluster) (rate(http_requests_total{service="web"}[{{.window}}]))
  objective: 99.9
  window: 30d
`;

const web = webDeploymentYaml;

const syncSpec = {
  sourceRef: { name: "fleet" },
  path: "apps/web",
  timeout: "30s",
  interval: "1m",
  targets: [{ clusterSelector: {} }],
  rollout: {
    waves: [
      {
        name: "one",
        clusterSelector: { matchLabels: { ring: "1" } },
        soak: "10s",
        sloGate: { maxBurnRate: 2, services: ["web"] },
      },
      { name: "two", clusterSelector: { matchLabels: { ring: "2" } } },
    ],
  },
};

type SyncStatus = {
  rollout?: {
    revision: string;
    previousRevision?: string;
    phase: string;
    message?: string;
    waves: { name: string; state: string; startedAt?: string; healthyAt?: string }[];
  };
  clusters?: { name: string; desiredRevision?: string; revision?: string }[];
  conditions?: { type: string; status: string; reason: string; message?: string }[];
};

/** Collects the JSON bodies POSTed to it. */
async function startReceiver(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      try {
        bodies.push(JSON.parse(text));
      } catch {
        bodies.push(text);
      }
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("a rising error rate in wave one halts wave two", { timeout: 600_000 }, () => {
  const traffic = new Traffic();
  // 0.01% errors: a burn rate of 0.1, well under the gate's 2.
  const waveA = traffic.add({
    labels: { service: "web", cluster: "wave-a" },
    requestsPerSecond: 100,
    errorRatio: 0.0001,
  });
  traffic.add({ labels: { service: "web", cluster: "wave-b" }, requestsPerSecond: 100, errorRatio: 0.0001 });
  let exporter: Awaited<ReturnType<typeof startExporter>> | undefined;
  let prometheus: TestPrometheus | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  let repo: TestRepo | undefined;
  let admin: KubeApi;
  let apis: KubeApi[] = [];
  let controller: RunningKaika | undefined;
  let data: string;

  const imageOn = (i: number): Promise<string | undefined> => webImage(apis[i] as KubeApi);
  const sync = async (): Promise<SyncStatus> =>
    ((await admin.get(Sync, "web", "kaika-system")).status ?? {}) as SyncStatus;
  const withLogs = (error: Error): never => {
    throw new Error(
      `${error.message}\n--- controller log (tail) ---\n${controller?.log().slice(-4000)}\n--- prometheus log (tail) ---\n${prometheus?.log().slice(-2000)}`,
    );
  };
  const phaseIs = (phase: string, revision: string) =>
    eventually(
      `rollout ${phase} of ${revision}`,
      sync,
      (s) => s.rollout?.phase === phase && s.rollout.revision.endsWith(revision),
      120_000,
    ).catch(withLogs);

  before(async () => {
    const clusters = fleet().clusters;
    admin = KubeApi.load({ path: clusters[0]?.kubeconfigPath ?? "" });
    apis = clusters.map((c) => KubeApi.load({ path: c.kubeconfigPath }));
    data = mkdtempSync(join(tmpdir(), "kaika-fleet-slo-"));
    exporter = await startExporter(() => traffic.render());
    receiver = await startReceiver();
    repo = await createRepo();
    const [prom] = await Promise.all([
      startPrometheus({
        rules: { "web.yaml": ruleFile(parseSloSources([{ file: "web.yaml", text: spec }])) },
        targets: [exporter.address],
      }),
      repo.serve(),
    ]);
    prometheus = prom;
    controller = startKaikaRun(clusters[0]?.kubeconfigPath ?? "", [
      "--cluster-probe-interval=1",
      `--prometheus-url=${prometheus.url}`,
      `--notify-webhook-url=${receiver.url}`,
      `--data-dir=${data}`,
    ]);
    await eventually(
      "CRDs installed",
      () => admin.mapper.mapping(Cluster),
      () => true,
      60_000,
    ).catch(withLogs);
    for (const [i, [name, ring]] of [
      ["wave-a", "1"],
      ["wave-b", "2"],
    ].entries()) {
      const entry = clusters[i]?.admin;
      assert.ok(entry);
      await registerCluster(admin, name as string, entry, { ring: ring as string });
    }
    await eventually(
      "burn-rate series of both clusters",
      () => (prometheus as TestPrometheus).query('slo:burn_rate:5m{slo_service="web"}'),
      (s) => s.length === 2,
      30_000,
    );
  });
  after(async () => {
    await controller?.stop();
    await Promise.all([admin, ...apis].map((a) => a?.close()));
    await prometheus?.stop();
    await exporter?.close();
    await receiver?.close();
    await repo?.close();
    rmSync(data, { recursive: true, force: true });
  });

  let first = "";

  it("with a healthy error rate, a commit passes wave one's gate and reaches both clusters", async (t) => {
    const r = repo as TestRepo;
    first = await r.commit({
      "apps/web/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
      "apps/web/web.yaml": web("web:1.0.0"),
    });
    await admin.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "fleet", namespace: "kaika-system" },
      spec: { url: r.url, interval: "1s" },
    });
    await admin.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "web", namespace: "kaika-system" },
      spec: syncSpec,
    });
    const started = Date.now();
    const done = await phaseIs("Complete", first);
    assert.deepEqual(
      done.rollout?.waves.map((w) => [w.name, w.state]),
      [
        ["one", "Done"],
        ["two", "Done"],
      ],
    );
    assert.equal(await imageOn(0), "web:1.0.0");
    assert.equal(await imageOn(1), "web:1.0.0");
    t.diagnostic(`Sync created → Complete on both clusters: ${Date.now() - started} ms`);
    const [one, two] = done.rollout?.waves ?? [];
    const soaked = Date.parse(two?.startedAt ?? "") - Date.parse(one?.healthyAt ?? "");
    assert.ok(
      soaked >= 10_000,
      `wave two started ${soaked} ms after wave one was healthy: ${JSON.stringify(done.rollout)}`,
    );
    const events = (await admin.list(Event, { namespace: "kaika-system" })).items as { reason?: string }[];
    assert.ok(events.some((e) => e.reason === "WaveDone"));
    assert.ok(!events.some((e) => e.reason === "SLOGateFailed"), "the gate passed");
    assert.deepEqual(receiver?.bodies, [], "no notification");
  });

  it("with wave one's error rate at 20%, the next commit halts after wave one; wave two keeps the old image", async (t) => {
    // 20% errors on a 0.1% budget: a burn rate of 200 (the 5m window passes 2 within seconds).
    traffic.set(waveA, { errorRatio: 0.2 });
    const second = await (repo as TestRepo).commit({ "apps/web/web.yaml": web("web:2.0.0") });
    const committed = Date.now();
    const halted = await phaseIs("Halted", second);
    t.diagnostic(`commit → Halted: ${Date.now() - committed} ms; ${halted.rollout?.message}`);
    assert.equal(await imageOn(0), "web:2.0.0", "wave one applied the commit");
    const message = halted.rollout?.message ?? "";
    assert.match(
      message,
      /^wave one: SLO gate failed: burn rate over 5m \(highest over 60s\) above 2 in cluster in \(wave-a\): shop\/web-availability \(cluster=wave-a\) at \d/,
    );
    const burn = Number(/at ([0-9.e+]+)/.exec(message)?.[1]);
    assert.ok(burn > 2 && burn <= 200.5, `burn rate ${burn}`);
    assert.doesNotMatch(message, /wave-b/, "only wave one's clusters are gated");
    assert.deepEqual(
      halted.rollout?.waves.map((w) => [w.name, w.state]),
      [
        ["one", "GateFailed"],
        ["two", "Pending"],
      ],
    );
    const ready = halted.conditions?.find((c) => c.type === "Ready");
    assert.equal(ready?.status, "False");
    assert.equal(ready?.reason, "RolloutHalted");
    assert.match(ready?.message ?? "", /SLO gate failed: burn rate/);
    const b = halted.clusters?.find((c) => c.name === "wave-b");
    assert.ok(b?.desiredRevision?.endsWith(first), `wave-b stays on ${first}: ${JSON.stringify(b)}`);

    const events = (await admin.list(Event, { namespace: "kaika-system" })).items as {
      reason?: string;
      type?: string;
      message?: string;
      involvedObject?: { kind?: string; name?: string };
    }[];
    const gateFailed = events.filter((e) => e.reason === "SLOGateFailed");
    assert.equal(gateFailed.length, 1, JSON.stringify(gateFailed));
    assert.equal(gateFailed[0]?.type, "Warning");
    assert.deepEqual([gateFailed[0]?.involvedObject?.kind, gateFailed[0]?.involvedObject?.name], ["Sync", "web"]);
    assert.match(gateFailed[0]?.message ?? "", /cluster=wave-a/);

    const notified = await eventually(
      "a GateHalted notification",
      async () => (receiver?.bodies ?? []) as WebhookPayload[],
      (bodies) => bodies.length > 0,
      15_000,
    );
    assert.equal(notified.length, 1, JSON.stringify(notified));
    const payload = notified[0] as WebhookPayload;
    assert.equal(payload.source, "kaika");
    assert.equal(payload.type, "GateHalted");
    const event = payload.event as WebhookPayload["event"] & {
      sync: { namespace: string; name: string };
      wave: string;
      revision?: string;
      threshold?: number;
      burnRates?: { labels: Record<string, string>; burnRate: number }[];
    };
    assert.deepEqual(event.sync, { namespace: "kaika-system", name: "web" });
    assert.equal(event.wave, "one");
    assert.ok(event.revision?.endsWith(second), `revision ${event.revision}`);
    assert.equal(event.threshold, 2);
    assert.equal(event.burnRates?.[0]?.labels.cluster, "wave-a");
    assert.ok((event.burnRates?.[0]?.burnRate ?? 0) > 2);
    assert.match(payload.message, /cluster=wave-a/);
    t.diagnostic(`notification: ${payload.title} / ${payload.message}`);

    // The halt holds: wave two is not started, kaika-2 keeps commit 1's image.
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      assert.equal(await imageOn(1), "web:1.0.0", "kaika-2 keeps the old image");
      await new Promise((r) => setTimeout(r, 500));
    }
    const still = await sync();
    assert.equal(still.rollout?.phase, "Halted");
    assert.ok(still.rollout?.revision.endsWith(second));
  });

  it("with rollback, a failed gate puts wave one back on the last commit that ran everywhere", async (t) => {
    // Errors stay at 20% in wave one. Turn rollback on, then commit again.
    const rollout = syncSpec.rollout;
    const [one, two] = rollout.waves;
    await admin.patch(
      Sync,
      "web",
      "kaika-system",
      { spec: { rollout: { ...rollout, waves: [{ ...one, sloGate: { ...one?.sloGate, rollback: true } }, two] } } },
      "merge",
    );
    const third = await (repo as TestRepo).commit({ "apps/web/web.yaml": web("web:3.0.0") });
    const committed = Date.now();
    await eventually(
      "kaika-1 runs web:3.0.0",
      () => imageOn(0),
      (image) => image === "web:3.0.0",
      60_000,
    ).catch(withLogs);
    const halted = await phaseIs("Halted", third);
    assert.equal(halted.rollout?.waves[0]?.state, "GateFailed");
    // The rollout was halted on commit 2, so the last commit that ran on every wave is the first.
    assert.ok(halted.rollout?.previousRevision?.endsWith(first), JSON.stringify(halted.rollout));
    await eventually(
      "kaika-1 back on web:1.0.0",
      () => imageOn(0),
      (image) => image === "web:1.0.0",
      60_000,
    ).catch(withLogs);
    t.diagnostic(`commit → gate failed → rolled back: ${Date.now() - committed} ms`);
    // It stays rolled back while the halt holds, and wave two never moved.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      assert.equal(await imageOn(0), "web:1.0.0", "kaika-1 stays rolled back");
      assert.equal(await imageOn(1), "web:1.0.0", "kaika-2 keeps the old image");
      await new Promise((r) => setTimeout(r, 500));
    }
    const a = (await sync()).clusters?.find((c) => c.name === "wave-a");
    assert.ok(a?.desiredRevision?.endsWith(first), JSON.stringify(a));
  });
});
