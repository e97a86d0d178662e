/**
 * The fleet end to end: one commit of 100 objects (20 services × Deployment, Service, ConfigMap,
 * ServiceAccount, PodDisruptionBudget, plus their Namespace) fanned out by one Sync with
 * `targets: [{clusterSelector: {}}]` (no waves) to N local clusters. Per N, on a fresh fleet and a fresh
 * `kaika run` against cluster 1: time from creating the GitSource and Sync until every cluster runs the
 * commit applied and healthy (Sync status.clusters all Applied at that revision, rollout Complete), then
 * from the push webhook of a one-ConfigMap change until all clusters applied it again; the controller's
 * RSS before the Sync and at the end. Prints figures; asserts nothing but that the rollouts finish.
 *
 * Usage: node bench/fleet.ts [--sizes 3,10,28] [--fleet-concurrency N] [--timeout SECONDS]
 * Env: BENCH_FLEET_SIZES, BENCH_TIMEOUT_S (600, per wait).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureNamespace, KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { ensureBinaries, type LocalFleet, startFleet } from "../src/localfleet/index.ts";
import { createRepo, type TestRepo } from "../test/support/git.ts";
import { FleetController } from "./fleet/controller.ts";
import { changedConfigMap, initialFiles, namespace, objectCount, path, services } from "./fleet/manifests.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string" },
    "fleet-concurrency": { type: "string" },
    timeout: { type: "string" },
  },
});
// 28: the most clusters that started reliably on the 2-core, 24 GiB machine (58–90 s to start, against the
// 120 s per-cluster start timeout; ~15 GiB for the fleet); larger sizes are skipped when memory is short.
const sizes = (args.sizes ?? process.env.BENCH_FLEET_SIZES ?? "3,10,28").split(",").map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes: "${s}" is not a cluster count`);
  return n;
});
const fleetConcurrency = args["fleet-concurrency"] ? Number(args["fleet-concurrency"]) : undefined;
if (fleetConcurrency !== undefined && !(Number.isInteger(fleetConcurrency) && fleetConcurrency > 0)) {
  throw new Error(`--fleet-concurrency: "${args["fleet-concurrency"]}" is not a positive integer`);
}
const timeoutMs = Number(args.timeout ?? process.env.BENCH_TIMEOUT_S ?? 600) * 1000;

const system = "kaika-system";
const hookSecret = "bench-hook";
const token = "bench-t0ken";
// kaika's default: probes write Cluster status, so a shorter interval adds load to the admin cluster.
const probeIntervalS = 10;
// Measured on the 24 GiB machine: a cluster with one fake node takes ~530 MiB; keep this much spare.
const perClusterMiB = 560;
const spareMiB = 3072;

const Sync = gvk("kaika.dev/v1alpha1", "Sync");
const Cluster = gvk("kaika.dev/v1alpha1", "Cluster");
const Deployment = gvk("apps/v1", "Deployment");
const ConfigMap = gvk("v1", "ConfigMap");

type ClusterRow = { name: string; state: string; revision?: string; message?: string };
type SyncStatus = {
  rollout?: { revision: string; phase: string; message?: string };
  clusters?: ClusterRow[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
};

const log = (line: string): void => console.log(`[${(performance.now() / 1000).toFixed(1)}s] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number): string => (ms / 1000).toFixed(1);
/** A status message cut to a readable length. */
const cut = (message: string | undefined, max = 400): string =>
  !message ? "" : message.length > max ? `${message.slice(0, max)}…` : message;

