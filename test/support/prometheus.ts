/**
 * Real Prometheus for tests (Debian's package, installed by scripts/test-deps):
 * one server per call on a free loopback port, a temp config and data dir,
 * 1 s scrape and evaluation intervals, rule files loaded; plus promtool, and
 * a small exporter that serves request counters the test steers.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { freePort } from "../../src/localfleet/ports.ts";
import { PrometheusClient, type Sample } from "../../src/slo/prometheus.ts";

export const prometheusBinary = "/usr/bin/prometheus";
export const promtoolBinary = "/usr/bin/promtool";

function requireBinaries(): void {
  for (const binary of [prometheusBinary, promtoolBinary]) {
    if (!existsSync(binary))
      throw new Error(`${binary} is missing: run scripts/test-deps (installs Debian's prometheus)`);
  }
}

/** Runs promtool; resolves with its exit code and output (never rejects on a non-zero exit). */
export function promtool(args: readonly string[], cwd?: string): Promise<{ code: number; output: string }> {
  requireBinaries();
  return new Promise((resolve) => {
    execFile(promtoolBinary, [...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** What the server loads and scrapes. */
export interface PrometheusOptions {
  /** Rule files: name → content. */
  readonly rules?: Readonly<Record<string, string>>;
  /** host:port targets scraped as job "app" every second. */
  readonly targets?: readonly string[];
}

/** A running Prometheus. */
export interface TestPrometheus {
  readonly url: string;
  readonly client: PrometheusClient;
  /** Replaces the rule files and reloads; resolves once Prometheus reports the groups loaded. */
  setRules(rules: Readonly<Record<string, string>>): Promise<void>;
  query(expr: string): Promise<Sample[]>;
  /** The server's log so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts Prometheus and waits until it is ready and has loaded the rules. */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<TestPrometheus> {
  requireBinaries();
  const dir = mkdtempSync(join(tmpdir(), "kaika-prometheus-"));
  const rulesDir = join(dir, "rules");
  mkdirSync(rulesDir);
  const writeRules = (rules: Readonly<Record<string, string>>): void => {
    rmSync(rulesDir, { recursive: true, force: true });
    mkdirSync(rulesDir);
    for (const [name, content] of Object.entries(rules)) writeFileSync(join(rulesDir, name), content);
  };
  writeRules(options.rules ?? {});
  const targets = (options.targets ?? []).map((t) => JSON.stringify(t)).join(", ");
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      "rule_files:",
      `  - ${JSON.stringify(join(rulesDir, "*"))}`,
      "scrape_configs:",
      "  - job_name: app",
      `    static_configs: [{ targets: [${targets}] }]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const child: ChildProcess = spawn(
    prometheusBinary,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
      "--storage.tsdb.retention.time=1d",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const client = new PrometheusClient({ url, timeoutMs: 5000 });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const waitForRules = async (rules: Readonly<Record<string, string>>): Promise<void> => {
    const want = Object.values(rules).flatMap((text) => [...text.matchAll(/^\s*- name: (.+)$/gm)].map((m) => m[1]));
    await until(
      `Prometheus loads rule groups ${want.join(", ")}`,
      async () => {
        const answer = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
          data?: { groups?: { name: string }[] };
        };
        const loaded = new Set((answer.data?.groups ?? []).map((g) => g.name));
        return want.every((name) => loaded.has(String(name).replace(/^"|"$/g, "")));
      },
      () => log,
    );
  };
  try {
    await until(
      "Prometheus ready",
      async () => (await fetch(`${url}/-/ready`)).ok,
      () => log,
      exited,
    );
    await waitForRules(options.rules ?? {});
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    client,
    async setRules(rules) {
      writeRules(rules);
      const answer = await fetch(`${url}/-/reload`, { method: "POST" });
      if (!answer.ok) throw new Error(`reload failed: HTTP ${answer.status}: ${await answer.text()}\n${log}`);
      await waitForRules(rules);
    },
    query: (expr) => client.query(expr),
    log: () => log,
    stop,
  };
}

/** Starts Prometheus before the file's tests and stops it after them. */
export function usePrometheus(options: () => PrometheusOptions = () => ({})): () => TestPrometheus {
  let server: TestPrometheus | undefined;
  before(async () => {
    server = await startPrometheus(options());
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("Prometheus is not started: call usePrometheus at the top of the test file");
    return server;
  };
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  log: () => string,
  exited?: Promise<void>,
  timeoutMs = 30_000,
): Promise<void> {
  let gone = false;
  void exited?.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${what}: Prometheus exited\n${log()}`);
    try {
      if (await check()) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms\n${log()}`);
}

/** One stream of requests: a rate, and the share of them that fail. */
export interface TrafficSeries {
  /** Labels of the counters besides code, e.g. { job: "checkout", cluster: "a" }. */
  readonly labels: Readonly<Record<string, string>>;
  requestsPerSecond: number;
  errorRatio: number;
}

/**
 * Request counters that grow with wall-clock time at the rates and error
 * ratios set: http_requests_total{code="200"|"500", ...labels}. Changing a
 * rate keeps the counters continuous, so rates read by Prometheus are exact.
 */
export class Traffic {
  readonly #series: { spec: TrafficSeries; ok: number; errors: number; since: number }[] = [];

  add(spec: TrafficSeries): TrafficSeries {
    this.#series.push({ spec, ok: 0, errors: 0, since: Date.now() });
    return spec;
  }

  /** Changes a series' error ratio from now on. */
  set(spec: TrafficSeries, change: Partial<Pick<TrafficSeries, "requestsPerSecond" | "errorRatio">>): void {
    const s = this.#series.find((x) => x.spec === spec);
    if (!s) throw new Error("unknown series");
    this.#advance(s, Date.now());
    Object.assign(s.spec, change);
  }

  #advance(s: { spec: TrafficSeries; ok: number; errors: number; since: number }, now: number): void {
    const requests = (s.spec.requestsPerSecond * (now - s.since)) / 1000;
    s.ok += requests * (1 - s.spec.errorRatio);
    s.errors += requests * s.spec.errorRatio;
    s.since = now;
  }

  /** The counters now, in the Prometheus text format. */
  render(): string {
    const now = Date.now();
    const lines = ["# TYPE http_requests_total counter"];
    for (const s of this.#series) {
      this.#advance(s, now);
      const labels = Object.entries(s.spec.labels).map(([k, v]) => `${k}="${v}"`);
      lines.push(`http_requests_total{${[...labels, 'code="200"'].join(",")}} ${s.ok}`);
      lines.push(`http_requests_total{${[...labels, 'code="500"'].join(",")}} ${s.errors}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

/** Serves `metrics()` at /metrics on a free loopback port; returns host:port and a closer. */
export async function startExporter(metrics: () => string): Promise<{ address: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
