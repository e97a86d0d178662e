/**
 * The readiness admission webhook served by `kaika run`: a hand `kubectl apply`
 * of a non-compliant Deployment is denied with the failed checks listed,
 * warnings come back as admission warnings, and labelled namespaces are skipped.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubeApi } from "../src/kube/api.ts";
import { gvk } from "../src/kube/types.ts";
import { freePort } from "../src/localfleet/ports.ts";
import { useFleet } from "./support/fleet.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const exec = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "kaika-admission-"));

const deployment = (name: string, image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: app
          image: ${image}
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
`;

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("kubectl", [
      "--kubeconfig",
      fleet().clusters[0]?.kubeconfigPath ?? "",
      ...args,
    ]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("admission webhook", () => {
  let controller: ChildProcess;
  let api: KubeApi;
  before(async () => {
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    controller = spawn(
      kaika,
      [
        "--kubeconfig",
        fleet().clusters[0]?.kubeconfigPath ?? "",
        "run",
        "--metrics-bind-address=0",
        "--health-probe-bind-address=0",
        "--webhook-bind-address=0",
        `--admission-bind-address=127.0.0.1:${await freePort()}`,
        "--admission-failure-policy=Fail",
        `--data-dir=${dir}`,
      ],
      { stdio: "ignore" },
    );
    const Config = gvk("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration");
    await eventually(
      "webhook registered",
      () => api.get(Config, "kaika-readiness"),
      () => true,
      60_000,
    );
  });
  after(async () => {
    controller?.kill("SIGTERM");
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("denies a Deployment with a mutable image tag, listing the failed check", async () => {
    writeFileSync(join(dir, "bad.yaml"), deployment("bad", "nginx:latest"));
    const denied = await eventually(
      "denied",
      () => kubectl("apply", "-f", join(dir, "bad.yaml")),
      (r) => r.code !== 0,
      30_000,
    );
    assert.match(denied.stderr, /denied the request: kaika readiness: 1 critical finding\(s\): images\.tag-mutable/);
    assert.match(denied.stderr, /fix: /);
  });

  it("admits a compliant Deployment and returns its warnings", async () => {
    writeFileSync(join(dir, "good.yaml"), deployment("good", "registry.example/app:1.2.3"));
    const admitted = await kubectl("apply", "-f", join(dir, "good.yaml"));
    assert.equal(admitted.code, 0, admitted.stderr);
    assert.match(admitted.stderr, /Warning: security\.run-as-root/);
  });

  it("skips namespaces labelled kaika.dev/admission=disabled", async () => {
    await kubectl("create", "namespace", "legacy");
    await kubectl("label", "namespace", "legacy", "kaika.dev/admission=disabled");
    const allowed = await kubectl("apply", "-n", "legacy", "-f", join(dir, "bad.yaml"));
    assert.equal(allowed.code, 0, allowed.stderr);
  });
});
