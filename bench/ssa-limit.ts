/**
 * The apiserver's own limit for server-side apply: a minimal client (kaika's HTTP transport, nothing
 * else — no render, no dry run, no inventory, no health) applying fresh ConfigMaps of the same size as
 * bench/sync's at a fixed number of requests in flight. `measureSsaLimit` tries a ladder of concurrencies
 * on batches and then applies `n` objects at the best one; bench/sync.ts calls it against its own
 * apiserver so kaika's first apply can be printed as a share of it.
 *
 * Usage: node bench/ssa-limit.ts [--objects 10000] [--batch 1000] [--concurrency 4,8,16,32,64,128]
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { ensureNamespace, type KubeApi } from "../src/kube/api.ts";
import type { KubeObject } from "../src/kube/types.ts";

/** What one ladder step or the final run measured. */
export interface SsaRun {
  readonly concurrency: number;
  readonly objects: number;
  readonly seconds: number;
  /** Objects applied per second. */
  readonly rate: number;
  /** 429 answers retried by the client during the run. */
  readonly throttled: number;
}

/** The ladder and the run at the best concurrency. */
export interface SsaLimit {
  readonly ladder: readonly SsaRun[];
  readonly best: SsaRun;
}

export interface SsaLimitOptions {
  /** Objects of the final run at the best concurrency (default 10,000). */
  readonly objects?: number;
  /** Objects per ladder step (default 1,000). */
  readonly batch?: number;
  readonly concurrencies?: readonly number[];
  /** Namespace to create the objects in (default ssa-limit); the caller deletes it if it wants. */
  readonly namespace?: string;
  readonly log?: (line: string) => void;
}

/** A ConfigMap of ~200 bytes, like bench/sync/manifests.ts makes. */
function configMap(namespace: string, name: string): KubeObject {
  const payload = createHash("sha256").update(name).digest("hex").repeat(2).slice(0, 80);
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data: { rev: "0", payload } };
}

/** Applies `objects` with at most `concurrency` requests in flight; returns the wall time in seconds. */
async function applyAll(api: KubeApi, objects: readonly KubeObject[], concurrency: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < objects.length) {
      const object = objects[next++] as KubeObject;
      await api.apply(object, { fieldManager: "ssa-limit", force: true });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - t0) / 1000;
}

async function run(api: KubeApi, namespace: string, prefix: string, n: number, concurrency: number): Promise<SsaRun> {
  const objects = Array.from({ length: n }, (_, i) => configMap(namespace, `${prefix}-${String(i).padStart(5, "0")}`));
  const throttled0 = api.client.throttles;
  const seconds = await applyAll(api, objects, concurrency);
  return { concurrency, objects: n, seconds, rate: n / seconds, throttled: api.client.throttles - throttled0 };
}

/** Finds the concurrency at which the apiserver applies fastest, then applies `objects` at it. */
export async function measureSsaLimit(api: KubeApi, options: SsaLimitOptions = {}): Promise<SsaLimit> {
  const namespace = options.namespace ?? "ssa-limit";
  const batch = options.batch ?? 1000;
  const log = options.log ?? (() => {});
  await ensureNamespace(api, namespace);
  // A first batch warms the connection pool, the apiserver's caches and etcd before anything counts.
  await run(api, namespace, "warm", Math.min(batch, 500), 16);
  const ladder: SsaRun[] = [];
  for (const c of options.concurrencies ?? [4, 8, 16, 32, 64, 128]) {
    const step = await run(api, namespace, `c${c}`, batch, c);
    ladder.push(step);
    log(`ssa-limit: concurrency ${c}: ${step.rate.toFixed(0)} objects/s (${step.throttled} throttled)`);
  }
  const bestConcurrency = ladder.reduce((a, b) => (b.rate > a.rate ? b : a)).concurrency;
  const best = await run(api, namespace, "best", options.objects ?? 10_000, bestConcurrency);
  log(
    `ssa-limit: ${best.objects} objects at concurrency ${bestConcurrency}: ${best.seconds.toFixed(1)} s, ${best.rate.toFixed(0)}/s`,
  );
  return { ladder, best };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { objects: { type: "string" }, batch: { type: "string" }, concurrency: { type: "string" } },
  });
  const { startFleet } = await import("../src/localfleet/index.ts");
  const { KubeApi } = await import("../src/kube/api.ts");
  const fleet = await startFleet({ clusters: 1 });
  try {
    const cluster = fleet.clusters[0];
    if (!cluster) throw new Error("no cluster");
    const limit = await measureSsaLimit(new KubeApi(cluster.client()), {
      objects: Number(values.objects ?? 10_000),
      batch: Number(values.batch ?? 1000),
      ...(values.concurrency ? { concurrencies: values.concurrency.split(",").map(Number) } : {}),
      log: console.log,
    });
    console.log("\nconcurrency  objects/s  throttled");
    for (const r of limit.ladder) {
      console.log(`${String(r.concurrency).padStart(11)}  ${r.rate.toFixed(0).padStart(9)}  ${r.throttled}`);
    }
    console.log(
      `best: ${limit.best.objects} objects in ${limit.best.seconds.toFixed(1)} s at concurrency ${limit.best.concurrency} (${limit.best.rate.toFixed(0)}/s)`,
    );
  } finally {
    await fleet.stop();
  }
}
