/**
 * kaika and Flux side by side, in one run: the same local apiserver, the same git repository (served
 * over smart HTTP), the same content (a Namespace and N ConfigMaps of ~200 bytes, 100 per file, each
 * tool in its own folder and namespace). kaika runs first (`bin/kaika run`), then Flux's
 * source-controller and kustomize-controller (built from the Go module proxy by bench/flux/build.ts),
 * one at a time so neither competes with the other for the two cores.
 *
 * Per size: push → applied for the first apply and for a one-object change (kaika told by its push
 * webhook, Flux by reconcile.fluxcd.io/requestedAt on the GitRepository, as its Receiver does), the
 * API writes of a no-op resync (from the apiserver's apiserver_request_total), controller RSS; at the
 * first size, drift revert latency. Prints figures and kaika/Flux ratios; asserts nothing.
 *
 * Usage: node bench/flux.ts [--quick]   (--quick: 1,000 objects only)
 * Env: BENCH_FLUX_SIZES ("1000,10000"), BENCH_DRIFT_TRIALS (kaika, 10), FLUX_DRIFT_TRIALS (3),
 *      FLUX_DRIFT_INTERVAL ("1m"), BENCH_TIMEOUT_S (1800, per wait), FLUX_KUBE_API_QPS/BURST,
 *      BENCH_FLUX_TOOLS ("kaika,flux": which to run).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { KubeApi } from "../src/kube/api.ts";
import { gvk } from "../src/kube/types.ts";
import { startFleet } from "../src/localfleet/index.ts";
import { createRepo, type TestRepo } from "../test/support/git.ts";
import { ensureFluxBinaries } from "./flux/build.ts";
import { FluxRun, installFluxCrds } from "./flux/flux-run.ts";
import { type GitHttpServer, serveGitHttp } from "./flux/git-http.ts";
import { changedFile, configMapName, initialFiles, namespaceOf } from "./flux/manifests.ts";
import { FluxSubject, KaikaSubject, type Subject, until } from "./flux/subjects.ts";
import { describeSeries, isWrite, type RequestSeries, requestCounts, requestDelta } from "./sync/apiserver.ts";
import { KaikaRun } from "./sync/controller.ts";

const quick = process.argv.includes("--quick");
const sizes = quick ? [1000] : (process.env.BENCH_FLUX_SIZES ?? "1000,10000").split(",").map((s) => Number(s.trim()));
const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;
const kaikaDriftTrials = Number(process.env.BENCH_DRIFT_TRIALS ?? 10);
const fluxDriftTrials = Number(process.env.FLUX_DRIFT_TRIALS ?? 3);
const fluxDriftInterval = process.env.FLUX_DRIFT_INTERVAL ?? "1m";
const driftSize = sizes[0] ?? 0;
const tools = new Set((process.env.BENCH_FLUX_TOOLS ?? "kaika,flux").split(",").map((s) => s.trim()));
const ConfigMap = gvk("v1", "ConfigMap");

const log = (line: string): void => console.log(`[${(performance.now() / 1000).toFixed(1)}s] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: readonly number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};
/** "30s", "1m", "1m30s" → ms. */
const durationMs = (d: string): number =>
  [...d.matchAll(/(\d+)(h|m|s)/g)].reduce(
    (sum, [, v, u]) => sum + Number(v) * (u === "h" ? 3_600_000 : u === "m" ? 60_000 : 1000),
    0,
  );

/**
 * Requests that are the tools' own bookkeeping or the cluster's, not applying the set: the tools' own
 * custom resources (status, annotations), Events, Leases and Nodes (kwok heartbeats).
 */
function excluded(s: RequestSeries): boolean {
  const [group, resource] = s.resource.split("/");
  if (group === "kaika.dev" || group?.endsWith(".toolkit.fluxcd.io")) return true;
  return resource === "events" || resource === "leases" || resource === "nodes";
}
const counted = (rs: readonly RequestSeries[]): RequestSeries[] => rs.filter((s) => !excluded(s));
const total = (rs: readonly RequestSeries[], f: (s: RequestSeries) => boolean = () => true): number =>
  counted(rs)
    .filter(f)
    .reduce((sum, s) => sum + s.count, 0);