function memAvailableMiB(): number {
  const line = readFileSync("/proc/meminfo", "utf8")
    .split("\n")
    .find((l) => l.startsWith("MemAvailable:"));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** A size left out because the machine lacks memory for it (not a failure of kaika). */
class Skipped extends Error {}

/** Seconds until the first cluster, the median one and all of them ran a commit applied and healthy. */
interface Timing {
  first: number;
  median: number;
  all: number;
  /** Halt messages seen on the way (a cluster's apply failed; kaika retried it). */
  halts: string[];
}

/** What one fleet size measured. */
interface SizeResult {
  readonly n: number;
  fleetStartS?: number;
  registeredS?: number;
  rssStart?: number;
  rssBeforeSync?: number;
  rollout?: Timing;
  change?: Timing;
  rssEnd?: number;
  rssPeak?: number;
  cpuS?: number;
  error?: string;
  skipped?: boolean;
}

/** The kubeconfig Secret of a Cluster, named as `kaika cluster add` names it. */
const secretOf = (name: string): string => `cluster-${name}-kubeconfig`;

/** Runs `fn` over `items`, `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** Polls until `check` returns a value; throws `describe()`'s account of the last state on timeout. */
async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  describe: () => string,
  ms = timeoutMs,
  pollMs = 250,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s; ${describe()}`);
    await sleep(pollMs);
  }
}

/**
 * Waits until every one of the `n` clusters shows `commit` Applied and the rollout is Complete; returns
 * the seconds since `t0` at which the first cluster, the median one and the whole fleet got there.
 */
async function waitRolledOut(admin: KubeApi, n: number, commit: string, t0: number, logFile: string): Promise<Timing> {
  const seen = new Map<string, number>();
  const halts: string[] = [];
  let last: SyncStatus = {};
  const all = await waitUntil(
    `rollout of ${commit.slice(0, 8)} to ${n} clusters`,
    async () => {
      last = ((await admin.get(Sync, "shop", system)).status ?? {}) as SyncStatus;
      const now = performance.now();
      for (const c of last.clusters ?? []) {
        if (c.state === "Applied" && c.revision?.endsWith(commit) && !seen.has(c.name)) seen.set(c.name, now - t0);
      }
      const complete =
        last.rollout?.phase === "Complete" &&
        last.rollout.revision.endsWith(commit) &&
        (last.clusters ?? []).length === n &&
        (last.clusters ?? []).every((c) => c.state === "Applied" && c.revision?.endsWith(commit));
      // A failed cluster halts the rollout and retries on its own (after 30 s): note it and keep waiting.
      const halt =
        last.rollout?.phase === "Halted" && last.rollout.revision.endsWith(commit) ? last.rollout : undefined;
      if (halt && !halts.includes(cut(halt.message))) {
        halts.push(cut(halt.message));
        log(
          `rollout of ${commit.slice(0, 8)} Halted after ${seconds(now - t0)} s, waiting for kaika's retry: ${cut(halt.message)}`,
        );
      }
      return complete ? now - t0 : undefined;
    },
    () => {
      const states = new Map<string, number>();
      for (const c of last.clusters ?? []) {
        const key = `${c.state}${c.revision?.endsWith(commit) ? "" : " (older revision)"}`;
        states.set(key, (states.get(key) ?? 0) + 1);
      }
      const stuck = (last.clusters ?? []).find((c) => !(c.state === "Applied" && c.revision?.endsWith(commit)));
      const ready = last.conditions?.find((c) => c.type === "Ready");
      return (
        `rollout ${last.rollout?.phase ?? "none"} of ${last.rollout?.revision ?? "?"}: ${cut(last.rollout?.message)}; ` +
        `clusters: ${[...states].map(([s, k]) => `${k} ${s}`).join(", ") || "none listed"}` +
        (stuck ? `; e.g. ${stuck.name}: ${stuck.state} ${cut(stuck.message)}` : "") +
        (ready ? `; Ready ${ready.status} ${ready.reason}` : "") +
        `; controller log ${logFile}`
      );
    },
  );
  const times = [...seen.values()].sort((a, b) => a - b);
  return {
    first: (times[0] ?? all) / 1000,
    median: (times[Math.floor(times.length / 2)] ?? all) / 1000,
    all: all / 1000,
    halts,
  };
}

