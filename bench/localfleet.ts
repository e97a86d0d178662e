/**
 * Time until a local fleet is ready (binaries cached), for 1 and 3 clusters,
 * and the resident memory its processes use. Prints figures; asserts nothing.
 */
import { readFileSync } from "node:fs";
import { ensureBinaries, startFleet } from "../src/localfleet/index.ts";

function rssMiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

await ensureBinaries();
const runs = Number(process.env.BENCH_RUNS ?? 3);
console.log(`local fleet start, binaries cached, ${runs} runs each`);
for (const clusters of [1, 3]) {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const fleet = await startFleet({ clusters });
    times.push((performance.now() - t0) / 1000);
    rss = fleet.pids().reduce((sum, pid) => sum + rssMiB(pid), 0);
    await fleet.stop();
  }
  console.log(
    `${clusters} cluster(s): ready in median ${median(times).toFixed(2)} s (runs: ${times.map((t) => t.toFixed(2)).join(", ")}); ` +
      `RSS of all fleet processes ${rss.toFixed(0)} MiB (${(rss / clusters).toFixed(0)} MiB per cluster incl. shared etcd)`,
  );
}