const writes = (rs: readonly RequestSeries[]): number => total(rs, (s) => isWrite(s) && !s.dryRun);
const dryRuns = (rs: readonly RequestSeries[]): number => total(rs, (s) => s.dryRun);

/** One push or resync: latency, reconciles until idle, what the apiserver counted. */
interface Phase {
  ms: number;
  reconciles: number;
  requests: RequestSeries[];
}

interface SizeFigures {
  initial?: Phase;
  change?: Phase;
  noop?: Phase;
  rss?: number;
}

interface ToolFigures {
  readonly subject: Subject;
  readonly sizes: Map<number, SizeFigures>;
  drift: number[];
  driftMode: string;
  startRss: number;
  /** 1-minute load average (other work on the machine included) at start and end of the tool's run. */
  load: number[];
  error?: string;
}

const fleet = await startFleet({ clusters: 1 });
const cluster = fleet.clusters[0];
if (!cluster) throw new Error("no cluster");
let admin = new KubeApi(cluster.client());
const work = mkdtempSync(join(tmpdir(), "kaika-bench-flux-"));
const logDir = join(tmpdir(), `kaika-bench-flux-${Date.now()}`);
mkdirSync(logDir, { recursive: true });
let repo: TestRepo | undefined;
let http: GitHttpServer | undefined;
const cleanup = (): void => {
  void http?.close();
  void repo?.close();
};
for (const s of ["SIGINT", "SIGTERM"] as const) process.once(s, cleanup);
process.once("exit", cleanup);

/** Runs `act` (which returns when it started the clock), waits for `done`, then for the tool to go idle. */
async function measure(
  subject: Subject,
  act: () => Promise<number>,
  done: () => Promise<boolean>,
  what: string,
): Promise<Phase> {
  const rec0 = await subject.reconciles();
  const r0 = await requestCounts(cluster!.client());
  const t0 = await act();
  await until(done, timeoutMs, `${subject.label}: ${what}`);
  const ms = performance.now() - t0;
  await subject.waitQuiet(timeoutMs);
  const r1 = await requestCounts(cluster!.client());
  return { ms, reconciles: (await subject.reconciles()) - rec0, requests: requestDelta(r0, r1) };
}

const requestLine = (rs: readonly RequestSeries[]): string =>
  counted(rs).slice(0, 6).map(describeSeries).join(", ") || "none";

async function benchSize(subject: Subject, n: number, figures: ToolFigures): Promise<void> {
  const out: SizeFigures = {};
  figures.sizes.set(n, out);
  const tool = subject.tool;
  const tag = `${subject.label} n=${n}`;
  await subject.prepare(n);

  let t = performance.now();
  const first = await repo!.commit(initialFiles(tool, n), `${tool}: add ${n} ConfigMaps`);
  log(`${tag}: pushed ${Math.ceil(n / 100)} files in ${((performance.now() - t) / 1000).toFixed(1)} s; notifying`);
  out.initial = await measure(
    subject,
    () => subject.notify(n),
    () => subject.applied(n, first),
    "first apply",
  );
  log(
    `${tag}: first apply ${(out.initial.ms / 1000).toFixed(2)} s, ${out.initial.reconciles} reconciles until idle; ` +
      `requests: ${requestLine(out.initial.requests)}`,
  );

  t = performance.now();
  const second = await repo!.commit(changedFile(tool, n, 0, "1"), `${tool}: change ${configMapName(0)}`);
  out.change = await measure(
    subject,
    () => subject.notify(n),
    () => subject.applied(n, second),
    "one-object change",
  );
  log(
    `${tag}: one-object change ${(out.change.ms / 1000).toFixed(2)} s, ${out.change.reconciles} reconciles; ` +
      `requests: ${requestLine(out.change.requests)}`,
  );

  let handled: () => Promise<boolean> = async () => false;
  out.noop = await measure(
    subject,
    async () => {
      const t0 = performance.now();
      handled = await subject.resync(n);
      return t0;
    },
    () => handled(),
    "no-op resync",
  );
  log(
    `${tag}: no-op resync ${(out.noop.ms / 1000).toFixed(2)} s, ${out.noop.reconciles} reconciles; ` +
      `writes ${writes(out.noop.requests)}, dry runs ${dryRuns(out.noop.requests)}`,
  );
  for (const s of out.noop.requests) console.log(`    ${describeSeries(s)}${excluded(s) ? "   [excluded]" : ""}`);

  if (n === driftSize) await benchDrift(subject, n, figures);
  out.rss = subject.rss();
  log(`${tag}: RSS ${out.rss.toFixed(0)} MiB`);
}