/** Checks on the last cluster that what the Sync reports is what runs there: Deployments Ready, the change in. */
async function verifyLastCluster(fleet: LocalFleet, rev: string): Promise<void> {
  const cluster = fleet.clusters[fleet.clusters.length - 1];
  if (!cluster) return;
  const api = new KubeApi(cluster.client());
  try {
    const { items } = await api.list(Deployment, { namespace });
    const ready = items.filter((d) => (d.status as { readyReplicas?: number } | undefined)?.readyReplicas === 1);
    if (items.length !== services || ready.length !== services) {
      throw new Error(`${cluster.name}: ${ready.length} of ${items.length} Deployments ready, expected ${services}`);
    }
    const cm = await api.get(ConfigMap, "svc-00-config", namespace);
    const got = (cm.data as Record<string, string> | undefined)?.CONFIG_REV;
    if (got !== rev) throw new Error(`${cluster.name}: ConfigMap svc-00-config CONFIG_REV is ${got}, expected ${rev}`);
  } finally {
    await api.close();
  }
}

async function benchSize(n: number, result: SizeResult): Promise<void> {
  const need = n * perClusterMiB + spareMiB;
  const available = memAvailableMiB();
  if (available < need) {
    throw new Skipped(
      `skipped: ${n} clusters need ~${need} MiB (${perClusterMiB} per cluster + ${spareMiB} spare), ` +
        `${available.toFixed(0)} MiB available`,
    );
  }
  let fleet: LocalFleet | undefined;
  let controller: FleetController | undefined;
  let admin: KubeApi | undefined;
  let repo: TestRepo | undefined;
  const data = mkdtempSync(join(tmpdir(), "kaika-bench-fleet-"));
  const logFile = join(tmpdir(), `kaika-bench-fleet-n${n}-${Date.now()}.log`);
  // git daemon is a plain child of this process: stop it (and drop the data dir) on exit and on SIGINT/SIGTERM
  // too; the fleet's processes and kaika run stop themselves (src/localfleet/process.ts).
  const stopRepo = (): void => {
    void repo?.close();
    rmSync(data, { recursive: true, force: true });
    for (const s of ["SIGINT", "SIGTERM"] as const) process.removeListener(s, stopRepo);
  };
  process.once("exit", stopRepo);
  for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, stopRepo);
  try {
    let t = performance.now();
    // The fleet's dir inside ours, so an interrupted run leaves nothing behind either.
    fleet = await startFleet({ clusters: n, nodesPerCluster: 1, dir: join(data, "fleet") });
    result.fleetStartS = (performance.now() - t) / 1000;
    log(`n=${n}: fleet ready in ${seconds(performance.now() - t)} s (not timed)`);
    const adminCluster = fleet.clusters[0];
    if (!adminCluster) throw new Error("fleet has no cluster");

    repo = await createRepo();
    const first = await repo.commit(initialFiles(), `${objectCount} objects in ${namespace}`);
    await repo.serve();

    controller = await FleetController.start({
      kubeconfig: adminCluster.kubeconfigPath,
      dataDir: join(data, "controller"),
      logFile,
      probeIntervalS,
      fleetConcurrency,
    });
    admin = new KubeApi(adminCluster.client());
    const api = admin;
    await waitUntil(
      "the Cluster CRD served on kaika-1",
      () =>
        api.mapper.mapping(Cluster).then(
          () => true,
          () => undefined,
        ),
      () => `see ${logFile}`,
      60_000,
    );
    await sleep(2000);
    result.rssStart = controller.rssMiB();
    log(`n=${n}: kaika run ready (node pid ${controller.pid}), RSS ${result.rssStart.toFixed(0)} MiB; log ${logFile}`);

    // Register every cluster the way `kaika cluster add` does: a kubeconfig Secret and a Cluster.
    t = performance.now();
    await ensureNamespace(api, system);
    await api.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: hookSecret, namespace: system },
      stringData: { token },
    });
    await eachLimited(fleet.clusters, 8, async (c) => {
      await api.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: secretOf(c.name), namespace: system, labels: { "kaika.dev/cluster": c.name } },
        type: "Opaque",
        stringData: { kubeconfig: c.kubeconfig },
      });
      await api.create({
        apiVersion: "kaika.dev/v1alpha1",
        kind: "Cluster",
        metadata: { name: c.name, namespace: system, labels: { "kaika.dev/cluster": c.name } },
        spec: { kubeconfigSecretRef: { name: secretOf(c.name) } },
      });
    });
    let clusters: KubeObject[] = [];
    const reachable = (o: KubeObject): boolean => (o.status as { reachable?: boolean } | undefined)?.reachable === true;
    await waitUntil(
      `${n} Clusters reachable`,
      async () => {
        clusters = (await api.list(Cluster, { namespace: system })).items;
        return clusters.length === n && clusters.every(reachable) ? true : undefined;
      },
      () => `${clusters.filter(reachable).length} of ${clusters.length} reachable; see ${logFile}`,
      60_000 + n * 5000,
    );
    result.registeredS = (performance.now() - t) / 1000;
    await sleep(3000);
    result.rssBeforeSync = controller.rssMiB();
    const cpu0 = controller.cpuSeconds();
    log(
      `n=${n}: ${n} clusters registered and reachable in ${result.registeredS.toFixed(1)} s; ` +
        `RSS ${result.rssBeforeSync.toFixed(0)} MiB`,
    );

    // First rollout: the clock starts as the GitSource and the Sync are created.
    const t0 = performance.now();
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "fleet", namespace: system },
      spec: { url: repo.url, interval: "10m", ref: { branch: "main" }, webhook: { secretRef: { name: hookSecret } } },
    });
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "shop", namespace: system },
      spec: { sourceRef: { name: "fleet" }, path, interval: "10m", timeout: "5m", targets: [{ clusterSelector: {} }] },
    });
    result.rollout = await waitRolledOut(api, n, first, t0, logFile);
    log(
      `n=${n}: first rollout: all ${n} clusters applied and healthy in ${result.rollout.all.toFixed(1)} s ` +
        `(first cluster ${result.rollout.first.toFixed(1)} s, median ${result.rollout.median.toFixed(1)} s)`,
    );
    await verifyLastCluster(fleet, "1");

    // One ConfigMap changed: the clock starts at the push webhook (the commit is already pushed).
    await sleep(2000);
    const second = await repo.commit(changedConfigMap(0, "2"), "svc-00: CONFIG_REV 2");
    const t1 = performance.now();
    await controller.pushWebhook(system, "fleet", token);
    result.change = await waitRolledOut(api, n, second, t1, logFile);
    log(
      `n=${n}: one-ConfigMap change: all ${n} clusters applied in ${result.change.all.toFixed(1)} s ` +
        `(first cluster ${result.change.first.toFixed(1)} s, median ${result.change.median.toFixed(1)} s)`,
    );
    await verifyLastCluster(fleet, "2");

    await sleep(3000);
    result.rssEnd = controller.rssMiB();
    result.rssPeak = controller.peakMiB();
    result.cpuS = controller.cpuSeconds() - cpu0;
    log(
      `n=${n}: controller RSS ${result.rssEnd.toFixed(0)} MiB (peak ${result.rssPeak.toFixed(0)}); ${result.cpuS.toFixed(1)} CPU s since the Sync`,
    );
  } finally {
    await controller?.stop().catch((e: Error) => log(`n=${n}: stopping kaika run: ${e.message}`));
    await admin?.close();
    await repo?.close();
    process.removeListener("exit", stopRepo);
    for (const s of ["SIGINT", "SIGTERM"] as const) process.removeListener(s, stopRepo);
    await fleet?.stop().catch((e: Error) => log(`n=${n}: stopping the fleet: ${e.message}`));
    rmSync(data, { recursive: true, force: true });
  }
}

