/**
 * `make demo` as a person runs it, on its own fleet: scripts/demo comes up detached (3 clusters, git daemon,
 * Prometheus, the traffic exporter, kaika with the chart's RBAC), the shop is rolled out to every cluster,
 * a push from the work clone lands on staging before prod, and `scripts/demo stop` leaves no process.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk } from "../src/kube/types.ts";
import type { SessionState } from "../src/localfleet/session.ts";
import { alive } from "./support/process.ts";
import { eventually } from "./support/wait.ts";

const exec = promisify(execFile);
const script = fileURLToPath(new URL("../scripts/demo", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "kaika-demo-test-"));
const demoDir = join(work, "demo");
const kubeconfig = join(work, "kubeconfig");
const stateDir = join(work, "dev");
// Everything of the demo's own: its folder, the fleet's session and contexts, and free ports (0), so a demo
// the user runs beside the test is left alone.
const env = {
  ...process.env,
  KAIKA_DEMO_DETACH: "1",
  KAIKA_DEMO_DIR: demoDir,
  KUBECONFIG: kubeconfig,
  KAIKA_DEV_STATE_DIR: stateDir,
  ...Object.fromEntries(
    ["GIT", "WEBHOOK", "PROMETHEUS", "EXPORTER", "METRICS", "HEALTH", "DASHBOARD"].map((p) => [
      `KAIKA_DEMO_${p}_PORT`,
      "0",
    ]),
  ),
};
const clusters = { staging: "kaika-1", "prod-east": "kaika-2", "prod-west": "kaika-3" } as const;

/** Runs a command to its end; resolves with its exit code and output, never rejects on a non-zero exit. */
function runScript(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(script, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer): void => {
      output += chunk.toString();
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => {
      output += `\n(test: killed after ${timeoutMs} ms)\n`;
      child.kill("SIGTERM");
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const api = (context: string): KubeApi => KubeApi.load({ path: kubeconfig, context });

/** The image of Deployment shop/checkout in a cluster, or undefined while there is none. */
async function checkoutImage(kube: KubeApi): Promise<string | undefined> {
  try {
    const d = await kube.get(gvk("apps/v1", "Deployment"), "checkout", "shop");
    return (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Every PID the demo runs: its PID files, their process groups, and the local fleet's session. */
function demoPids(): Map<number, string> {
  const pids = new Map<number, string>();
  const pidDir = join(demoDir, "pids");
  const leaders = new Map<number, string>();
  for (const file of existsSync(pidDir) ? readdirSync(pidDir) : []) {
    leaders.set(Number(readFileSync(join(pidDir, file), "utf8").trim()), file.replace(/\.pid$/, ""));
  }
  for (const [pid, name] of leaders) pids.set(pid, name);
  // The children of each (git's connection daemons, kaika's git runs): their process groups.
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      const leader = leaders.get(pgid);
      if (leader && !leaders.has(Number(entry))) pids.set(Number(entry), `${leader} (group)`);
    } catch {
      // exited meanwhile
    }
  }
  const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")) as SessionState;
  pids.set(state.supervisorPid, "fleet supervisor");
  if (state.etcdPid) pids.set(state.etcdPid, "etcd");
  for (const c of state.clusters) for (const pid of c.pids) pids.set(pid, c.name);
  return pids;
}

describe("make demo", () => {
  after(async () => {
    // Whatever happened, nothing of the demo stays behind.
    await runScript(["stop"], 120_000);
    rmSync(work, { recursive: true, force: true });
  });

  let started = "";
  let head = "";

  it("comes up detached and rolls the shop out to all three clusters", { timeout: 25 * 60_000 }, async () => {
    const { code, output } = await runScript([], 20 * 60_000);
    started = output;
    assert.equal(code, 0, output);
    assert.match(output, /start-up \d+ s \((cold|warm)\)/);
    for (const url of ["git://127.0.0.1:", "/hooks/kaika-system/fleet", "/faults"])
      assert.ok(output.includes(url), url);
    // The dashboard it prints answers with the three Clusters.
    const dashboard = /dashboard +(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
    assert.ok(dashboard, "the demo prints the dashboard's URL");
    const fleetView = (await (await fetch(`${dashboard}/api/v1/fleet`)).json()) as { clusters: { name: string }[] };
    assert.deepEqual(fleetView.clusters.map((c) => c.name).sort(), ["prod-east", "prod-west", "staging"]);
    assert.match(await (await fetch(`${dashboard}/`)).text(), /<div id="root">|<!doctype html>/i);
    // Every page's data is there on the demo fleet: versions from the ledger, SLO budgets from the
    // demo's Prometheus, the readiness audit, and the shop's service graph from the traffic exporter.
    const read = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${dashboard}/api/v1/${path}`);
      assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
      return (await res.json()) as T;
    };
    const versions = await read<{ services: { service: string }[]; earliest: string | null }>("versions");
    assert.ok(versions.services.length >= 10 && versions.earliest, `the shop's services: ${versions.services.length}`);
    const slos = await read<{ slos: unknown[] }>("slos");
    assert.equal(slos.slos.length, 12, "the example repository's 12 SLOs");
    type Budgets = { slos: { errorBudgetRemaining: number | null }[] };
    await eventually(
      "the readiness audit and the SLO budgets",
      async () => ({ readiness: await read<{ scopes: unknown[] }>("readiness"), budgets: await read<Budgets>("slos") }),
      ({ readiness, budgets }) =>
        readiness.scopes.length > 0 && budgets.slos.some((s) => s.errorBudgetRemaining !== null),
      120_000,
    );
    const graph = await read<{ configured: boolean; nodes?: unknown[]; edges?: unknown[] }>("topology");
    assert.ok(
      graph.configured && (graph.nodes?.length ?? 0) >= 11,
      `the shop's service graph: ${JSON.stringify(graph).slice(0, 300)}`,
    );

    const admin = api("kaika-1");
    try {
      const shop = await admin.get(gvk("kaika.dev/v1alpha1", "Sync"), "shop", "kaika-system");
      const status = shop.status as {
        rollout: { phase: string };
        clusters: { name: string; revision?: string; appliedRevision?: string }[];
      };
      assert.equal(status.rollout.phase, "Complete");
      head = (await exec("git", ["-C", join(demoDir, "work"), "rev-parse", "HEAD"])).stdout.trim();
      for (const [name, context] of Object.entries(clusters)) {
        const kube = api(context);
        try {
          assert.match((await checkoutImage(kube)) ?? "none", /checkout:1\.8\.1@sha256:/, `${name} (${context})`);
        } finally {
          await kube.close();
        }
      }
      assert.deepEqual(status.clusters.map((c) => c.name).sort(), Object.keys(clusters).sort());
    } finally {
      await admin.close();
    }
  });

  it("lands a push from the work clone on staging first, then on both prod clusters", {
    timeout: 10 * 60_000,
  }, async () => {
    assert.ok(head, "the demo did not start");
    const repo = join(demoDir, "work");
    const file = join(repo, "apps/shop/base/kustomization.yaml");
    const text = readFileSync(file, "utf8");
    assert.ok(text.includes("newTag: 1.8.1"), "checkout is at 1.8.1 in the fleet repo");
    await exec("sed", ["-i", "s/newTag: 1.8.1/newTag: 1.9.0/", file]);
    await exec("git", ["-C", repo, "commit", "-qam", "checkout 1.9.0"]);
    const pushed = Date.now();
    const push = await exec("git", ["-C", repo, "push", "origin", "main"]);
    // The post-receive hook called kaika's webhook receiver (its answer comes back as "remote:").
    assert.match(push.stderr, /fetch of kaika-system\/fleet requested/, push.stderr);

    const kubes = Object.entries(clusters).map(([name, context]) => ({ name, kube: api(context) }));
    const landed = new Map<string, number>();
    try {
      const deadline = Date.now() + 8 * 60_000;
      while (landed.size < kubes.length && Date.now() < deadline) {
        await Promise.all(
          kubes.map(async ({ name, kube }) => {
            if (landed.has(name)) return;
            if ((await checkoutImage(kube).catch(() => undefined))?.includes(":1.9.0@")) landed.set(name, Date.now());
          }),
        );
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await Promise.all(kubes.map(({ kube }) => kube.close()));
    }
    const at = Object.fromEntries([...landed].map(([name, t]) => [name, `${((t - pushed) / 1000).toFixed(1)} s`]));
    process.stderr.write(`checkout 1.9.0 landed after the push: ${JSON.stringify(at)}\n`);
    assert.equal(landed.size, 3, `landed: ${JSON.stringify(at)}`);
    const staging = landed.get("staging") ?? Infinity;
    // The webhook, not the GitSource's 5 min poll, brought it in.
    assert.ok(staging - pushed < 60_000, `staging got it ${staging - pushed} ms after the push`);
    for (const prod of ["prod-east", "prod-west"]) {
      assert.ok(staging < (landed.get(prod) ?? 0), `staging before ${prod}: ${JSON.stringify(at)}`);
    }
  });

  it("stops with 'scripts/demo stop' and leaves no process", { timeout: 5 * 60_000 }, async () => {
    assert.ok(started, "the demo did not start");
    const pids = demoPids();
    for (const name of ["kaika-run", "prometheus", "exporter", "git-daemon", "fleet supervisor", "etcd"]) {
      assert.ok([...pids.values()].includes(name), `${name} among ${JSON.stringify([...pids.values()])}`);
    }
    for (const [pid, name] of pids) assert.ok(alive(pid), `${name} (pid ${pid}) runs before the stop`);
    const { code, output } = await runScript(["stop"], 4 * 60_000);
    assert.equal(code, 0, output);
    const left = [...pids].filter(([pid]) => alive(pid)).map(([pid, name]) => `${name} (pid ${pid})`);
    assert.deepEqual(left, [], output);
    assert.ok(!existsSync(join(stateDir, "state.json")), "the fleet's session is gone");
    const contexts = readFileSync(kubeconfig, "utf8");
    assert.ok(!/name: kaika-\d/.test(contexts), "the contexts are gone from the kubeconfig");
  });
});
