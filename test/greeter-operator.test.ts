/**
 * The example operator, run as a real process against a real apiserver:
 * create/update/delete with its finalizer, owned objects healed, Stalled on a
 * bad spec, metrics and probes, SIGTERM shutdown releasing the Lease, and
 * leader failover between two replicas.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";
import { KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { freePort } from "../src/localfleet/ports.ts";
import { useFleet } from "./support/fleet.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const operatorMain = fileURLToPath(new URL("../examples/greeter/operator.ts", import.meta.url));
const crdFile = fileURLToPath(new URL("../examples/greeter/crd.yaml", import.meta.url));
const Greeting = gvk("example.kaika.dev/v1", "Greeting");
const ConfigMap = gvk("v1", "ConfigMap");
const Lease = gvk("coordination.k8s.io/v1", "Lease");
const run = promisify(execFile);
let api: KubeApi;
const operators: ChildProcess[] = [];

interface Operator {
  process: ChildProcess;
  metrics: string;
  health: string;
  exited: Promise<number | null>;
}

async function startOperator(extra: string[] = []): Promise<Operator> {
  const [metrics, health] = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
  const child = spawn(
    process.execPath,
    [
      operatorMain,
      `--kubeconfig=${fleet().clusters[0]?.kubeconfigPath}`,
      `--metrics-bind-address=${metrics}`,
      `--health-probe-bind-address=${health}`,
      ...extra,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  operators.push(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  exited.then((code) => {
    if (code !== 0 && code !== null) console.error(`operator exited ${code}:\n${log.slice(-3000)}`);
  });
  return { process: child, metrics, health, exited };
}

async function httpStatus(url: string): Promise<number> {
  return (await fetch(url).catch(() => ({ status: 0 }))).status;
}

const greeting = (name: string, to: string): KubeObject => ({
  apiVersion: "example.kaika.dev/v1",
  kind: "Greeting",
  metadata: { name, namespace: "default" },
  spec: { to },
});

type Status = { conditions?: { type: string; status: string; observedGeneration?: number }[]; message?: string };
const condition = (o: KubeObject, type: string): string | undefined =>
  (o.status as Status | undefined)?.conditions?.find((c) => c.type === type)?.status;

describe("greeter operator", () => {
  before(async () => {
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    await api.create(parse(readFileSync(crdFile, "utf8")) as KubeObject);
    await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "kaika-system" } });
    await eventually(
      "Greeting served",
      () => api.mapper.mapping(Greeting),
      () => true,
      30_000,
    );
  });
  after(async () => {
    for (const p of operators) p.kill("SIGKILL");
    await api.close();
  });

  it("reconciles create, update, drift, a bad spec and delete; serves probes and metrics; stops on SIGTERM", async () => {
    const op = await startOperator();
    await eventually(
      "readyz",
      () => httpStatus(`http://${op.health}/readyz`),
      (s) => s === 200,
      30_000,
    );
    assert.equal(await httpStatus(`http://${op.health}/livez`), 200);

    await api.create(greeting("world", "World"));
    // kubectl wait reads the Ready condition as any user would.
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    await run("kubectl", [
      "--kubeconfig",
      kubeconfig,
      "wait",
      "greeting/world",
      "--for=condition=Ready",
      "--timeout=30s",
    ]);
    const owned = await api.get(ConfigMap, "world-greeting", "default");
    assert.deepEqual(owned.data, { message: "Hello, World!" });
    assert.equal(owned.metadata.ownerReferences?.[0]?.kind, "Greeting");
    const registry = await api.get(ConfigMap, "greetings-registry", "default");
    assert.deepEqual(registry.data, { world: "Hello, World!" });
    const created = await api.get(Greeting, "world", "default");
    assert.deepEqual(created.metadata.finalizers, ["example.kaika.dev/registry"]);

    await api.patch(Greeting, "world", "default", { spec: { to: "Osaka", salutation: "Konnichiwa" } });
    const updated = await eventually(
      "message updated",
      () => api.get(Greeting, "world", "default"),
      (g) => (g.status as Status | undefined)?.message === "Konnichiwa, Osaka!",
      30_000,
    );
    const ready = (updated.status as Status).conditions?.find((c) => c.type === "Ready");
    assert.equal(ready?.observedGeneration, updated.metadata.generation);

    // A hand edit of an owned object is drift: the controller puts it back.
    await api.patch(ConfigMap, "world-greeting", "default", { data: { message: "edited by hand" } });
    await eventually(
      "drift reverted",
      () => api.get(ConfigMap, "world-greeting", "default"),
      (c) => (c.data as Record<string, string>).message === "Konnichiwa, Osaka!",
      30_000,
    );

    await api.create(greeting("nobody", " "));
    const stalled = await eventually(
      "stalled",
      () => api.get(Greeting, "nobody", "default"),
      (g) => condition(g, "Stalled") === "True",
      30_000,
    );
    assert.equal(condition(stalled, "Ready"), "False");

    await api.delete(Greeting, "world", "default");
    await eventually(
      "greeting gone",
      () =>
        api.get(Greeting, "world", "default").then(
          () => false,
          (e) => e instanceof NotFoundError,
        ),
      (gone) => gone,
      30_000,
    );
    const after = await api.get(ConfigMap, "greetings-registry", "default");
    assert.equal(
      (after.data as Record<string, string> | undefined)?.world,
      undefined,
      "the finalizer cleaned the registry",
    );

    const metrics = await (await fetch(`http://${op.metrics}/metrics`)).text();
    const success = /controller_runtime_reconcile_total\{controller="greeting",result="success"\} (\d+)/.exec(metrics);
    assert.ok(success && Number(success[1]) > 0, "successful reconciles are counted");
    assert.match(metrics, /workqueue_adds_total\{name="greeting",controller="greeting"\} \d+/);

    op.process.kill("SIGTERM");
    assert.equal(await op.exited, 0);
  });

  it("fails over between two replicas in under 20 s, and releases the Lease on SIGTERM", async () => {
    const electing = ["--leader-elect", "--leader-election-namespace=kaika-system"];
    const first = await startOperator(electing);
    const holder = async (): Promise<string> =>
      String(
        ((await api.get(Lease, "greeter-leader", "kaika-system")).spec as { holderIdentity?: string }).holderIdentity ??
          "",
      );
    const firstHolder = await eventually("a leader", holder, (h) => h !== "", 30_000);
    const second = await startOperator(electing);
    await eventually(
      "standby ready",
      () => httpStatus(`http://${second.health}/readyz`),
      (s) => s === 200,
      30_000,
    );
    assert.equal(await holder(), firstHolder, "the standby does not take a held Lease");

    // A crash: no release, so the standby must wait for the lease to expire.
    const killedAt = Date.now();
    first.process.kill("SIGKILL");
    const secondHolder = await eventually("failover", holder, (h) => h !== "" && h !== firstHolder, 30_000);
    const failoverSeconds = (Date.now() - killedAt) / 1000;
    console.log(`leader failover after SIGKILL: ${failoverSeconds.toFixed(1)} s`);
    assert.ok(failoverSeconds < 20, `failover took ${failoverSeconds} s`);

    // The new leader reconciles.
    await api.create(greeting("after-failover", "Failover"));
    await eventually(
      "reconciled by the new leader",
      () => api.get(Greeting, "after-failover", "default"),
      (g) => condition(g, "Ready") === "True",
      30_000,
    );

    second.process.kill("SIGTERM");
    assert.equal(await second.exited, 0);
    assert.equal(await holder(), "", `the Lease was released by ${secondHolder}`);
  });
});
