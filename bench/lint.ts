/**
 * The readiness linter's throughput: objects per second of evaluate() over generated apps (Deployment,
 * Service, PDB, HPA, ConfigMap; bench/lint/manifests.ts) written as YAML files, then through `kaika lint`'s
 * path (plain render: read + parse, then evaluate) in process and as the CLI. When kube-score builds from
 * the Go module proxy, it runs on the same files: objects per second of both, the ratio, and where their
 * findings disagree. Prints figures; asserts nothing.
 * Env: BENCH_OBJECTS (10000), BENCH_RUNS (5), BENCH_K8S_VERSION (1.37), BENCH_KEEP=1 keeps the files.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { evaluate } from "../src/policy/index.ts";
import { renderPlain } from "../src/render/plain.ts";
import { buildKubeScore, counterparts, kaikaOnly, kubeScoreVersion, runKubeScore } from "./lint/kube-score.ts";
import { flaws, writeApps } from "./lint/manifests.ts";

const count = Number(process.env.BENCH_OBJECTS ?? 10_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const kubernetesVersion = process.env.BENCH_K8S_VERSION ?? "1.37";
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const exec = promisify(execFile);

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const rate = (objects: number, ms: number): string =>
  `${Math.round((objects / ms) * 1000).toLocaleString("en")} objects/s`;
const pad = (s: string | number, n: number): string => String(s).padEnd(n);

/** Median wall milliseconds of `runs` calls of `fn` (after one warm-up call), and the last result. */
async function time<T>(fn: () => T | Promise<T>): Promise<{ ms: number; result: T }> {
  let result = await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    result = await fn();
    times.push(performance.now() - started);
  }
  return { ms: median(times), result };
}

const dir = mkdtempSync(join(tmpdir(), "kaika-bench-lint-"));
try {
  const files = writeApps(dir, count);
  console.log(
    `lint bench: ${files.length} files under ${dir}, ${flaws.length} app variants, target Kubernetes ${kubernetesVersion}`,
  );

  const rendered = await renderPlain(dir);
  const objects = rendered.objects.length;
  const options = { kubernetesVersion };
  const pure = await time(() => evaluate(rendered.objects, options));
  console.log(
    `evaluate():            ${pad(objects, 6)} objects  ${pad(pure.ms.toFixed(0), 5)} ms  ${rate(objects, pure.ms)}  (${pure.result.length} findings)`,
  );

  const lintPath = await time(async () => evaluate((await renderPlain(dir)).objects, options));
  console.log(
    `read+parse+evaluate:   ${pad(objects, 6)} objects  ${pad(lintPath.ms.toFixed(0), 5)} ms  ${rate(objects, lintPath.ms)}`,
  );

  const cli = await time(async () => {
    try {
      await exec(kaika, ["lint", dir, "-o", "json"], { maxBuffer: 1024 * 1024 * 1024 });
    } catch (error) {
      // Exit 1: enforced findings, which this input has.
      if ((error as { code?: number }).code !== 1) throw error;
    }
  });
  console.log(
    `kaika lint (process):  ${pad(objects, 6)} objects  ${pad(cli.ms.toFixed(0), 5)} ms  ${rate(objects, cli.ms)}`,
  );

  const build = await buildKubeScore();
  if ("error" in build) {
    console.log(`kube-score ${kubeScoreVersion}: does not build here (${build.error}); kaika's figures only`);
  } else {
    if (build.built) console.log(`kube-score ${kubeScoreVersion}: built into ${build.binary}`);
    const score = await time(() => runKubeScore(build.binary, files, kubernetesVersion));
    const { flagged } = score.result;
    console.log(
      `kube-score (process):  ${pad(objects, 6)} objects  ${pad(score.ms.toFixed(0), 5)} ms  ${rate(objects, score.ms)}  (it scores ${score.result.objects}: not the ConfigMaps)`,
    );
    console.log(
      `ratio: kaika lint process / kube-score = ${(score.ms / cli.ms).toFixed(2)}x; evaluate() alone / kube-score = ${(score.ms / pure.ms).toFixed(1)}x (higher is faster for kaika)`,
    );

    // Objects flagged per check, kaika's by check id over the same input.
    const kaikaFlagged = new Map<string, Set<string>>();
    for (const f of pure.result) {
      const set = kaikaFlagged.get(f.check) ?? new Set<string>();
      set.add(f.object);
      kaikaFlagged.set(f.check, set);
    }
    const union = (ids: readonly string[]): Set<string> =>
      new Set(ids.flatMap((id) => [...(kaikaFlagged.get(id) ?? [])]));
    console.log(
      "\nobjects flagged on the same input, where the two disagree (why: docs/checks.md, Compared with kube-score)",
    );
    console.log(
      `${pad("kube-score check", 46)} ${pad("ks", 5)} ${pad("kaika", 5)} ${pad("ks only", 7)} ${pad("kaika only", 10)} kaika check(s): why`,
    );
    let same = 0;
    for (const c of counterparts) {
      const ks = flagged.get(c.kubeScore) ?? new Set<string>();
      const ours = union(c.kaika);
      const ksOnly = [...ks].filter((o) => !ours.has(o)).length;
      const oursOnly = [...ours].filter((o) => !ks.has(o)).length;
      if (ksOnly === 0 && oursOnly === 0) {
        same++;
        continue;
      }
      const row = [pad(c.kubeScore, 46), pad(ks.size, 5), pad(ours.size, 5), pad(ksOnly, 7), pad(oursOnly, 10)];
      console.log(`${row.join(" ")} ${c.kaika.join(", ") || "none"}: ${c.why}`);
    }
    const unmapped = [...flagged.keys()].filter((id) => !counterparts.some((c) => c.kubeScore === id));
    for (const id of unmapped) {
      const n = flagged.get(id)?.size ?? 0;
      console.log(`${pad(id, 46)} ${pad(n, 5)} ${pad("-", 5)} ${pad(n, 7)} ${pad(0, 10)} (no counterpart listed)`);
    }
    const ours = [...kaikaFlagged.keys()].filter((id) => !counterparts.some((c) => c.kaika.includes(id)));
    for (const id of ours.sort()) {
      const n = kaikaFlagged.get(id)?.size ?? 0;
      console.log(
        `${pad("(none)", 46)} ${pad("-", 5)} ${pad(n, 5)} ${pad(0, 7)} ${pad(n, 10)} ${id}: ${kaikaOnly[id] ?? "kube-score has no such check"}`,
      );
    }
    console.log(`${same} of ${counterparts.length} paired checks flag exactly the same objects`);
  }
} finally {
  if (process.env.BENCH_KEEP === "1") console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
