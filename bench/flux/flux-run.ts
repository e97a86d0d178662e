/**
 * Flux's source-controller and kustomize-controller as local processes against a local apiserver:
 * install their CRDs, start both (flags as shipped, except addresses), read their metrics and
 * memory, stop them.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeApi } from "../../src/kube/api.ts";
import { gvk, type KubeObject } from "../../src/kube/types.ts";
import { freePort } from "../../src/localfleet/ports.ts";
import { type ManagedProcess, startProcess } from "../../src/localfleet/process.ts";
import { memoryMiB } from "../sync/controller.ts";
import { parseProm, type Sample, sum } from "../sync/prom.ts";
import type { FluxBinaries } from "./build.ts";

export const fluxNamespace = "flux-system";
export const GitRepository = gvk("source.toolkit.fluxcd.io/v1", "GitRepository");
export const Kustomization = gvk("kustomize.toolkit.fluxcd.io/v1", "Kustomization");
const CustomResourceDefinition = gvk("apiextensions.k8s.io/v1", "CustomResourceDefinition");

type Condition = { type: string; status: string };

/** Applies the controllers' CRDs (server-side) and waits until every one is Established. */
export async function installFluxCrds(api: KubeApi, files: readonly string[], timeoutMs = 60_000): Promise<string[]> {
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      const crd = doc.toJS() as KubeObject | null;
      if (!crd?.kind) continue;
      await api.apply(crd, { fieldManager: "bench-flux", force: true });
      names.push(crd.metadata.name ?? "");
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.get<KubeObject & { status?: { conditions?: Condition[] } }>(CustomResourceDefinition, name);
      if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return names;
}

/** One controller process and its metrics/health addresses. */
interface Controller {
  readonly process: ManagedProcess;
  readonly metrics: string;
  readonly health: string;
}

/** What the kustomization controller's metrics say at one moment (controller-runtime's names). */
export interface ReconcileMetrics {
  readonly reconciles: number;
  readonly depth: number;
  readonly active: number;
}

/** The two Flux controllers, running. */
export class FluxRun {
  readonly source: Controller;
  readonly kustomize: Controller;
  /** The flags that shape throughput, as passed (or the controllers' defaults, named). */
  readonly settings: string;

  private constructor(source: Controller, kustomize: Controller, settings: string) {
    this.source = source;
    this.kustomize = kustomize;
    this.settings = settings;
  }

  /**
   * Starts both controllers with `kubeconfig` (admin), watching all namespaces, no leader election
   * (the default), artifacts stored under `dir` and served on loopback; logs go to `logDir`.
   * FLUX_KUBE_API_QPS / FLUX_KUBE_API_BURST override the client rate limit (defaults 50 / 300).
   */
  static async start(binaries: FluxBinaries, kubeconfig: string, dir: string, logDir: string): Promise<FluxRun> {
    mkdirSync(join(dir, "storage"), { recursive: true });
    const env = { ...process.env, KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: fluxNamespace };
    const clientFlags: string[] = [];
    if (process.env.FLUX_KUBE_API_QPS) clientFlags.push(`--kube-api-qps=${process.env.FLUX_KUBE_API_QPS}`);
    if (process.env.FLUX_KUBE_API_BURST) clientFlags.push(`--kube-api-burst=${process.env.FLUX_KUBE_API_BURST}`);
    const [sm, sh, storage, km, kh] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const source: Controller = {
      process: startProcess({
        name: "source-controller",
        command: binaries.sourceController,
        args: [
          `--metrics-addr=127.0.0.1:${sm}`,
          `--health-addr=127.0.0.1:${sh}`,
          `--storage-path=${join(dir, "storage")}`,
          `--storage-addr=127.0.0.1:${storage}`,
          `--storage-adv-addr=127.0.0.1:${storage}`,
          ...clientFlags,
        ],
        logFile: join(logDir, "source-controller.log"),
        env,
      }),
      metrics: `127.0.0.1:${sm}`,
      health: `127.0.0.1:${sh}`,
    };
    const kustomize: Controller = {
      process: startProcess({
        name: "kustomize-controller",
        command: binaries.kustomizeController,
        args: [`--metrics-addr=127.0.0.1:${km}`, `--health-addr=127.0.0.1:${kh}`, ...clientFlags],
        logFile: join(logDir, "kustomize-controller.log"),
        env,
      }),
      metrics: `127.0.0.1:${km}`,
      health: `127.0.0.1:${kh}`,
    };
    const settings = [
      `--kube-api-qps=${process.env.FLUX_KUBE_API_QPS ?? "50 (default)"}`,
      `--kube-api-burst=${process.env.FLUX_KUBE_API_BURST ?? "300 (default)"}`,
      "kustomize-controller --concurrent=4 --concurrent-ssa=4 (defaults)",
    ].join(", ");
    const run = new FluxRun(source, kustomize, settings);
    try {
      await Promise.all([waitReady(source), waitReady(kustomize)]);
    } catch (error) {
      await run.stop();
      throw error;
    }
    return run;
  }

  pids(): number[] {
    return [this.source.process.pid, this.kustomize.process.pid];
  }

  /** VmRSS of each controller and their sum, in MiB. */
  memory(): { source: number; kustomize: number; total: number } {
    const source = memoryMiB(this.source.process.pid).rss;
    const kustomize = memoryMiB(this.kustomize.process.pid).rss;
    return { source, kustomize, total: source + kustomize };
  }

  async scrape(which: "source" | "kustomize"): Promise<Sample[]> {
    const res = await fetch(`http://${this[which].metrics}/metrics`);
    return parseProm(await res.text());
  }

  /** Reconciles of both controllers' GitRepository and Kustomization loops, queue depth, busy workers. */
  async metrics(): Promise<ReconcileMetrics & { sourceReconciles: number }> {
    const [s, k] = await Promise.all([this.scrape("source"), this.scrape("kustomize")]);
    return {
      reconciles: sum(k, "controller_runtime_reconcile_total", { controller: "kustomization" }),
      sourceReconciles: sum(s, "controller_runtime_reconcile_total", { controller: "gitrepository" }),
      depth:
        sum(k, "workqueue_depth", { name: "kustomization" }) + sum(s, "workqueue_depth", { name: "gitrepository" }),
      active:
        sum(k, "controller_runtime_active_workers", { controller: "kustomization" }) +
        sum(s, "controller_runtime_active_workers", { controller: "gitrepository" }),
    };
  }

  /** Waits until neither controller has queued or running work and no reconcile started for `quietMs`. */
  async waitQuiet(timeoutMs: number, quietMs = 1500): Promise<ReconcileMetrics & { sourceReconciles: number }> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.metrics();
    let since = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const now = await this.metrics();
      const moved = now.reconciles !== last.reconciles || now.sourceReconciles !== last.sourceReconciles;
      if (moved || now.depth > 0 || now.active > 0) since = Date.now();
      last = now;
      if (Date.now() - since >= quietMs) return now;
      if (Date.now() > deadline) throw new Error(`Flux controllers not idle within ${timeoutMs} ms`);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.source.process.stop(10_000), this.kustomize.process.stop(10_000)]);
  }
}

async function waitReady(c: Controller, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!c.process.running) throw new Error(`${c.process.name} exited during start; see ${c.process.logFile}`);
    const ok = await fetch(`http://${c.health}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${c.process.name} not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
