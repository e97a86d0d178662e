/**
 * `bin/kaika run` against the fleet's admin cluster as a child process: started with the fleet flags,
 * ready once /readyz answers, its node process found for memory and CPU readings, webhooks sent to it.
 */
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/localfleet/ports.ts";
import { type ManagedProcess, startProcess } from "../../src/localfleet/process.ts";

const kaikaBin = fileURLToPath(new URL("../../bin/kaika", import.meta.url));

/** How to start the controller. */
export interface ControllerOptions {
  /** Kubeconfig whose current context is the admin cluster. */
  readonly kubeconfig: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly probeIntervalS: number;
  /** --fleet-concurrency; unset keeps kaika's default. */
  readonly fleetConcurrency?: number | undefined;
  readonly readyTimeoutMs?: number;
}

// The executable's name: /proc/<pid>/comm will not do, Node names its main thread "MainThread".
const executable = (pid: number): string => {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return "";
  }
};

const childrenOf = (pid: number): number[] => {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
};

/**
 * The node process under `pid`: bin/kaika is a bash script that execs node (and setpriv execs bash),
 * so normally `pid` itself; otherwise the first node among its descendants.
 */
export function nodeProcess(pid: number): number | undefined {
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    if (executable(p) === "node") return p;
    queue.push(...childrenOf(p));
  }
  return undefined;
}

/** A line of /proc/<pid>/status in MiB, e.g. VmRSS (resident now) or VmHWM (peak resident); NaN when gone. */
export function statusMiB(pid: number, key: "VmRSS" | "VmHWM"): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${key}:`));
    return Number(line?.split(/\s+/)[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU seconds a process has used (NaN when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** A running `kaika run`. */
export class FleetController {
  readonly process: ManagedProcess;
  readonly webhookAddress: string;
  /** The node process (what RSS and CPU are read from). */
  readonly pid: number;

  private constructor(process: ManagedProcess, webhook: string, pid: number) {
    this.process = process;
    this.webhookAddress = webhook;
    this.pid = pid;
  }

  /** Starts `bin/kaika run` (dies with this process: setpriv --pdeathsig) and resolves once /readyz is 200. */
  static async start(options: ControllerOptions): Promise<FleetController> {
    const [metrics, health, webhook] = await Promise.all([freePort(), freePort(), freePort()]);
    const proc = startProcess({
      name: "kaika-run",
      command: kaikaBin,
      args: [
        "--kubeconfig",
        options.kubeconfig,
        "run",
        `--metrics-bind-address=127.0.0.1:${metrics}`,
        `--health-probe-bind-address=127.0.0.1:${health}`,
        `--webhook-bind-address=127.0.0.1:${webhook}`,
        `--cluster-probe-interval=${options.probeIntervalS}`,
        ...(options.fleetConcurrency ? [`--fleet-concurrency=${options.fleetConcurrency}`] : []),
        `--data-dir=${options.dataDir}`,
      ],
      logFile: options.logFile,
    });
    const timeoutMs = options.readyTimeoutMs ?? 180_000;
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (!proc.running) throw new Error(`kaika run exited during start; see ${options.logFile}`);
        const ok = await fetch(`http://127.0.0.1:${health}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline)
          throw new Error(`kaika run not ready within ${timeoutMs / 1000} s; see ${options.logFile}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const pid = nodeProcess(proc.pid);
      if (pid === undefined) throw new Error(`kaika run (pid ${proc.pid}): no node process found under it`);
      return new FleetController(proc, `127.0.0.1:${webhook}`, pid);
    } catch (error) {
      await proc.stop(5000);
      throw error;
    }
  }

  rssMiB(): number {
    return statusMiB(this.pid, "VmRSS");
  }

  /** The highest RSS the process has had. */
  peakMiB(): number {
    return statusMiB(this.pid, "VmHWM");
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
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
    if (res.status !== 202)
      throw new Error(`webhook /hooks/${namespace}/${name} answered ${res.status}: ${await res.text()}`);
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }
}
