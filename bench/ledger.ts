/**
 * The version ledger's write rate and at-time query latency, on SQLite (a file) and on PostgreSQL (a throwaway
 * local server, when Debian's binaries are installed). A fleet of BENCH_CLUSTERS (10) clusters with
 * BENCH_WORKLOADS (100) workloads each gets applies of one whole cluster at a time; every apply bumps every
 * version until BENCH_ROWS (100000) change rows exist; then unchanged applies, then queries at random times.
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../src/kube/types.ts";
import { type Ledger, type LedgerRecord, openLedger } from "../src/ledger/index.ts";
import { postgresBin, startPostgres } from "../test/support/postgres.ts";

const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const clusters = Number(process.env.BENCH_CLUSTERS ?? 10);
const workloads = Number(process.env.BENCH_WORKLOADS ?? 100);
const queries = Number(process.env.BENCH_QUERIES ?? 50);
const t0 = Date.parse("2026-01-01T00:00:00Z");
const minute = 60_000;

const deployment = (i: number, version: number): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: `svc-${i}`, namespace: "apps", labels: { "app.kubernetes.io/name": `svc-${i}` } },
  spec: {
    replicas: 3,
    template: {
      metadata: { labels: { app: `svc-${i}` } },
      spec: {
        containers: [
          { name: "app", image: `registry.example/team/svc-${i}:1.${version}.0` },
          { name: "proxy", image: "registry.example/mesh/proxy:1.30.2" },
        ],
      },
    },
  },
});

function apply(step: number, version: number): LedgerRecord {
  return {
    time: new Date(t0 + step * minute),
    cluster: `cluster-${step % clusters}`,
    sync: "kaika-system/apps",
    revision: `rev-${version}`,
    changes: Array.from({ length: workloads }, (_, i) => ({ object: deployment(i, version), action: "configured" })),
  };
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function timed(label: string, n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(44)} p50 ${percentile(samples, 50).toFixed(2)} ms   p95 ${percentile(samples, 95).toFixed(2)} ms`,
  );
}

async function bench(name: string, ledger: Ledger, size?: () => string): Promise<void> {
  console.log(`${name} (${ledger.location})`);
  const applies = Math.ceil(rows / workloads);
  let start = performance.now();
  for (let step = 0; step < applies; step++) await ledger.record(apply(step, Math.floor(step / clusters)));
  let seconds = (performance.now() - start) / 1000;
  const written = applies * workloads;
  console.log(
    `  record, every version changed: ${written} changes in ${seconds.toFixed(2)} s = ${Math.round(written / seconds)} changes/s`,
  );
  const last = Math.floor((applies - 1) / clusters);
  start = performance.now();
  const confirms = Math.min(applies, 200);
  for (let step = applies; step < applies + confirms; step++) await ledger.record(apply(step, last));
  seconds = (performance.now() - start) / 1000;
  console.log(
    `  record, unchanged (confirm only): ${confirms * workloads} changes in ${seconds.toFixed(2)} s = ${Math.round((confirms * workloads) / seconds)} changes/s`,
  );
  if (size) console.log(`  size: ${size()}`);
  const span = applies * minute;
  const randomTime = (): Date => new Date(t0 + Math.random() * span);
  await timed(`versions(), all ${clusters} clusters, now`, queries, () => ledger.versions());
  await timed(`versions({at}), all clusters, random time`, queries, () => ledger.versions({ at: randomTime() }));
  await timed("versions({cluster, at}), random time", queries, (i) =>
    ledger.versions({ cluster: `cluster-${i % clusters}`, at: randomTime() }),
  );
  await timed("diff(cluster@t1, cluster@t2)", queries, (i) =>
    ledger.diff({ cluster: `cluster-${i % clusters}`, at: randomTime() }, { cluster: "cluster-0", at: randomTime() }),
  );
  await ledger.close();
}

console.log(
  `ledger bench: ${rows} change rows, ${clusters} clusters × ${workloads} workloads, ${queries} queries each`,
);
const dir = mkdtempSync(join(tmpdir(), "kaika-bench-ledger-"));
try {
  const file = join(dir, "ledger.sqlite");
  await bench("SQLite", await openLedger(file), () => {
    const mib = (p: string): string => ((statSync(p, { throwIfNoEntry: false })?.size ?? 0) / 2 ** 20).toFixed(1);
    return `${mib(file)} MiB file + ${mib(`${file}-wal`)} MiB WAL`;
  });
  let pg = true;
  try {
    postgresBin();
  } catch (error) {
    pg = false;
    console.log(`PostgreSQL: skipped (${(error as Error).message})`);
  }
  if (pg) {
    const server = await startPostgres();
    try {
      await bench("PostgreSQL", await openLedger(await server.database("bench")));
    } finally {
      await server.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
