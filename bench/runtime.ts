/**
 * Informer memory for N ConfigMaps of ~1 KB and event-to-reconcile latency under a paced update stream,
 * kaika's Informer beside @kubernetes/client-node's, each in its own child process. Prints figures and
 * ratios; asserts nothing. Env: BENCH_OBJECTS (10000), BENCH_SECONDS (10), BENCH_RATE (1000/s), BENCH_INFLIGHT (64).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { KubeApi } from "../src/kube/api.ts";
import { startFleet } from "../src/localfleet/index.ts";
import { type ChildMessage, type Memory, type ParentMessage, type Side, sleep, summarize } from "./runtime/protocol.ts";

const objects = Number(process.env.BENCH_OBJECTS ?? 10_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const maxInflight = Number(process.env.BENCH_INFLIGHT ?? 64);
const namespace = "bench-runtime";
const configMap = { group: "", version: "v1", kind: "ConfigMap" };
const sides: readonly Side[] = ["kaika", "client-node"];
const childScript = fileURLToPath(new URL("./runtime/child.ts", import.meta.url));

const mib = (bytes: number): number => bytes / 2 ** 20;
const log = (line: string): void => console.log(`[${(performance.now() / 1000).toFixed(1)}s] ${line}`);

/** One informer child process, spoken to over IPC. */
class Child {
  readonly side: Side;
  readonly process: ChildProcess;
  readonly #inbox: ChildMessage[] = [];
  #waiter: (() => void) | undefined;
  #exit: string | undefined;

  constructor(side: Side, kubeconfig: string) {
    this.side = side;
    this.process = spawn(process.execPath, ["--expose-gc", childScript, side, kubeconfig, namespace], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.process.on("message", (m) => {
      this.#inbox.push(m as ChildMessage);
      this.#waiter?.();
    });
    this.process.on("exit", (code, signal) => {
      this.#exit = `exited (code ${code}, signal ${signal})`;
      this.#waiter?.();
    });
  }

  /** Sends `message` if given, then resolves with the next message of type `type`. */
  async ask<K extends ChildMessage["type"]>(
    type: K,
    message?: ParentMessage,
    timeoutMs = 600_000,
  ): Promise<Extract<ChildMessage, { type: K }>> {
    if (message) this.process.send(message);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const next = this.#inbox.shift();
      if (next?.type === "error") throw new Error(`${this.side} child failed: ${next.message}`);
      if (next?.type === type) return next as Extract<ChildMessage, { type: K }>;
      if (next) continue;
      if (this.#exit) throw new Error(`${this.side} child ${this.#exit} while waiting for "${type}"`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.side} child sent no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
  }

  /** Kills the child if it is still running and waits for it to exit. */
  async kill(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGKILL");
    await exited;
  }

  /** Waits up to `ms` for the child to exit on its own. */
  async exited(ms: number): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    await Promise.race([new Promise((resolve) => this.process.once("exit", resolve)), sleep(ms)]);
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Creates the namespace and `count` ConfigMaps with ~1 KB of data each; returns their names. */
async function populate(api: KubeApi, count: number): Promise<string[]> {
  await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  const names = Array.from({ length: count }, (_, i) => `cm-${String(i).padStart(6, "0")}`);
  const t0 = performance.now();
  await pool(count, 32, async (i) => {
    await api.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: names[i]!, namespace },
      // 768 random bytes → 1,024 base64 characters; t is the send time the updates set.
      data: { t: "0", payload: randomBytes(768).toString("base64") },
    });
  });
  const s = (performance.now() - t0) / 1000;
  log(`created ${count} ConfigMaps in ${s.toFixed(1)} s (${(count / s).toFixed(0)}/s, 32 in flight)`);
  return names;
}

/** What the update driver did. */
interface DriveResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly windowSeconds: number;
  readonly patchMs: ReturnType<typeof summarize>;
}

/**
 * Patches data.t = Date.now() into the ConfigMaps round-robin at `perSecond` for `durationS`, paced by a
 * token bucket (burst 1/10 s) and at most `inflight` requests at once; resolves when every patch answered.
 */
async function drive(api: KubeApi, names: readonly string[], perSecond: number, durationS: number, inflight: number) {
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let active = 0;
  const patchMs: number[] = [];
  const start = performance.now();
  const end = start + durationS * 1000;
  let last = start;
  let tokens = 1;
  const burst = Math.max(1, perSecond / 10);
  const launch = (): void => {
    const name = names[sent % names.length]!;
    sent++;
    active++;
    const t = Date.now();
    const began = performance.now();
    api
      .patch(configMap, name, namespace, { data: { t: String(t) } })
      .then(
        () => {
          ok++;
          patchMs.push(performance.now() - began);
        },
        () => failed++,
      )
      .finally(() => active--);
  };
  for (let now = start; now < end; now = performance.now()) {
    tokens = Math.min(burst, tokens + ((now - last) * perSecond) / 1000);
    last = now;
    while (tokens >= 1 && active < inflight) {
      tokens--;
      launch();
    }
    await sleep(2);
  }
  const windowSeconds = (performance.now() - start) / 1000;
  while (active > 0) await sleep(5);
  return { sent, ok, failed, windowSeconds, patchMs: summarize(patchMs) } satisfies DriveResult;
}

