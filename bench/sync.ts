/**
 * The Sync controller end to end (`bin/kaika run` against a local cluster and a git daemon): commit-to-applied
 * latency after a signed push webhook for N ConfigMaps (initial apply, then a one-object change), API writes on
 * a no-op resync (from the apiserver's own apiserver_request_total), the dry runs and writes of the one-object
 * change, drift revert latency, and the controller's RSS. Prints figures; asserts nothing.
 * Then the apiserver's own server-side-apply limit (bench/ssa-limit.ts) for as many fresh objects as the largest size,
 * against the same apiserver, so the first apply prints as a share of it.
 * Env: BENCH_SIZES ("10,100,1000,10000"), BENCH_DRIFT_TRIALS (30), BENCH_DRIFT_SIZE (the largest size),
 * BENCH_TIMEOUT_S (600, per wait), BENCH_SSA_LIMIT (1; 0 skips the limit).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { startFleet } from "../src/localfleet/index.ts";
import { createRepo, type TestRepo } from "../test/support/git.ts";
import { measureSsaLimit, type SsaLimit } from "./ssa-limit.ts";
import {
  describeSeries,
  excludedReason,
  isWrite,
  type RequestSeries,
  requestCounts,
  requestDelta,
} from "./sync/apiserver.ts";
import { KaikaRun, memoryMiB, type SyncMetrics } from "./sync/controller.ts";
import { changedFile, configMapName, initialFiles, namespaceOf, pathOf } from "./sync/manifests.ts";

const sizes = (process.env.BENCH_SIZES ?? "10,100,1000,10000").split(",").map((s) => Number(s.trim()));
const driftTrials = Number(process.env.BENCH_DRIFT_TRIALS ?? 30);
const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000;
const driftSize = Number(process.env.BENCH_DRIFT_SIZE ?? Math.max(...sizes));

const systemNamespace = "kaika-system";
const hookSecret = "bench-hook";
const token = "bench-t0ken";
const Sync = gvk("kaika.dev/v1alpha1", "Sync");
const ConfigMap = gvk("v1", "ConfigMap");
const Namespace = gvk("v1", "Namespace");

type Condition = { type: string; status: string; reason: string; message: string };
type SyncStatus = {
  conditions?: Condition[];
  lastAppliedRevision?: string;
  lastHandledReconcileAt?: string;
  summary?: { created: number; configured: number; unchanged: number; pruned: number; failed: number };
};
type SyncObject = KubeObject & { status?: SyncStatus };

const log = (line: string): void => console.log(`[${(performance.now() / 1000).toFixed(1)}s] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const readyOf = (s: SyncObject): Condition | undefined => s.status?.conditions?.find((c) => c.type === "Ready");
const syncName = (n: number): string => `n${n}`;
const quantile = (xs: readonly number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};

/** What one phase (a commit or a resync) cost. */
interface Phase {
  ms: number;
  reconciles: number;
  meanReconcileMs: number;
  requests: RequestSeries[];
}

interface SizeResult {
  readonly n: number;
  initial?: Phase & { summary: string };
  change?: Phase & { summary: string; dryRuns: number; writes: number };
  noop?: Phase & { writes: number; rewrittenObjects: number; rewrittenInventory: number };
  rss?: number;
  error?: string;
}

const fleet = await startFleet({ clusters: 1 });
const cluster = fleet.clusters[0];
if (!cluster) throw new Error("no cluster");
const admin = new KubeApi(cluster.client());
const work = mkdtempSync(join(tmpdir(), "kaika-bench-sync-"));
const logFile = join(tmpdir(), `kaika-bench-sync-${Date.now()}.log`);
let repo: TestRepo | undefined;
let kaika: KaikaRun | undefined;
// git daemon is a plain child of this process: stop it on SIGINT/SIGTERM too (the fleet stops its own).
const onSignal = (): void => {
  void repo?.close();
  for (const s of ["SIGINT", "SIGTERM"] as const) process.removeListener(s, onSignal);
};
for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, onSignal);
process.once("exit", () => void repo?.close());

