/**
 * The admission webhook with two `kaika run --leader-elect` replicas on one
 * real apiserver: both serve, only the leader's URL and CA are registered
 * (the other does not overwrite them), and when the leader dies the other
 * registers its own within the Lease duration, so hand applies stay reviewed.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { freePort } from "../src/localfleet/ports.ts";
import { useFleet } from "./support/fleet.ts";
import { type RunningKaika, startKaikaRun } from "./support/kaika.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const exec = promisify(execFile);
const Config = gvk("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration");

type WebhookConfig = KubeObject & { webhooks: { clientConfig: { url: string; caBundle: string } }[] };

describe("admission webhook with two replicas", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kaika-admission-replicas-"));
  const bad = join(dir, "bad.yaml");
  let api: KubeApi;
  const replicas: { port: number; run: RunningKaika }[] = [];

  const registered = async (): Promise<{ url: string; caBundle: string }> => {
    const config = await api.get<WebhookConfig>(Config, "kaika-readiness");
    const client = config.webhooks[0]?.clientConfig;
    assert.ok(client);
    return client;
  };
  const portOf = (url: string): number => Number(new URL(url).port);
  const applyBad = async (): Promise<{ code: number; stderr: string }> => {
    try {
      await exec("kubectl", ["--kubeconfig", fleet().clusters[0]?.kubeconfigPath ?? "", "apply", "-f", bad]);
      return { code: 0, stderr: "" };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
  };
  const logs = (error: Error): never => {
    const tails = replicas.map((r) => `--- replica :${r.port} ---\n${r.run.log().slice(-2500)}`).join("\n");
    throw new Error(`${error.message}\n${tails}`);
  };

  before(async () => {
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    api = KubeApi.load({ path: kubeconfig });
    writeFileSync(
      bad,
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad, namespace: default}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: bad}}\n  template:\n    metadata: {labels: {app: bad}}\n    spec: {containers: [{name: app, image: 'nginx:latest'}]}\n",
    );
    for (const name of ["one", "two"]) {
      const port = await freePort();
      const data = join(dir, name);
      replicas.push({
        port,
        run: startKaikaRun(kubeconfig, [
          "--leader-elect",
          "--leader-elect-lease-duration=6",
          "--leader-elect-renew-deadline=4",
          "--leader-elect-retry-period=1",
          `--admission-bind-address=127.0.0.1:${port}`,
          "--admission-failure-policy=Fail",
          `--data-dir=${data}`,
        ]),
      });
    }
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.run.stop()));
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("registers the leader only, and the other replica leaves it alone", async () => {
    await eventually(
      "both serving, one leading",
      async () => replicas.map((r) => r.run.log()),
      (logs) =>
        logs.every((l) => l.includes("serving the readiness admission webhook")) &&
        logs.some((l) => l.includes("became leader")),
      90_000,
    ).catch(logs);
    const leader = replicas.find((r) => r.run.log().includes("became leader"));
    assert.ok(leader);
    const first = await eventually(
      "the leader's webhook registered",
      registered,
      (c) => portOf(c.url) === leader.port,
      30_000,
    ).catch(logs);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(await registered(), first, "the configuration does not flap between replicas");
    }
    // The default validity is 90 days: no rotation now (a timer over 24.8 days once fired at once).
    const cas =
      Buffer.from(first.caBundle, "base64")
        .toString("utf8")
        .match(/BEGIN CERTIFICATE/g) ?? [];
    assert.equal(cas.length, 1);
    assert.ok(!leader.run.log().includes("rotated CA"), "no rotation with a 90-day validity");
    const denied = await eventually(
      "denied by the leader",
      applyBad,
      (r) => r.stderr.includes("images.tag-mutable"),
      30_000,
    );
    assert.match(denied.stderr, /images\.tag-mutable/);
  });

  it("moves to the other replica when the leader dies, and reviews go on", async () => {
    const before = await registered();
    const leader = replicas.find((r) => r.port === portOf(before.url));
    const other = replicas.find((r) => r !== leader);
    assert.ok(leader && other);
    leader.run.process.kill("SIGKILL");
    const moved = await eventually(
      "registered at the other replica",
      registered,
      (c) => portOf(c.url) === other.port,
      60_000,
    ).catch(logs);
    assert.notEqual(moved.caBundle, before.caBundle, "the new leader's own CA");
    const denied = await eventually(
      "denied by the new leader",
      applyBad,
      (r) => r.stderr.includes("images.tag-mutable"),
      30_000,
    );
    assert.match(denied.stderr, /images\.tag-mutable/);
  });
});
