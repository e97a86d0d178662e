/** `kaika dev up/status/down` as a person runs them: real binaries, real kubectl, nothing left behind. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";
import { alive } from "./support/process.ts";

const run = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "kaika-dev-cli-"));
const kubeconfig = join(work, "kubeconfig");
const env = { ...process.env, KAIKA_DEV_STATE_DIR: join(work, "state") };

describe("kaika dev", () => {
  after(async () => {
    await run(kaika, ["--kubeconfig", kubeconfig, "dev", "down"], { env }).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  });

  it("brings up 2 clusters, shows them to kubectl and status, and takes them down", async () => {
    // A context the user already had must survive up and down.
    writeFileSync(
      kubeconfig,
      "apiVersion: v1\nkind: Config\ncurrent-context: mine\nclusters: [{name: mine, cluster: {server: 'https://127.0.0.1:1'}}]\n" +
        "users: [{name: mine, user: {token: t}}]\ncontexts: [{name: mine, context: {cluster: mine, user: mine}}]\n",
    );
    const up = await run(kaika, ["--kubeconfig", kubeconfig, "-o", "json", "dev", "up", "--clusters", "2"], { env });
    const state = JSON.parse(up.stdout) as {
      phase: string;
      supervisorPid: number;
      clusters: { name: string; pids: number[] }[];
    };
    assert.equal(state.phase, "ready");
    assert.deepEqual(
      state.clusters.map((c) => c.name),
      ["kaika-1", "kaika-2"],
    );

    const nodes = await run("kubectl", [
      "--kubeconfig",
      kubeconfig,
      "--context",
      "kaika-2",
      "get",
      "nodes",
      "-o",
      "json",
    ]);
    const items = (
      JSON.parse(nodes.stdout) as { items: { status: { conditions: { type: string; status: string }[] } }[] }
    ).items;
    assert.equal(items.length, 3);
    assert.ok(items.every((n) => n.status.conditions.some((c) => c.type === "Ready" && c.status === "True")));

    const status = await run(kaika, ["--kubeconfig", kubeconfig, "-o", "json", "dev", "status"], { env });
    const report = JSON.parse(status.stdout) as { clusters: { ready: boolean; version: string; nodesReady: number }[] };
    assert.equal(report.clusters.length, 2);
    assert.ok(report.clusters.every((c) => c.ready && c.version.startsWith("v1.") && c.nodesReady === 3));

    const pids = [state.supervisorPid, ...state.clusters.flatMap((c) => c.pids)];
    assert.ok(pids.every(alive));
    await run(kaika, ["--kubeconfig", kubeconfig, "dev", "down"], { env });
    assert.deepEqual(pids.filter(alive), []);
    const left = parse(readFileSync(kubeconfig, "utf8")) as { contexts: { name: string }[]; "current-context": string };
    assert.deepEqual(
      left.contexts.map((c) => c.name),
      ["mine"],
    );
    assert.equal(left["current-context"], "mine");

    await assert.rejects(run(kaika, ["dev", "status"], { env }), (e: { code?: number }) => e.code === 1);
  });

  it("exits 2 on a usage error", async () => {
    await assert.rejects(
      run(kaika, ["dev", "up", "--clusters", "zero"], { env }),
      (e: { code?: number }) => e.code === 2,
    );
  });
});