/** Changes one ConfigMap by hand and times until its value is back; Flux first waits a random part of its interval. */
async function benchDrift(subject: Subject, n: number, figures: ToolFigures): Promise<void> {
  const flux = subject.tool === "flux";
  const trials = flux ? fluxDriftTrials : kaikaDriftTrials;
  figures.driftMode = await subject.driftMode(n, true);
  await subject.waitQuiet(timeoutMs);
  const ns = namespaceOf(subject.tool, n);
  for (let i = 0; i < trials; i++) {
    await subject.waitQuiet(timeoutMs, 500);
    // A drift lands at a random point of Flux's interval, not right after its last reconcile.
    if (flux) await sleep(Math.random() * durationMs(fluxDriftInterval));
    const cm = configMapName((i * 7) % n);
    const live = await admin.get(ConfigMap, cm, ns);
    const expected = (live.data as Record<string, string>).rev;
    const t0 = performance.now();
    await admin.patch(ConfigMap, cm, ns, { data: { rev: `drift-${i}` } });
    await until(
      async () => ((await admin.get(ConfigMap, cm, ns)).data as Record<string, string>).rev === expected,
      timeoutMs,
      `${subject.label}: drift on ${cm} reverted`,
      50,
    );
    figures.drift.push(performance.now() - t0);
    log(`${subject.label} n=${n}: drift ${i + 1}/${trials} reverted in ${(figures.drift.at(-1)! / 1000).toFixed(2)} s`);
  }
  await subject.driftMode(n, false);
  await subject.waitQuiet(timeoutMs);
}

async function benchTool(start: () => Promise<Subject>): Promise<ToolFigures | undefined> {
  let subject: Subject;
  try {
    subject = await start();
  } catch (error) {
    log(`could not start: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  await sleep(2000);
  const figures: ToolFigures = {
    subject,
    sizes: new Map(),
    drift: [],
    driftMode: "",
    startRss: subject.rss(),
    load: [loadavg()[0] ?? 0],
  };
  log(`${subject.label} running (pids ${subject.pids().join(", ")}), RSS ${figures.startRss.toFixed(0)} MiB`);
  try {
    for (const n of sizes) {
      const started = performance.now();
      await benchSize(subject, n, figures);
      log(`${subject.label} n=${n}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  } catch (error) {
    figures.error = error instanceof Error ? error.message : String(error);
    log(`${subject.label}: FAILED: ${figures.error}`);
  } finally {
    figures.load.push(loadavg()[0] ?? 0);
    await subject.stop();
  }
  return figures;
}

function printTable(kaika: ToolFigures | undefined, flux: ToolFigures | undefined): void {
  const rows: [string, (f: ToolFigures) => number | undefined, number][] = [];
  for (const n of sizes) {
    const at = (f: ToolFigures) => f.sizes.get(n);
    rows.push([`first apply, ${n} objects: push → applied (s)`, (f) => sec(at(f)?.initial?.ms), 2]);
    rows.push([`one-object change at ${n}: push → applied (s)`, (f) => sec(at(f)?.change?.ms), 2]);
    rows.push([`  API requests meanwhile (all clients)`, (f) => optional(at(f)?.change, (p) => total(p.requests)), 0]);
    rows.push([`no-op resync at ${n}: API writes`, (f) => optional(at(f)?.noop, (p) => writes(p.requests)), 0]);
    rows.push([`  dry runs`, (f) => optional(at(f)?.noop, (p) => dryRuns(p.requests)), 0]);
    rows.push([`  time (s)`, (f) => sec(at(f)?.noop?.ms), 2]);
    rows.push([`controller RSS after ${n} (MiB)`, (f) => at(f)?.rss, 0]);
  }
  rows.push([
    `drift revert at ${driftSize}: p50 (s)`,
    (f) => sec(f.drift.length ? quantile(f.drift, 0.5) : undefined),
    2,
  ]);
  rows.push([`  max (s)`, (f) => sec(f.drift.length ? Math.max(...f.drift) : undefined), 2]);
  const fmt = (x: number | undefined, d: number): string => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(d));
  const widths = [48, 10, 10, 11];
  const pad = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 8) : c.padStart(widths[i] ?? 8))).join("  ");
  console.log();
  console.log(
    `kaika and Flux side by side: 1 local apiserver (kube-apiserver + etcd, kwok nodes), one git repository over ` +
      `smart HTTP, ${cpus().length} cores shared, tools run one after the other.`,
  );
  for (const f of [kaika, flux]) for (const note of f?.subject.notes ?? []) console.log(`  ${note}`);
  console.log();
  console.log(pad(["", "kaika", flux?.subject.label ?? "Flux", "kaika/Flux"]));
  for (const [label, get, digits] of rows) {
    const k = kaika ? get(kaika) : undefined;
    const x = flux ? get(flux) : undefined;
    const ratio = k !== undefined && x !== undefined && x > 0 ? (k / x).toFixed(2) : "-";
    console.log(pad([label, fmt(k, digits), fmt(x, digits), ratio]));
  }
  console.log();
  console.log(
    "push → applied: from sending the webhook / annotation until the Sync / Kustomization is Ready at that commit " +
      "(polled every 100 ms).",
  );
  console.log(
    "API writes: non-dry-run POST/PUT/PATCH/APPLY/DELETE counted by apiserver_request_total during the no-op resync, " +
      "excluding the tools' own custom resources (status), Events, Leases and Nodes.",
  );
  console.log(
    `RSS: VmRSS of kaika's one process; of source-controller + kustomize-controller for Flux (sizes run in turn, so ` +
      `the figure after ${sizes.at(-1)} includes the sets before it).`,
  );
  for (const f of [kaika, flux]) {
    if (!f) continue;
    if (f.drift.length)
      console.log(
        `Drift (${f.subject.label}): ${f.driftMode}; ${f.drift.length} trials: ${f.drift.map((d) => (d / 1000).toFixed(2)).join(", ")} s`,
      );
    console.log(
      `${f.subject.label}: 1-min load average ${f.load.map((l) => l.toFixed(1)).join(" at start, ")} at end ` +
        `(${cpus().length} cores; other work on the machine counts too)`,
    );
    if (f.error) console.log(`${f.subject.label} FAILED: ${f.error}`);
  }
  console.log(`Logs: ${logDir}`);
}
const sec = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);
const optional = <T>(x: T | undefined, f: (x: T) => number): number | undefined => (x === undefined ? undefined : f(x));

