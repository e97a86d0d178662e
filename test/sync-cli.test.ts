/** `kaika sync` and `kaika diff` one-shot against a real apiserver and a real git daemon. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk } from "../src/kube/types.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";

const fleet = useFleet(1);
const exec = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const ConfigMap = gvk("v1", "ConfigMap");
const cm = (name: string, v: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;

async function kaikaRun(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
  try {
    const { stdout, stderr } = await exec(kaika, ["--kubeconfig", kubeconfig, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("kaika sync / diff", () => {
  let repo: TestRepo;
  let api: KubeApi;
  before(async () => {
    repo = await createRepo();
    await repo.commit({ "apps/one.yaml": cm("one", "1"), "apps/two.yaml": cm("two", "2") });
    await repo.serve();
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
  });
  after(async () => {
    await api.close();
    await repo.close();
  });

  it("diff shows changes (exit 1), sync applies them with a summary, then diff is clean (exit 0)", async () => {
    const first = await kaikaRun("diff", "--repo", repo.url, "--path", "apps");
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stdout, /\+\+\+ git\/ConfigMap\/default\/one/);
    const synced = await kaikaRun("sync", "--repo", repo.url, "--path", "apps");
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stdout, /2 created, 0 configured, 0 unchanged, 0 pruned, 0 failed/);
    assert.equal(((await api.get(ConfigMap, "one", "default")).data as Record<string, string>).v, "1");
    const clean = await kaikaRun("diff", "--repo", repo.url, "--path", "apps");
    assert.equal(clean.code, 0, clean.stdout);
  });

  it("prunes a removed file on the next sync, and refuses bad YAML with file:line leaving the cluster alone", async () => {
    await repo.commit({ "apps/two.yaml": null, "apps/one.yaml": cm("one", "1b") });
    const synced = await kaikaRun("sync", "--repo", repo.url, "--path", "apps");
    assert.match(synced.stdout, /0 created, 1 configured, 0 unchanged, 1 pruned, 0 failed/);
    await assert.rejects(api.get(ConfigMap, "two", "default"), NotFoundError);

    await repo.commit({
      "apps/one.yaml": cm("one", "1c"),
      "apps/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [\n",
    });
    const bad = await kaikaRun("sync", "--repo", repo.url, "--path", "apps");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /apps\/bad\.yaml:\d+:\d+: /);
    assert.equal(((await api.get(ConfigMap, "one", "default")).data as Record<string, string>).v, "1b");
  });
});