const results: SizeResult[] = [];
let baseline = { rss: 0, peak: 0 };
const drift: number[] = [];
let driftReconciles = Number.NaN;

/** Polls the Sync every `pollMs` until `done`; resolves with it. */
async function waitSync(name: string, done: (s: SyncObject) => boolean, pollMs = 100): Promise<SyncObject> {
  const deadline = Date.now() + timeoutMs;
  let last: SyncObject | undefined;
  for (;;) {
    last = await admin.get<SyncObject>(Sync, name, systemNamespace);
    if (done(last)) return last;
    if (Date.now() > deadline) {
      const r = last ? readyOf(last) : undefined;
      throw new Error(
        `Sync ${name}: not done within ${timeoutMs / 1000} s; Ready: ${r?.status} ${r?.reason}: ${r?.message}`,
      );
    }
    await sleep(pollMs);
  }
}

/**
 * Runs `act` (which starts the clock by returning its start time) and waits for `done`, then for the
 * controller to go idle; returns the latency and what it cost in reconciles and apiserver requests.
 */
async function measure(
  run: KaikaRun,
  name: string,
  act: () => Promise<number>,
  done: (s: SyncObject) => boolean,
): Promise<Phase & { sync: SyncObject }> {
  const m0: SyncMetrics = await run.syncMetrics();
  const r0 = await requestCounts(cluster!.client());
  const t0 = await act();
  const sync = await waitSync(name, done);
  const ms = performance.now() - t0;
  const m1 = await run.waitQuiet(timeoutMs);
  const r1 = await requestCounts(cluster!.client());
  const count = m1.timeCount - m0.timeCount;
  return {
    ms,
    sync,
    reconciles: m1.reconciles - m0.reconciles,
    meanReconcileMs: count > 0 ? ((m1.timeSum - m0.timeSum) / count) * 1000 : Number.NaN,
    requests: requestDelta(r0, r1),
  };
}

const summaryOf = (s: SyncObject): string => {
  const x = s.status?.summary;
  return x ? `${x.created} created, ${x.configured} configured, ${x.unchanged} unchanged, ${x.pruned} pruned` : "?";
};
const kaikaRequests = (requests: readonly RequestSeries[]): RequestSeries[] =>
  requests.filter((s) => !excludedReason(s));
/** Dry-run, or real, writes the Sync made (its own status, Events, Leases and Nodes excluded). */
const writesOf = (requests: readonly RequestSeries[], dryRun: boolean): number =>
  kaikaRequests(requests)
    .filter((s) => isWrite(s) && s.dryRun === dryRun)
    .reduce((sum, s) => sum + s.count, 0);
const requestLine = (requests: readonly RequestSeries[]): string =>
  kaikaRequests(requests).slice(0, 8).map(describeSeries).join(", ") || "none";

/** resourceVersions of the set's ConfigMaps and Namespace, and of its inventory ConfigMaps. */
async function versions(n: number): Promise<{ objects: Map<string, string>; inventory: Map<string, string> }> {
  const objects = new Map<string, string>();
  const { items } = await admin.list(ConfigMap, {
    namespace: namespaceOf(n),
    labelSelector: `kaika.dev/sync-name=${syncName(n)}`,
  });
  for (const o of items) objects.set(`cm/${o.metadata.name}`, o.metadata.resourceVersion ?? "");
  const ns = await admin.get(Namespace, namespaceOf(n));
  objects.set(`ns/${ns.metadata.name}`, ns.metadata.resourceVersion ?? "");
  const inventory = new Map<string, string>();
  const inv = await admin.list(ConfigMap, {
    namespace: systemNamespace,
    labelSelector: `kaika.dev/inventory=sync-${syncName(n)}`,
  });
  for (const o of inv.items) inventory.set(o.metadata.name ?? "", o.metadata.resourceVersion ?? "");
  return { objects, inventory };
}

const changedCount = (a: Map<string, string>, b: Map<string, string>): number =>
  [...b].filter(([k, v]) => a.get(k) !== v).length + [...a.keys()].filter((k) => !b.has(k)).length;

