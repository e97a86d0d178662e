/**
 * `kaika bootstrap` against a real apiserver and real git: kaika's manifests committed to the
 * repository, a re-run commits nothing, and kaika — running with its chart's RBAC — applies a
 * change to its own manifests pushed to Git.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { serviceAccountKubeconfig } from "../src/install/service-account.ts";
import { KubeApi } from "../src/kube/api.ts";
import { gvk } from "../src/kube/types.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";
import { kaikaBin, type RunningKaika, startKaikaRun } from "./support/kaika.ts";
import { until } from "./support/wait.ts";

const fleet = useFleet(1);
const exec = promisify(execFile);
const Deployment = gvk("apps/v1", "Deployment");
const Sync = gvk("kaika.dev/v1alpha1", "Sync");

describe("kaika bootstrap", () => {
  let repo: TestRepo;
  let admin: KubeApi;
  let dir: string;
  let running: RunningKaika | undefined;
  const head = async () => (await exec("git", ["--git-dir", repo.path, "rev-parse", "main"])).stdout.trim();
  const bootstrap = () =>
    exec(kaikaBin, [
      "--kubeconfig",
      fleet().clusters[0]?.kubeconfigPath ?? "",
      "bootstrap",
      "--repo",
      `file://${repo.path}`,
      "--path",
      "clusters/local/kaika",
      "--interval",
      "5s",
    ]);

  before(async () => {
    repo = await createRepo();
    await repo.commit({ "README.md": "# fleet\n" });
    admin = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    dir = mkdtempSync(join(tmpdir(), "kaika-bootstrap-test-"));
  });
  after(async () => {
    await running?.stop();
    await admin.close();
    await repo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("installs kaika and commits its manifests to the repository", async () => {
    const before = await head();
    const { stderr, stdout } = await bootstrap();
    assert.match(stdout, /kaika manages itself from/);
    assert.match(stderr, /committed [0-9a-f]{12}/);
    assert.notEqual(await head(), before);
    const { stdout: files } = await exec("git", ["--git-dir", repo.path, "ls-tree", "-r", "--name-only", "main"]);
    for (const f of ["crds.yaml", "kaika.yaml", "sync.yaml"])
      assert.match(files, new RegExp(`clusters/local/kaika/${f}`));
    await admin.get(Sync, "kaika", "kaika-system");
    await admin.get(Deployment, "kaika", "kaika-system");
  });

  it("is idempotent: a re-run commits nothing", async () => {
    const before = await head();
    const { stderr } = await bootstrap();
    assert.match(stderr, /is up to date/);
    assert.equal(await head(), before);
  });

  it("kaika, with its chart's RBAC, applies a change to its own manifests pushed to Git", async () => {
    const config = join(dir, "kaika.kubeconfig");
    writeFileSync(config, await serviceAccountKubeconfig(admin, "kaika-system", "kaika"));
    running = startKaikaRun(config, [
      "--leader-elect",
      "--no-install-crds",
      "--default-service-account=kaika-applier",
      "--data-dir",
      join(dir, "data"),
    ]);
    const ready = async () => {
      const sync = await admin.get(Sync, "kaika", "kaika-system");
      const condition = (
        sync.status as { conditions?: { type: string; status: string; message: string }[] }
      )?.conditions?.find((c) => c.type === "Ready");
      assert.equal(condition?.status, "True", `${condition?.message}\n${running?.log().slice(-3000)}`);
      return (sync.status as { lastAppliedRevision?: string }).lastAppliedRevision ?? "";
    };
    await until(async () => void (await ready()), 120_000);

    // The user edits kaika's Deployment in Git: three replicas.
    const work = join(dir, "work");
    await exec("git", ["clone", "-q", repo.path, work]);
    const file = join(work, "clusters/local/kaika/kaika.yaml");
    const text = readFileSync(file, "utf8");
    assert.match(text, /replicas: 2\n/);
    writeFileSync(file, text.replace(/replicas: 2\n/, "replicas: 3\n"));
    const git = (...args: string[]) =>
      exec("git", ["-c", "user.name=t", "-c", "user.email=t@kaika.dev", ...args], { cwd: work });
    await git("commit", "-qam", "kaika: three replicas");
    await git("push", "-q", "origin", "main");
    await until(async () => {
      const deployment = await admin.get(Deployment, "kaika", "kaika-system");
      assert.equal((deployment.spec as { replicas: number }).replicas, 3, running?.log().slice(-2000));
    }, 120_000);
    const forbidden = (running?.log() ?? "").split("\n").filter((l) => /forbidden/i.test(l));
    assert.deepEqual(forbidden, []);
  });
});