await ensureBinaries();
console.log(
  `fleet benchmark: sizes ${sizes.join(", ")}; ${objectCount} objects + Namespace per cluster; ` +
    `kaika run --fleet-concurrency=${fleetConcurrency ?? "default (8)"}; ${readFileSync("/proc/loadavg", "utf8").trim()} load`,
);
const results: SizeResult[] = [];
for (const n of sizes) {
  const result: SizeResult = { n };
  results.push(result);
  const started = performance.now();
  try {
    await benchSize(n, result);
    log(`n=${n}: done in ${seconds(performance.now() - started)} s`);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    result.skipped = error instanceof Skipped;
    log(
      `n=${n}: ${result.skipped ? "SKIPPED" : "FAILED"} after ${seconds(performance.now() - started)} s: ${result.error}`,
    );
  }
}

const f = (x: number | undefined, digits = 1): string => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits));
const header = [
  "clusters",
  "rollout s",
  "1st/med s",
  "change s",
  "1st/med s",
  "RSS start",
  "RSS pre-Sync",
  "RSS end",
  "peak",
  "Δ/cluster",
  "CPU s",
];
const rows = results.map((r) => [
  String(r.n),
  `${f(r.rollout?.all)}${r.rollout?.halts.length ? "*" : ""}`,
  r.rollout ? `${f(r.rollout.first)}/${f(r.rollout.median)}` : "-",
  `${f(r.change?.all)}${r.change?.halts.length ? "*" : ""}`,
  r.change ? `${f(r.change.first)}/${f(r.change.median)}` : "-",
  f(r.rssStart, 0),
  f(r.rssBeforeSync, 0),
  f(r.rssEnd, 0),
  f(r.rssPeak, 0),
  r.rssEnd !== undefined && r.rssBeforeSync !== undefined ? f((r.rssEnd - r.rssBeforeSync) / r.n, 2) : "-",
  f(r.cpuS),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
const line = (cells: readonly string[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
console.log();
console.log(
  `Fleet rollout: one commit of ${objectCount} objects (${services} × Deployment [1 replica], Service, ConfigMap, ` +
    "ServiceAccount, PDB) + Namespace, one Sync targeting every Cluster, no waves; local clusters with one kwok node.",
);
console.log(
  "rollout s: GitSource + Sync created → every cluster Applied (healthy) at the commit and rollout Complete; " +
    "change s: push webhook of a one-ConfigMap commit → the same. 1st/med: first and median cluster. Sync polled every 250 ms.",
);
console.log(
  "RSS (MiB, VmRSS of kaika run's node process): right after start, after registering all clusters (before the Sync), " +
    "at the end, and its peak (VmHWM); Δ/cluster = (end − pre-Sync) / clusters. CPU s: controller CPU from the Sync's creation to the end.",
);
console.log();
console.log(line(header));
for (const row of rows) console.log(line(row));
for (const r of results) if (r.error) console.log(`  ${r.n} clusters: ${r.error}`);
for (const r of results) {
  for (const [what, t] of [
    ["first rollout", r.rollout],
    ["change", r.change],
  ] as const) {
    for (const halt of t?.halts ?? [])
      console.log(`  * ${r.n} clusters, ${what}: halted on the way (kaika retried): ${halt}`);
  }
}
for (const r of results) {
  if (r.rssEnd !== undefined && r.rssStart !== undefined) {
    console.log(
      `  ${r.n} clusters: fleet started in ${f(r.fleetStartS)} s, registered in ${f(r.registeredS)} s; ` +
        `controller RSS per cluster incl. its connection = (end − start) / clusters = ${f((r.rssEnd - r.rssStart) / r.n, 2)} MiB`,
    );
  }
}
const measured = results.filter((r) => r.rssEnd !== undefined);
const [small, large] = [measured[0], measured[measured.length - 1]];
if (small && large && large.n > small.n) {
  const slope = (a: number | undefined, b: number | undefined): string =>
    f(((b as number) - (a as number)) / (large.n - small.n), 2);
  console.log(
    `  marginal controller memory per cluster from ${small.n} to ${large.n} clusters: ` +
      `${slope(small.rssEnd, large.rssEnd)} MiB by end RSS, ${slope(small.rssPeak, large.rssPeak)} MiB by peak ` +
      "(the Δ/cluster column also carries the per-Sync cost: artifact, rendering, caches)",
  );
}
console.log("Figures are noisy: other work shares this machine's 2 cores, and RSS moves with V8's garbage collection.");
if (results.some((r) => r.error && !r.skipped)) process.exitCode = 1;