async function benchSize(run: KaikaRun, repo: TestRepo, n: number, result: SizeResult): Promise<void> {
  const name = syncName(n);
  // Source and Sync first: the source fetches at once, the Sync finds no folder yet (RenderFailed) and waits.
  await admin.create({
    apiVersion: "kaika.dev/v1alpha1",
    kind: "GitSource",
    metadata: { name, namespace: systemNamespace },
    spec: { url: repo.url, interval: "1h", ref: { branch: "main" }, webhook: { secretRef: { name: hookSecret } } },
  });
  await admin.create({
    apiVersion: "kaika.dev/v1alpha1",
    kind: "Sync",
    metadata: { name, namespace: systemNamespace },
    spec: { sourceRef: { name }, path: pathOf(n), interval: "1h" },
  });
  await waitSync(name, (s) => readyOf(s) !== undefined);
  await run.waitQuiet(timeoutMs);

  // Initial apply: commit and push, then the webhook starts the clock.
  let t = performance.now();
  const first = await repo.commit(initialFiles(n), `add ${n} ConfigMaps`);
  log(`n=${n}: pushed ${Math.ceil(n / 100)} files in ${((performance.now() - t) / 1000).toFixed(1)} s; webhook`);
  const appliedAt = (commit: string) => (s: SyncObject) =>
    readyOf(s)?.status === "True" && (s.status?.lastAppliedRevision ?? "").endsWith(commit);
  const hook = async (): Promise<number> => {
    const t0 = performance.now();
    await run.pushWebhook(systemNamespace, name, token);
    return t0;
  };
  const initial = await measure(run, name, hook, appliedAt(first));
  result.initial = { ...initial, summary: summaryOf(initial.sync) };
  log(
    `n=${n}: initial apply ${(initial.ms / 1000).toFixed(2)} s (status when seen: ${result.initial.summary}); ` +
      `${initial.reconciles} reconciles until idle; requests: ${requestLine(initial.requests)}`,
  );

  // One object changed.
  t = performance.now();
  const second = await repo.commit(changedFile(n, 0, "1"), `change ${configMapName(0)}`);
  const change = await measure(run, name, hook, appliedAt(second));
  result.change = {
    ...change,
    summary: summaryOf(change.sync),
    dryRuns: writesOf(change.requests, true),
    writes: writesOf(change.requests, false),
  };
  log(
    `n=${n}: one-object change ${change.ms.toFixed(0)} ms (status when seen: ${result.change.summary}); ` +
      `${change.reconciles} reconciles until idle; requests: ${requestLine(change.requests)}`,
  );

  // No-op resync: same revision, reconcile requested by annotation.
  const before = await versions(n);
  const requestedAt = new Date().toISOString();
  const noop = await measure(
    run,
    name,
    async () => {
      const t0 = performance.now();
      await admin.patch(Sync, name, systemNamespace, {
        metadata: { annotations: { "kaika.dev/reconcile-requested-at": requestedAt } },
      });
      return t0;
    },
    (s) => s.status?.lastHandledReconcileAt === requestedAt,
  );
  const after = await versions(n);
  const writes = writesOf(noop.requests, false);
  result.noop = {
    ...noop,
    writes,
    rewrittenObjects: changedCount(before.objects, after.objects),
    rewrittenInventory: changedCount(before.inventory, after.inventory),
  };
  log(
    `n=${n}: no-op resync ${(noop.ms / 1000).toFixed(2)} s, ${noop.reconciles} reconciles; ` +
      `non-dry-run writes (excl. Sync status, Events, Leases, Nodes): ${writes}; ` +
      `resourceVersions changed: ${result.noop.rewrittenObjects}/${before.objects.size} objects, ` +
      `${result.noop.rewrittenInventory}/${before.inventory.size} inventory ConfigMaps`,
  );
  for (const s of noop.requests) {
    const excluded = excludedReason(s);
    console.log(`    ${describeSeries(s)}${excluded ? `   [excluded: ${excluded}]` : ""}`);
  }

  if (n === driftSize) {
    const m0 = await run.syncMetrics();
    for (let i = 0; i < driftTrials; i++) {
      await run.waitQuiet(timeoutMs, 500);
      const cm = configMapName((i * 7) % n);
      const live = await admin.get(ConfigMap, cm, namespaceOf(n));
      const expected = (live.data as Record<string, string>).rev;
      const t0 = performance.now();
      await admin.patch(ConfigMap, cm, namespaceOf(n), { data: { rev: `drift-${i}` } });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await admin.get(ConfigMap, cm, namespaceOf(n));
        if ((now.data as Record<string, string>).rev === expected) break;
        if (Date.now() > deadline) throw new Error(`drift on ${cm} not reverted within ${timeoutMs / 1000} s`);
        await sleep(20);
      }
      drift.push(performance.now() - t0);
    }
    const m1 = await run.waitQuiet(timeoutMs);
    driftReconciles = (m1.reconciles - m0.reconciles) / Math.max(1, drift.length);
    log(
      `n=${n}: drift revert over ${drift.length} trials: p50 ${quantile(drift, 0.5).toFixed(0)} ms, ` +
        `p99 ${quantile(drift, 0.99).toFixed(0)} ms, max ${Math.max(...drift).toFixed(0)} ms; ` +
        `${driftReconciles.toFixed(1)} Sync reconciles per trial`,
    );
  }
  if (process.env.BENCH_HEAP_SNAPSHOT) await heapSnapshot(run);
  result.rss = memoryMiB(run.pid).rss;
  const heap = await run.heapMiB();
  log(
    `n=${n}: controller RSS ${result.rss.toFixed(0)} MiB (V8 heap ${heap.used.toFixed(0)} MiB used of ${heap.total.toFixed(0)})`,
  );
}

