/** `bin/kaika run` as a child process: start, scrape its metrics, read its memory, send it webhooks, stop it. */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/localfleet/ports.ts";
import { type ManagedProcess, startProcess } from "../../src/localfleet/process.ts";
import { parseProm, type Sample, sum } from "./prom.ts";

const kaikaBin = fileURLToPath(new URL("../../bin/kaika", import.meta.url));

/** VmRSS and VmHWM (peak) of a process, in MiB; 0 when it is gone. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8").split("\n");
    const kib = (key: string): number => Number(status.find((l) => l.startsWith(key))?.split(/\s+/)[1] ?? 0);
    return { rss: kib("VmRSS:") / 1024, peak: kib("VmHWM:") / 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** What the Sync controller's metrics say at one moment. */
export interface SyncMetrics {
  readonly reconciles: number;
  readonly errors: number;
  readonly depth: number;
  readonly active: number;
  readonly timeSum: number;
  readonly timeCount: number;
}

/** A running `kaika run`. */
export class KaikaRun {
  readonly process: ManagedProcess;
  readonly metricsAddress: string;
  readonly healthAddress: string;
  readonly webhookAddress: string;

  private constructor(process: ManagedProcess, metrics: string, health: string, webhook: string) {
    this.process = process;
    this.metricsAddress = metrics;
    this.healthAddress = health;
    this.webhookAddress = webhook;
  }

  /**
   * Starts `bin/kaika run` (through setpriv --pdeathsig, so it dies with this process) logging to
   * `logFile`, and resolves once /readyz answers 200. bin/kaika execs node, so the pid is node's.
   */
  static async start(kubeconfig: string, dataDir: string, logFile: string): Promise<KaikaRun> {
    const [metrics, health, webhook] = await Promise.all([freePort(), freePort(), freePort()]);
    const process = startProcess({
      name: "kaika-run",
      command: kaikaBin,
      args: [
        "--kubeconfig",
        kubeconfig,
        "run",
        `--metrics-bind-address=127.0.0.1:${metrics}`,
        `--health-probe-bind-address=127.0.0.1:${health}`,
        `--webhook-bind-address=127.0.0.1:${webhook}`,
        `--data-dir=${dataDir}`,
      ],
      logFile,
    });
    const run = new KaikaRun(process, `127.0.0.1:${metrics}`, `127.0.0.1:${health}`, `127.0.0.1:${webhook}`);
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (!process.running) throw new Error(`kaika run exited during start; see ${logFile}`);
      const ok = await fetch(`http://${run.healthAddress}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return run;
      if (Date.now() > deadline) throw new Error(`kaika run not ready within 120 s; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  get pid(): number {
    return this.process.pid;
  }

  /** The command name of the pid (to check it is node, not bash or setpriv). */
  command(): string {
    try {
      return readFileSync(`/proc/${this.pid}/comm`, "utf8").trim();
    } catch {
      return "?";
    }
  }

  async scrape(): Promise<Sample[]> {
    const res = await fetch(`http://${this.metricsAddress}/metrics`);
    return parseProm(await res.text());
  }

  /** The V8 heap in use and its size, in MiB (prom-client's default process metrics). */
  async heapMiB(): Promise<{ used: number; total: number }> {
    const s = await this.scrape();
    return {
      used: sum(s, "nodejs_heap_size_used_bytes") / 1048576,
      total: sum(s, "nodejs_heap_size_total_bytes") / 1048576,
    };
  }

  async syncMetrics(): Promise<SyncMetrics> {
    const s = await this.scrape();
    return {
      reconciles: sum(s, "controller_runtime_reconcile_total", { controller: "sync" }),
      errors: sum(s, "controller_runtime_reconcile_errors_total", { controller: "sync" }),
      depth: sum(s, "workqueue_depth", { name: "sync" }),
      active: sum(s, "controller_runtime_active_workers", { controller: "sync" }),
      timeSum: sum(s, "controller_runtime_reconcile_time_seconds_sum", { controller: "sync" }),
      timeCount: sum(s, "controller_runtime_reconcile_time_seconds_count", { controller: "sync" }),
    };
  }

  /**
   * Waits until the Sync controller is idle: nothing queued, no worker busy and no new reconcile for
   * `quietMs` (watch events of its own writes arrive a little after a reconcile and enqueue one more).
   */
  async waitQuiet(timeoutMs: number, quietMs = 1500): Promise<SyncMetrics> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.syncMetrics();
    let since = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const now = await this.syncMetrics();
      if (now.reconciles !== last.reconciles || now.depth > 0 || now.active > 0) since = Date.now();
      last = now;
      if (Date.now() - since >= quietMs) return now;
      if (Date.now() > deadline) throw new Error(`sync controller not idle within ${timeoutMs} ms`);
    }
  }

  /** Sends a signed GitHub push webhook for GitSource namespace/name; throws unless 202. */
  async pushWebhook(namespace: string, name: string, token: string): Promise<void> {
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const signature = `sha256=${createHmac("sha256", token).update(body).digest("hex")}`;
    const res = await fetch(`http://${this.webhookAddress}/hooks/${namespace}/${name}`, {
      method: "POST",
      headers: { "x-github-event": "push", "x-hub-signature-256": signature, "content-type": "application/json" },
      body,
    });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }
}
