/**
 * The fleet on three real local clusters: `kaika cluster add`, a Sync whose
 * targets pick a kustomize overlay per cluster, waves (staging, then prod),
 * a commit whose Deployment never turns Ready halting at the first wave while
 * prod keeps the old image, pause / resume / promote, and a cluster whose
 * apiserver is stopped showing unreachable while the rest sync, then catching up.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";
import { kaikaBin, type RunningKaika, startKaikaRun, webImage } from "./support/kaika.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(3);
const exec = promisify(execFile);
const Sync = gvk("kaika.dev/v1alpha1", "Sync");
const Cluster = gvk("kaika.dev/v1alpha1", "Cluster");
const Deployment = gvk("apps/v1", "Deployment");
const ConfigMap = gvk("v1", "ConfigMap");

const web = (image: string, nodeSelector = ""): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app.kubernetes.io/name: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:${nodeSelector ? `\n      nodeSelector: {${nodeSelector}}` : ""}
      containers:
        - name: web
          image: ${image}
`;
const overlay = (env: string): Record<string, string> => ({
  [`apps/web/overlays/${env}/kustomization.yaml`]: "resources:\n  - ../../base\n  - env.yaml\n",
  [`apps/web/overlays/${env}/env.yaml`]: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: env\n  namespace: shop\ndata:\n  env: ${env}\n`,
});

const syncSpec = {
  sourceRef: { name: "fleet" },
  path: "apps/web/overlays/prod",
  timeout: "15s",
  interval: "1m",
  targets: [
    { name: "staging", clusterSelector: { matchLabels: { env: "staging" } }, path: "apps/web/overlays/staging" },
    { name: "prod", clusterSelector: { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] } },
  ],
  rollout: {
    waves: [
      { name: "staging", clusterSelector: { matchLabels: { env: "staging" } }, soak: "1s", requirePromotion: true },
      { name: "prod", clusterSelector: { matchLabels: { env: "prod" } }, maxUnavailable: 1 },
    ],
  },
};

type Rollout = { revision: string; phase: string; message?: string; wave: number };
type SyncStatus = {
  rollout?: Rollout;
  clusters?: { name: string; state: string; revision?: string }[];
  conditions?: { type: string; status: string; reason: string }[];
};

describe("fleet", { timeout: 600_000 }, () => {
  let repo: TestRepo;
  let admin: KubeApi;
  let apis: KubeApi[] = [];
  let controller: RunningKaika;
  let data: string;
  let firstRolledOut: Date;
  const kaika = (...args: string[]) =>
    exec(kaikaBin, ["--kubeconfig", fleet().kubeconfigPath, ...args], { timeout: 60_000 });

  const imageOn = (i: number): Promise<string | undefined> => webImage(apis[i] as KubeApi);
  const sync = async (): Promise<SyncStatus> =>
    ((await admin.get(Sync, "web", "kaika-system")).status ?? {}) as SyncStatus;
  const phaseIs = (phase: string, revision?: string) =>
    eventually(
      `rollout ${phase}${revision ? ` of ${revision}` : ""}`,
      sync,
      (s) => s.rollout?.phase === phase && (!revision || s.rollout.revision.endsWith(revision)),
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- controller log (tail) ---\n${controller.log().slice(-4000)}`);
    });
  const imageIs = (i: number, image: string | undefined) =>
    eventually(
      `kaika-${i + 1} runs ${image}`,
      () => imageOn(i),
      (v) => v === image,
      120_000,
    );

  before(async () => {
    const clusters = fleet().clusters;
    admin = KubeApi.load({ path: clusters[0]?.kubeconfigPath ?? "" });
    apis = clusters.map((c) => KubeApi.load({ path: c.kubeconfigPath }));
    repo = await createRepo();
    await repo.commit({
      "apps/web/base/kustomization.yaml": "resources:\n  - namespace.yaml\n  - web.yaml\n",
      "apps/web/base/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
      "apps/web/base/web.yaml": web("web:1.0.0"),
      ...overlay("staging"),
      ...overlay("prod"),
    });
    await repo.serve();
    data = mkdtempSync(join(tmpdir(), "kaika-fleet-"));
    controller = startKaikaRun(
      fleet().kubeconfigPath,
      ["--cluster-probe-interval=1", "--audit-interval=5s", `--data-dir=${data}`],
      "kaika-1",
    );
    await eventually(
      "CRDs installed",
      () => admin.mapper.mapping(Cluster),
      () => true,
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- controller log ---\n${controller.log().slice(-4000)}`);
    });
  });
  after(async () => {
    await controller?.stop();
    await Promise.all([admin, ...apis].map((a) => a?.close()));
    await repo?.close();
    rmSync(data, { recursive: true, force: true });
  });

  it("registers clusters from kubeconfig contexts and probes them", async () => {
    await kaika(
      "cluster",
      "add",
      "staging",
      "--context",
      "kaika-1",
      "--admin-context",
      "kaika-1",
      "--label",
      "env=staging",
    );
    await kaika(
      "cluster",
      "add",
      "prod-1",
      "--context",
      "kaika-2",
      "--admin-context",
      "kaika-1",
      "--label",
      "env=prod",
    );
    await kaika(
      "cluster",
      "add",
      "prod-2",
      "--context",
      "kaika-3",
      "--admin-context",
      "kaika-1",
      "--label",
      "env=prod",
    );
    const clusters = await eventually(
      "3 clusters reachable",
      async () => (await admin.list(Cluster, { namespace: "kaika-system" })).items,
      (items) => items.length === 3 && items.every((c) => (c.status as { reachable?: boolean })?.reachable === true),
      60_000,
    );
    for (const c of clusters) {
      const s = c.status as { kubernetesVersion: string; nodeCount: number };
      assert.match(s.kubernetesVersion, /^v1\.37\./);
      assert.equal(s.nodeCount, 3);
      assert.equal(c.metadata.labels?.["kaika.dev/cluster"], c.metadata.name);
    }
    const listed = JSON.parse((await kaika("--context", "kaika-1", "cluster", "list", "-o", "json")).stdout) as {
      items: KubeObject[];
    };
    assert.deepEqual(listed.items.map((c) => c.metadata.name).sort(), ["prod-1", "prod-2", "staging"]);
  });

  it("rolls out wave by wave with each cluster's overlay", async () => {
    await admin.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "fleet", namespace: "kaika-system" },
      spec: { url: repo.url, interval: "1s" },
    });
    await admin.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "web", namespace: "kaika-system" },
      spec: syncSpec,
    });
    await phaseIs("WaitingForPromotion");
    assert.equal(await imageOn(0), "web:1.0.0");
    const env = await (apis[0] as KubeApi).get(ConfigMap, "env", "shop");
    assert.equal((env.data as Record<string, string>).env, "staging", "the staging target's overlay");
    assert.equal(await imageOn(1), undefined, "prod waits for the promotion");
    await kaika("--context", "kaika-1", "rollout", "promote", "web");
    await phaseIs("Complete");
    for (const i of [1, 2]) {
      assert.equal(await imageOn(i), "web:1.0.0");
      const cm = await (apis[i] as KubeApi).get(ConfigMap, "env", "shop");
      assert.equal((cm.data as Record<string, string>).env, "prod");
    }
    firstRolledOut = new Date();
    // Each fleet cluster is audited too: its live objects under the admin cluster's policies.
    type Audit = { objects: number; findings: { object: string; check: string }[] };
    const audit = await eventually(
      "prod-1 audited after the rollout",
      async () => ((await admin.get(Cluster, "prod-1", "kaika-system")).status as { audit?: Audit }).audit,
      (a) => a?.findings.some((f) => f.object === "Deployment/shop/web") === true,
      60_000,
    );
    assert.ok((audit?.objects ?? 0) > 0);
    assert.ok(
      audit?.findings.some((f) => f.check === "probes.readiness-missing" && f.object === "Deployment/shop/web"),
    );
    const status = (await kaika("--context", "kaika-1", "rollout", "status", "web")).stdout;
    assert.match(status, /Phase:\s+Complete/);
    assert.match(status, /prod-2\s+prod\s+Applied/);
  });

  it("halts at the first wave when a Deployment never turns Ready; prod keeps the old image", async () => {
    const bad = await repo.commit({ "apps/web/base/web.yaml": web("web:2.0.0", "kaika.dev/nowhere: 'true'") });
    await phaseIs("Halted", bad);
    const s = await sync();
    assert.match(s.rollout?.message ?? "", /wave staging failed on staging/);
    assert.equal(s.conditions?.find((c) => c.type === "Ready")?.reason, "RolloutHalted");
    assert.equal(await imageOn(0), "web:2.0.0");
    assert.equal(await imageOn(1), "web:1.0.0");
    assert.equal(await imageOn(2), "web:1.0.0");
    const events = await admin.list(gvk("v1", "Event"), { namespace: "kaika-system" });
    assert.ok(events.items.some((e) => (e as { reason?: string }).reason === "RolloutHalted"));
  });

  it("pauses, resumes and promotes", async () => {
    const fixed = await repo.commit({ "apps/web/base/web.yaml": web("web:3.0.0") });
    await phaseIs("WaitingForPromotion", fixed);
    await kaika("--context", "kaika-1", "rollout", "pause", "web");
    await kaika("--context", "kaika-1", "rollout", "promote", "web");
    await phaseIs("Paused", fixed);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await imageOn(1), "web:1.0.0", "paused: prod is not started");
    await kaika("--context", "kaika-1", "rollout", "resume", "web");
    await phaseIs("Complete", fixed);
    assert.equal(await imageOn(1), "web:3.0.0");
    assert.equal(await imageOn(2), "web:3.0.0");
  });

  it("reverts a hand change on a fleet cluster at once, through its watch", async () => {
    const prod = apis[1] as KubeApi;
    await prod.patch(Deployment, "web", "shop", { spec: { replicas: 5 } }, "merge");
    // The Sync's interval is 1m: within 30 s only the watch can have done it.
    await eventually(
      "kaika-2's web back to 2 replicas",
      async () => (await prod.get(Deployment, "web", "shop")).spec as { replicas: number },
      (spec) => spec.replicas === 2,
      30_000,
    );
  });

  it("shows a stopped cluster as unreachable, syncs the rest, and catches it up", async () => {
    const third = fleet().clusters[2];
    await third?.stopApiserver();
    await eventually(
      "prod-2 unreachable",
      async () => (await admin.get(Cluster, "prod-2", "kaika-system")).status as { reachable?: boolean },
      (s) => s?.reachable === false,
      60_000,
    );
    const next = await repo.commit({ "apps/web/base/web.yaml": web("web:4.0.0") });
    await phaseIs("WaitingForPromotion", next);
    await kaika("--context", "kaika-1", "rollout", "promote", "web");
    await imageIs(1, "web:4.0.0");
    const s = await eventually(
      "prod-2 listed as unreachable",
      sync,
      (v) => v.clusters?.find((c) => c.name === "prod-2")?.state === "Unreachable",
      60_000,
    );
    assert.match(s.rollout?.message ?? "", /./);
    const overview = (await kaika("--context", "kaika-1", "fleet")).stdout;
    assert.match(overview, /prod-2\s+False/);
    await third?.startApiserver();
    await imageIs(2, "web:4.0.0");
    await eventually(
      "prod-2 caught up and healthy",
      sync,
      (v) =>
        v.clusters?.some((c) => c.name === "prod-2" && c.state === "Applied" && c.revision?.endsWith(next)) === true,
      180_000,
    );
    await phaseIs("Complete", next);
  });

  it("exits 0 on SIGTERM, its cluster watches closed", async () => {
    const code = await controller.stop(40_000);
    assert.equal(code, 0, `kaika run after SIGTERM: ${code}\n${controller.log().slice(-2000)}`);
  });

  it("records which versions ran where and when in the ledger", async () => {
    const ledger = join(data, "ledger.sqlite");
    type Matrix = { clusters: string[]; services: { service: string; clusters: Record<string, string> }[] };
    const now = await eventually(
      "the ledger has prod-2's catch-up",
      async () => JSON.parse((await kaika("versions", "--ledger", ledger, "-o", "json")).stdout) as Matrix,
      (m) => m.services.find((s) => s.service === "web")?.clusters["prod-2"] === "4.0.0",
      30_000,
    );
    assert.deepEqual(now.clusters, ["prod-1", "prod-2", "staging"]);
    assert.deepEqual(now.services.find((s) => s.service === "web")?.clusters, {
      "prod-1": "4.0.0",
      "prod-2": "4.0.0",
      staging: "4.0.0",
    });
    const then = JSON.parse(
      (
        await kaika(
          "versions",
          "--ledger",
          ledger,
          "--cluster",
          "prod-1",
          "--at",
          firstRolledOut.toISOString(),
          "-o",
          "json",
        )
      ).stdout,
    ) as Matrix;
    assert.equal(
      then.services.find((s) => s.service === "web")?.clusters["prod-1"],
      "1.0.0",
      "what ran on kaika-2 then",
    );
    // staging now against prod-1 at the first rollout: web differs.
    const diff = await kaika(
      "versions",
      "diff",
      "staging",
      `prod-1@${firstRolledOut.toISOString()}`,
      "--ledger",
      ledger,
      "-o",
      "json",
    ).catch((error: { code: number; stdout: string }) => error);
    assert.equal((diff as { code?: number }).code, 1, "exit 1: something differs");
    const parsed = JSON.parse((diff as { stdout: string }).stdout) as {
      services: { service: string; a: string; b: string }[];
    };
    assert.deepEqual(
      parsed.services.map((s) => [s.service, s.a, s.b]),
      [["web", "4.0.0", "1.0.0"]],
    );
  });

  it("a new replica heals a later-wave cluster on the previous commit, which it fetches by sha", async () => {
    // While no kaika runs: a hand change on prod-1, and a new commit.
    const prod = apis[1] as KubeApi;
    await prod.patch(Deployment, "web", "shop", { spec: { replicas: 5 } }, "merge");
    const next = await repo.commit({ "apps/web/base/web.yaml": web("web:5.0.0") });
    // A fresh data directory, as a new pod would have: only the branch's head is fetched at start.
    const fresh = mkdtempSync(join(tmpdir(), "kaika-fleet-new-"));
    controller = startKaikaRun(
      fleet().kubeconfigPath,
      ["--cluster-probe-interval=1", "--audit-interval=0", `--data-dir=${fresh}`],
      "kaika-1",
    );
    try {
      await phaseIs("WaitingForPromotion", next);
      await imageIs(0, "web:5.0.0");
      // prod-1 stays on web:4.0.0, and reverting the hand change there needs that commit's tree.
      await eventually(
        "kaika-2's web back to 2 replicas",
        async () => (await prod.get(Deployment, "web", "shop")).spec as { replicas: number },
        (spec) => spec.replicas === 2,
        60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- controller log (tail) ---\n${controller.log().slice(-4000)}`);
      });
      assert.equal(await imageOn(1), "web:4.0.0");
      assert.match(controller.log(), /fetched an earlier revision on demand/);
    } finally {
      await controller.stop();
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