try {
  let t = performance.now();
  const binaries = tools.has("flux") ? await ensureFluxBinaries(log) : undefined;
  if (binaries) {
    const built = Object.entries(binaries.buildSeconds)
      .map(([name, s]) => `${name} ${s ? `built in ${s.toFixed(0)} s` : "cached"}`)
      .join(", ");
    log(`Flux ${binaries.version}: ${built} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }

  repo = await createRepo();
  await repo.commit({ "README.md": "kaika and Flux side-by-side benchmark\n" });
  http = await serveGitHttp(repo.dir);
  const url = `${http.baseUrl}fleet.git`;
  log(`fleet ready; repository at ${url}; sizes ${sizes.join(", ")}; logs in ${logDir}`);

  const kaika = !tools.has("kaika")
    ? undefined
    : await benchTool(async () => {
        t = performance.now();
        const run = await KaikaRun.start(cluster.kubeconfigPath, join(work, "kaika"), join(logDir, "kaika.log"));
        log(`kaika run ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
        return KaikaSubject.start(run, admin, url);
      });

  const flux = !binaries
    ? undefined
    : await benchTool(async () => {
        t = performance.now();
        const crds = await installFluxCrds(admin, binaries.crds);
        // A fresh client, so its discovery sees the new kinds.
        await admin.close();
        admin = new KubeApi(cluster.client());
        const run = await FluxRun.start(binaries, cluster.kubeconfigPath, join(work, "flux"), logDir);
        log(
          `Flux: ${crds.length} CRDs installed, controllers ready in ${((performance.now() - t) / 1000).toFixed(1)} s`,
        );
        return FluxSubject.start(run, admin, url, binaries.version, fluxDriftInterval);
      });

  printTable(kaika, flux);
} finally {
  await admin.close();
  await http?.close();
  await repo?.close();
  await fleet.stop();
  rmSync(work, { recursive: true, force: true });
}
