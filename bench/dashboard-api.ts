/**
 * The dashboard API at fleet scale, against a real apiserver (one local cluster; no kaika run):
 * BENCH_SYNCS (50) Syncs and 10, 100 and 200 synthetic Cluster objects (BENCH_SIZES), each
 * Cluster's status reporting every Sync, each Sync's status listing every Cluster. The server runs
 * as `kaika dashboard` runs it (its own informers, loopback). Prints, per size, the latency of
 * GET /api/v1/fleet (p50/p99 of BENCH_REQUESTS requests, cached answer; and rebuilt after a
 * change), its size; then the time one Cluster change takes to reach all of BENCH_CLIENTS (50)
 * server-sent-event streams. The server is `bin/kaika dashboard` in its own process (its own
 * informers, loopback), as a user runs it. Asserts nothing.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kaikaCrds } from "../src/api/crds.ts";
import { ensureNamespace, KubeApi } from "../src/kube/api.ts";
import { gvk } from "../src/kube/types.ts";
import { startFleet } from "../src/localfleet/index.ts";
import type { FleetResponse } from "../src/server/dashboard/types.ts";
import { kaikaBin } from "../test/support/kaika.ts";
import { openSse, type SseStream } from "../test/support/sse.ts";

const sizes = (process.env.BENCH_SIZES ?? "10,100,200").split(",").map(Number);
const syncCount = Number(process.env.BENCH_SYNCS ?? 50);
const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const clientCount = Number(process.env.BENCH_CLIENTS ?? 50);
const namespace = "kaika-system";
const Cluster = gvk("kaika.dev/v1alpha1", "Cluster");
const Sync = gvk("kaika.dev/v1alpha1", "Sync");
const envs = ["staging", "prod", "prod", "prod"];
const regions = ["osaka", "tokyo", "frankfurt", "virginia", "sydney"];
const providers = ["onprem", "aws", "gcp", "azure"];
const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
const revision = (i: number): string => `main@sha1:${(i * 7919).toString(16).padStart(40, "0")}`;

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const ms = (v: number): string => `${v.toFixed(1)} ms`;

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const clusterName = (i: number): string => `cluster-${String(i).padStart(3, "0")}`;

async function writeCluster(api: KubeApi, i: number): Promise<void> {
  const name = clusterName(i);
  const labels = {
    env: envs[i % envs.length]!,
    region: regions[i % regions.length]!,
    provider: providers[i % providers.length]!,
  };
  await api.apply(
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Cluster",
      metadata: { name, namespace, labels },
      spec: { kubeconfigSecretRef: { name: `${name}-kubeconfig` } },
    },
    { fieldManager: "bench", force: true },
  );
  await api.apply(
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Cluster",
      metadata: { name, namespace },
      status: {
        reachable: i % 50 !== 7,
        kubernetesVersion: "v1.37.0",
        nodeCount: 3 + (i % 20),
        lastContactTime: now,
        shard: i % 4,
        handledBy: `kaika-${i % 2}`,
        conditions: [
          { type: "Ready", status: "True", reason: "Reachable", message: "probed", lastTransitionTime: now },
        ],
        audit: {
          lastAuditTime: now,
          scope: "*",
          objects: 400,
          byMode: { enforce: 3, warn: 40, off: 2 },
          bySeverity: { critical: 3, warning: 30, info: 10 },
          findings: [],
        },
        syncs: Array.from({ length: syncCount }, (_, s) => ({
          sync: `${namespace}/app-${s}`,
          revision: revision(s),
          state: "Applied",
          drift: i % 10 === 0 ? 1 : 0,
          violations: s % 3,
          message: `applied ${revision(s)}: 0 created, 1 configured, 20 unchanged, 0 pruned`,
          lastAppliedTime: now,
        })),
      },
    },
    { fieldManager: "bench", force: true, subresource: "status" },
  );
}

async function writeSync(api: KubeApi, s: number, clusters: number): Promise<void> {
  const name = `app-${s}`;
  await api.apply(
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name, namespace },
      spec: {
        sourceRef: { name: "fleet" },
        path: `apps/app-${s}`,
        targets: [{ clusterSelector: {} }],
        rollout: {
          waves: [
            { name: "staging", clusterSelector: { matchLabels: { env: "staging" } }, soak: "10m" },
            { name: "prod", clusterSelector: { matchLabels: { env: "prod" } }, maxUnavailable: 10 },
          ],
        },
      },
    },
    { fieldManager: "bench", force: true },
  );
  const names = Array.from({ length: clusters }, (_, i) => clusterName(i));
  await api.apply(
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name, namespace },
      status: {
        conditions: [
          { type: "Ready", status: "True", reason: "RolloutComplete", message: "done", lastTransitionTime: now },
        ],
        rollout: {
          revision: revision(s),
          phase: "Complete",
          wave: 1,
          waves: [
            { name: "staging", clusters: names.filter((_, i) => i % 4 === 0), state: "Done", healthyAt: now },
            { name: "prod", clusters: names.filter((_, i) => i % 4 !== 0), state: "Done", healthyAt: now },
          ],
        },
        clusters: names.map((c, i) => ({
          name: c,
          wave: i % 4 === 0 ? "staging" : "prod",
          desiredRevision: revision(s),
          revision: revision(s),
          state: "Applied",
          lastAppliedTime: now,
        })),
      },
    },
    { fieldManager: "bench", force: true, subresource: "status" },
  );
}

async function timeRequests(url: string, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const fleet = await startFleet({ clusters: 1 });
  const data = mkdtempSync(join(tmpdir(), "kaika-bench-dashboard-"));
  const api = KubeApi.load({ path: fleet.kubeconfigPath });
  const clients: SseStream[] = [];
  let stopServer: (() => Promise<void>) | undefined;
  try {
    for (const crd of kaikaCrds()) await api.apply(crd, { fieldManager: "bench", force: true });
    await ensureNamespace(api, namespace);
    for (let tries = 0; ; tries++) {
      try {
        await api.mapper.mapping(Cluster);
        await api.mapper.mapping(Sync);
        break;
      } catch (error) {
        if (tries > 100) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const child = spawn(
      kaikaBin,
      ["--kubeconfig", fleet.kubeconfigPath, "dashboard", "--ledger", join(data, "none.sqlite"), "--data-dir", data],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    stopServer = () => {
      child.kill("SIGTERM");
      return new Promise((resolve) => child.once("exit", () => resolve()));
    };
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const found = /^http:\/\/\S+\/$/m.exec(out)?.[0];
        if (found) resolve(found);
      });
      child.once("exit", (code) => reject(new Error(`kaika dashboard exited (${code})`)));
    });
    const url = `${base}api/v1/fleet`;
    const fleetNow = async (): Promise<FleetResponse> => (await (await fetch(url)).json()) as FleetResponse;
    console.log(`dashboard API: ${syncCount} Syncs, ${requests} sequential requests per figure`);
    console.log("clusters  answer      cached p50 / p99     gzip p50 / p99       rebuilt p50 / p99");
    let written = 0;
    for (const size of sizes) {
      await pool(
        Array.from({ length: size - written }, (_, k) => written + k),
        8,
        (i) => writeCluster(api, i),
      );
      written = size;
      await pool(
        Array.from({ length: syncCount }, (_, s) => s),
        8,
        (s) => writeSync(api, s, size),
      );
      for (;;) {
        const view = await fleetNow();
        const syncsCurrent = view.syncs.every(
          (s) => Object.values(s.clusterStates).reduce((a, b) => a + b, 0) === size,
        );
        if (view.clusters.length === size && view.syncs.length === syncCount && syncsCurrent) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      await new Promise((r) => setTimeout(r, 500));
      const first = await fetch(url);
      const bytes = (await first.arrayBuffer()).byteLength;
      const cached = await timeRequests(url, requests);
      const gzip = await timeRequests(url, requests, { "accept-encoding": "gzip" });
      // Rebuilt: a Cluster changes in the apiserver before each request, so the cached answer is dropped.
      const rebuilt: number[] = [];
      for (let i = 0; i < Math.min(requests, 30); i++) {
        await api.patch(
          Cluster,
          clusterName(0),
          namespace,
          { metadata: { labels: { bench: `r${size}-${i}` } } },
          "merge",
        );
        await new Promise((r) => setTimeout(r, 300));
        rebuilt.push(...(await timeRequests(url, 1)));
      }
      rebuilt.sort((a, b) => a - b);
      console.log(
        `${String(size).padEnd(10)}${`${(bytes / 1024).toFixed(0)} KiB`.padEnd(12)}${`${ms(percentile(cached, 50))} / ${ms(percentile(cached, 99))}`.padEnd(21)}${`${ms(percentile(gzip, 50))} / ${ms(percentile(gzip, 99))}`.padEnd(21)}${ms(percentile(rebuilt, 50))} / ${ms(percentile(rebuilt, 99))}`,
      );
    }

    // Fan-out: one Cluster's label changes in the apiserver; how long until every stream has the event.
    for (let c = 0; c < clientCount; c++) clients.push(await openSse(`${base}api/v1/events`));
    await Promise.all(clients.map((c) => c.waitFor((f) => f.event === "hello", 10_000)));
    const trials: { first: number; last: number }[] = [];
    for (let t = 0; t < 5; t++) {
      const arrivals: number[] = [];
      const marker = `t${t}-${Date.now()}`;
      const started = performance.now();
      const seen = clients.map((client) =>
        client
          .waitFor((f) => f.event === "change" && (f.data ?? "").includes(marker), 30_000)
          .then(() => arrivals.push(performance.now() - started)),
      );
      await api.patch(Cluster, clusterName(1), namespace, { metadata: { labels: { bench: marker } } }, "merge");
      await Promise.all(seen);
      arrivals.sort((a, b) => a - b);
      trials.push({ first: arrivals[0] ?? Number.NaN, last: arrivals[arrivals.length - 1] ?? Number.NaN });
      await new Promise((r) => setTimeout(r, 500));
    }
    const lasts = trials.map((t) => t.last).sort((a, b) => a - b);
    const firsts = trials.map((t) => t.first).sort((a, b) => a - b);
    console.log(
      `SSE fan-out to ${clientCount} streams (apiserver write → event in every stream, 250 ms coalescing included), median of ${trials.length}: first ${ms(percentile(firsts, 50))}, all ${ms(percentile(lasts, 50))} (worst ${ms(lasts[lasts.length - 1] ?? Number.NaN)})`,
    );
  } finally {
    for (const c of clients) c.close();
    await stopServer?.();
    await api.close();
    await fleet.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