/** Polls the children until each has seen `expected` events, or their counts stop moving for `quietMs`. */
async function drain(children: readonly Child[], expected: number, quietMs: number): Promise<void> {
  let lastChange = performance.now();
  let lastTotal = -1;
  for (;;) {
    const stats = await Promise.all(children.map((c) => c.ask("stats", { type: "stats" })));
    if (stats.every((s) => s.events >= expected && s.reconciles >= s.events)) return;
    const total = stats.reduce((sum, s) => sum + s.events + s.reconciles, 0);
    if (total !== lastTotal) {
      lastTotal = total;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > quietMs) {
      return;
    }
    await sleep(250);
  }
}

const pad = (cells: readonly string[], widths: readonly number[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");

const fleet = await startFleet({ clusters: 1 });
const children: Child[] = [];
const api = new KubeApi(fleet.clusters[0]!.client());
try {
  log(`fleet ready; ${objects} ConfigMaps, updates at ${rate}/s for ${seconds} s, ≤${maxInflight} in flight`);
  const names = await populate(api, objects);

  for (const side of sides) children.push(new Child(side, fleet.clusters[0]!.kubeconfigPath));
  const baselines = await Promise.all(children.map((c) => c.ask("baseline")));
  log(
    `baselines: ${children.map((c, i) => `${c.side} RSS ${mib(baselines[i]!.memory.rss).toFixed(1)} MiB`).join(", ")}`,
  );

  // Both informers list and watch at the same time, then see the same update stream.
  const synced = await Promise.all(children.map((c) => c.ask("synced", { type: "start" })));
  log(
    `synced: ${children.map((c, i) => `${c.side} ${synced[i]!.cached} objects in ${(synced[i]!.syncMs / 1000).toFixed(1)} s`).join(", ")}`,
  );

  const driven = await drive(api, names, rate, seconds, maxInflight);
  const achieved = driven.sent / driven.windowSeconds;
  log(
    `updates: ${driven.sent} sent in ${driven.windowSeconds.toFixed(1)} s = ${achieved.toFixed(0)}/s (target ${rate}/s), ` +
      `${driven.ok} ok, ${driven.failed} failed; patch round trip p50 ${driven.patchMs.p50.toFixed(1)} ms, ` +
      `p99 ${driven.patchMs.p99.toFixed(1)} ms`,
  );
  await drain(children, driven.ok, 10_000);
  const results = await Promise.all(children.map((c) => c.ask("result", { type: "finish" })));
  await Promise.all(children.map((c) => c.exited(5_000)));

  const rows = children.map((c, i) => {
    const base: Memory = baselines[i]!.memory;
    const after = synced[i]!.memory;
    const r = results[i]!;
    return {
      side: c.side,
      cached: synced[i]!.cached,
      rss: mib(after.rss - base.rss),
      heap: mib(after.heapUsed - base.heapUsed),
      perObject: (after.heapUsed - base.heapUsed) / Math.max(1, synced[i]!.cached),
      events: r.events,
      lost: Math.max(0, driven.ok - r.events),
      reconciles: r.reconciles,
      errors: r.errors,
      ...r.latency,
    };
  });
  const widths = [12, 7, 9, 10, 10, 8, 6, 8, 8, 8, 8, 7];
  console.log();
  console.log(
    `Informer memory after syncing ${objects} ConfigMaps (~1 KB data each; deltas over a process that only loaded the library,`,
  );
  console.log(
    "after forced GC) and event-to-reconcile latency (patch sent → informer update → kaika WorkQueue.add → runWorkers(2)",
  );
  console.log(
    `handler reads the cached object, Date.now() − data.t). Both children ran at once on the same update stream of`,
  );
  console.log(`${driven.ok} patches at ${achieved.toFixed(0)}/s achieved (target ${rate}/s).`);
  console.log();
  console.log(
    pad(
      [
        "side",
        "cached",
        "RSS MiB",
        "heap MiB",
        "heap B/obj",
        "events",
        "lost",
        "reconc.",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
      ],
      widths,
    ),
  );
  for (const r of rows) {
    console.log(
      pad(
        [
          r.side,
          String(r.cached),
          r.rss.toFixed(1),
          r.heap.toFixed(1),
          r.perObject.toFixed(0),
          String(r.events),
          String(r.lost),
          String(r.reconciles),
          r.p50.toFixed(1),
          r.p99.toFixed(1),
          r.max.toFixed(1),
          String(r.errors),
        ],
        widths,
      ),
    );
  }
  const [k, c] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const ratio = (a: number, b: number): string => (b === 0 ? "n/a" : `${(a / b).toFixed(2)}x`);
  console.log(
    pad(
      [
        "kaika/c-n",
        "",
        ratio(k.rss, c.rss),
        ratio(k.heap, c.heap),
        ratio(k.perObject, c.perObject),
        "",
        "",
        "",
        ratio(k.p50, c.p50),
        ratio(k.p99, c.p99),
        ratio(k.max, c.max),
        "",
      ],
      widths,
    ),
  );
  console.log(
    `\nbaseline RSS (library loaded, nothing else): ${children.map((ch, i) => `${ch.side} ${mib(baselines[i]!.memory.rss).toFixed(1)} MiB`).join(", ")}; ` +
      `errors = kaika watch restarts / client-node informer error callbacks.`,
  );
} finally {
  await Promise.all(children.map((c) => c.kill()));
  await api.close();
  await fleet.stop();
}