/**
 * With BENCH_HEAP_SNAPSHOT=1 and NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 (inherited by kaika run), has kaika
 * write a heap snapshot (after a full GC) into this process's working directory, and waits until it is written.
 */
async function heapSnapshot(run: KaikaRun): Promise<void> {
  const before = new Set(readdirSync("."));
  process.kill(run.pid, "SIGUSR2");
  for (let last = -1; ; await sleep(2000)) {
    const file = readdirSync(".").find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    const size = file ? statSync(file).size : -1;
    if (file && size > 0 && size === last) return log(`heap snapshot: ${file} (${(size / 1048576).toFixed(0)} MiB)`);
    last = size;
  }
}

try {
  repo = await createRepo();
  await repo.commit({ "README.md": "kaika sync benchmark\n" });
  await repo.serve();
  const t0 = performance.now();
  kaika = await KaikaRun.start(cluster.kubeconfigPath, join(work, "data"), logFile);
  await sleep(2000);
  baseline = memoryMiB(kaika.pid);
  log(
    `fleet ready; kaika run (pid ${kaika.pid}, ${kaika.command()}) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
      `RSS ${baseline.rss.toFixed(0)} MiB; log ${logFile}; sizes ${sizes.join(", ")}`,
  );
  await admin.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: systemNamespace } }).catch(() => {});
  await admin.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: hookSecret, namespace: systemNamespace },
    stringData: { token },
  });

  for (const n of sizes) {
    const result: SizeResult = { n };
    results.push(result);
    const started = performance.now();
    try {
      await benchSize(kaika, repo, n, result);
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
      log(`n=${n}: FAILED after ${((performance.now() - started) / 1000).toFixed(0)} s: ${result.error}`);
      break;
    }
    log(`n=${n}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }

  const final = memoryMiB(kaika.pid);
  // The apiserver's limit, after kaika's runs so both see an etcd of the same size; kaika is idle meanwhile.
  const largest = results.filter((r) => r.initial).at(-1);
  let limit: SsaLimit | undefined;
  if (largest && largest.n >= 1000 && process.env.BENCH_SSA_LIMIT !== "0") {
    limit = await measureSsaLimit(admin, { objects: largest.n, log });
  }
  const widths = [8, 11, 8, 11, 8, 8, 8, 10, 8, 10, 12, 9];
  const pad = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 8) : c.padStart(widths[i] ?? 8))).join("  ");
  const f = (x: number | undefined, digits = 0): string =>
    x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits);
  console.log();
  console.log("Sync controller, 1 cluster, ConfigMaps of ~200 bytes in one namespace, 100 per file, git daemon.");
  console.log("Latencies run from sending the signed push webhook (or the reconcile annotation) until the Sync");
  console.log("reports Ready for that commit (polled every 100 ms); 'rec' = Sync reconciles until the controller was");
  console.log("idle (a reconcile's own writes come back as watch events and enqueue one more).");
  console.log();
  console.log(
    pad([
      "objects",
      "initial s",
      "rec",
      "change ms",
      "rec",
      "chg dry",
      "chg wr.",
      "no-op s",
      "rec",
      "no-op wr.",
      "rewritten",
      "RSS MiB",
    ]),
  );
  for (const r of results) {
    console.log(
      pad([
        String(r.n),
        f(r.initial && r.initial.ms / 1000, 2),
        f(r.initial?.reconciles),
        f(r.change?.ms),
        f(r.change?.reconciles),
        f(r.change?.dryRuns),
        f(r.change?.writes),
        f(r.noop && r.noop.ms / 1000, 2),
        f(r.noop?.reconciles),
        f(r.noop?.writes),
        r.noop ? `${r.noop.rewrittenObjects}+${r.noop.rewrittenInventory}` : "-",
        f(r.rss),
      ]),
    );
    if (r.error) console.log(`  ${r.n}: ${r.error}`);
  }
  console.log();
  console.log(
    "chg dry / chg wr. = dry-run / real writes the apiserver counted from the one-object change's webhook until idle",
  );
  console.log(
    "no-op wr. = non-dry-run POST/PUT/PATCH/APPLY/DELETE requests the apiserver counted during the no-op resync,",
  );
  console.log(
    "excluding the Sync's own status/annotation, Events, Leases and Nodes (kwok); 'rewritten' = objects + inventory",
  );
  console.log("ConfigMaps whose resourceVersion changed. RSS = VmRSS of the kaika run process after that size.");
  if (drift.length > 0) {
    console.log(
      `Drift revert (merge patch of one ConfigMap's data → value back, polled every 20 ms), n=${driftSize}, ` +
        `${drift.length} trials: p50 ${quantile(drift, 0.5).toFixed(0)} ms, p99 ${quantile(drift, 0.99).toFixed(0)} ms, ` +
        `max ${Math.max(...drift).toFixed(0)} ms; ${driftReconciles.toFixed(1)} Sync reconciles per trial`,
    );
  }
  console.log(
    `Controller RSS: ${baseline.rss.toFixed(0)} MiB right after start, ${final.rss.toFixed(0)} MiB at the end ` +
      `(peak ${final.peak.toFixed(0)} MiB) with ${results
        .filter((r) => r.initial)
        .reduce((sum, r) => sum + r.n + 1, 0)} managed objects.`,
  );
  if (limit && largest?.initial) {
    const kaikaRate = largest.n / (largest.initial.ms / 1000);
    console.log(
      `First apply of ${largest.n}: kaika ${(largest.initial.ms / 1000).toFixed(1)} s (${kaikaRate.toFixed(0)} objects/s, ` +
        `a dry run and an apply each); the apiserver's raw server-side-apply limit (bench/ssa-limit: apply only, ` +
        `concurrency ${limit.best.concurrency} of ${limit.ladder.map((r) => r.concurrency).join("/")}) ` +
        `${limit.best.seconds.toFixed(1)} s (${limit.best.rate.toFixed(0)}/s): kaika at ${((kaikaRate / limit.best.rate) * 100).toFixed(0)} % of it.`,
    );
  }
  console.log(`Controller log: ${logFile}`);
} finally {
  await kaika?.stop();
  await admin.close();
  await repo?.close();
  await fleet.stop();
  rmSync(work, { recursive: true, force: true });
}
