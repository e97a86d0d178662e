/**
 * The GitSource and Sync controllers (`kaika run`) against a real apiserver
 * and a real git daemon: push → applied, change → configured, file removed →
 * pruned, bad YAML → error with file:line and nothing changed, a hand
 * `kubectl scale` → reverted.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureNamespace, KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { freePort } from "../src/localfleet/ports.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const run = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const Sync = gvk("kaika.dev/v1alpha1", "Sync");
const Deployment = gvk("apps/v1", "Deployment");
const ConfigMap = gvk("v1", "ConfigMap");

const namespaceYaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
const configMapYaml = (v: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  greeting: "${v}"\n`;
const deploymentYaml = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ${image}
`;

type Status = {
  conditions?: { type: string; status: string; reason: string; message: string }[];
  lastAppliedRevision?: string;
};
const ready = (s: KubeObject): { status: string; reason: string; message: string } | undefined =>
  (s.status as Status | undefined)?.conditions?.find((c) => c.type === "Ready");

describe("sync controller", () => {
  let repo: TestRepo;
  let api: KubeApi;
  let controller: ChildProcess;
  let data: string;
  let log = "";
  let hookAddress = "";

  before(async () => {
    repo = await createRepo();
    await repo.commit({
      "apps/shop/namespace.yaml": namespaceYaml,
      "apps/shop/settings.yaml": configMapYaml("hello"),
      "apps/shop/web.yaml": deploymentYaml("web:1.0.0"),
      "README.md": "fleet\n",
    });
    await repo.serve();
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    api = KubeApi.load({ path: kubeconfig });
    data = mkdtempSync(join(tmpdir(), "kaika-run-"));
    hookAddress = `127.0.0.1:${await freePort()}`;
    controller = spawn(
      kaika,
      [
        "--kubeconfig",
        kubeconfig,
        "run",
        "--metrics-bind-address=0",
        `--health-probe-bind-address=127.0.0.1:${await freePort()}`,
        `--webhook-bind-address=${hookAddress}`,
        `--data-dir=${data}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    controller.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
    });
    await eventually(
      "CRDs installed",
      () => api.mapper.mapping(Sync),
      () => true,
      60_000,
    );
    // kaika run makes it too once started: whoever comes first.
    await ensureNamespace(api, "kaika-system");
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "fleet", namespace: "kaika-system" },
      spec: { url: repo.url, interval: "1s" },
    });
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "shop", namespace: "kaika-system" },
      spec: { sourceRef: { name: "fleet" }, path: "apps/shop" },
    });
  });
  after(async () => {
    controller?.kill("SIGTERM");
    await api?.close();
    await repo?.close();
    rmSync(data, { recursive: true, force: true });
  });

  const syncState = () => api.get(Sync, "shop", "kaika-system");

  it("applies the first commit and reports it Ready with the revision", async () => {
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    await run("kubectl", [
      "--kubeconfig",
      kubeconfig,
      "wait",
      "-n",
      "kaika-system",
      "sync/shop",
      "--for=condition=Ready",
      "--timeout=120s",
    ]).catch((e) => {
      throw new Error(`${e}\n${log.slice(-3000)}`);
    });
    const sync = await syncState();
    assert.match((sync.status as Status).lastAppliedRevision ?? "", /^main@sha1:[0-9a-f]{40}$/);
    const web = await api.get(Deployment, "web", "shop");
    assert.equal(web.metadata.labels?.["kaika.dev/sync-name"], "shop");
  });

  it("configures a change and prunes a removed file", async () => {
    const commit = await repo.commit({ "apps/shop/settings.yaml": configMapYaml("konnichiwa") });
    await eventually(
      "configured",
      () => api.get(ConfigMap, "settings", "shop"),
      (c) => (c.data as Record<string, string>).greeting === "konnichiwa",
      30_000,
    );
    await eventually(
      "revision",
      syncState,
      (s) => ((s.status as Status).lastAppliedRevision ?? "").endsWith(commit),
      30_000,
    );
    await repo.commit({ "apps/shop/settings.yaml": null });
    await eventually(
      "pruned",
      () =>
        api.get(ConfigMap, "settings", "shop").then(
          () => false,
          (e) => e instanceof NotFoundError,
        ),
      (gone) => gone,
      30_000,
    );
  });

  it("reverts a hand kubectl scale", async () => {
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    const started = Date.now();
    await run("kubectl", ["--kubeconfig", kubeconfig, "scale", "-n", "shop", "deployment/web", "--replicas=5"]);
    await eventually(
      "reverted",
      () => api.get(Deployment, "web", "shop"),
      (d) => (d.spec as { replicas: number }).replicas === 2,
      15_000,
    );
    console.log(`drift (kubectl scale) reverted after ${Date.now() - started} ms`);
  });

  it("fetches and applies at once when a signed push webhook arrives", async () => {
    // An hour-long interval: only the webhook can explain a quick sync.
    await repo.commit({
      "apps/hooked/cm.yaml":
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\n  namespace: shop\ndata: {v: "1"}\n',
    });
    await api.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "hook", namespace: "kaika-system" },
      stringData: { token: "t0ken" },
    });
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "hooked", namespace: "kaika-system" },
      spec: { url: repo.url, interval: "1h", ref: { branch: "main" }, webhook: { secretRef: { name: "hook" } } },
    });
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "hooked", namespace: "kaika-system" },
      spec: { sourceRef: { name: "hooked" }, path: "apps/hooked" },
    });
    await eventually(
      "first sync",
      () => api.get(ConfigMap, "hooked", "shop"),
      () => true,
      30_000,
    );
    await repo.commit({
      "apps/hooked/cm.yaml":
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\n  namespace: shop\ndata: {v: "2"}\n',
    });
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const signature = `sha256=${createHmac("sha256", "t0ken").update(body).digest("hex")}`;
    const sent = Date.now();
    const answer = await fetch(`http://${hookAddress}/hooks/kaika-system/hooked`, {
      method: "POST",
      headers: { "x-github-event": "push", "x-hub-signature-256": signature, "content-type": "application/json" },
      body,
    });
    assert.equal(answer.status, 202, await answer.text());
    await eventually(
      "applied after webhook",
      () => api.get(ConfigMap, "hooked", "shop"),
      (c) => (c.data as Record<string, string>).v === "2",
      20_000,
    );
    console.log(`webhook → applied: ${Date.now() - sent} ms`);
    const forged = await fetch(`http://${hookAddress}/hooks/kaika-system/hooked`, {
      method: "POST",
      headers: { "x-hub-signature-256": "sha256=00" },
      body,
    });
    assert.equal(forged.status, 401);
  });

  it("lists syncs with kaika get and reconciles one on request with kaika reconcile", async () => {
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    const listed = await run(kaika, ["--kubeconfig", kubeconfig, "-n", "kaika-system", "get", "syncs"]);
    assert.match(listed.stdout, /^NAMESPACE\s+NAME\s+SOURCE\s+PATH\s+REVISION\s+READY\s+STATUS/);
    assert.match(listed.stdout, /kaika-system\s+shop\s+fleet\s+apps\/shop\s+main@sha1:[0-9a-f]{40}\s+True/);
    const json = JSON.parse(
      (await run(kaika, ["--kubeconfig", kubeconfig, "-o", "json", "get", "sources"])).stdout,
    ) as { items: KubeObject[] };
    assert.deepEqual(json.items.map((i) => i.metadata.name).sort(), ["fleet", "hooked"]);
    const reconciled = await run(kaika, [
      "--kubeconfig",
      kubeconfig,
      "-n",
      "kaika-system",
      "reconcile",
      "sync",
      "shop",
      "--timeout",
      "30",
    ]);
    assert.match(reconciled.stdout, /Sync kaika-system\/shop: applied revision main@sha1:/);
  });

  it("applies as the Sync's ServiceAccount: what RBAC denies it is not applied, and nothing else from that commit", async () => {
    await api.create({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "shop-deployer", namespace: "kaika-system" },
    });
    // The ServiceAccount may edit the shop namespace and keep its inventory in kaika-system, nothing more.
    for (const namespace of ["shop", "kaika-system"]) {
      await api.create({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "shop-deployer", namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
        subjects: [{ kind: "ServiceAccount", name: "shop-deployer", namespace: "kaika-system" }],
      });
    }
    const allowed = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: allowed\n  namespace: shop\n";
    const denied = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: denied\n  namespace: default\n";
    await repo.commit({ "apps/restricted/allowed.yaml": allowed, "apps/restricted/denied.yaml": denied });
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "restricted", namespace: "kaika-system" },
      spec: { sourceRef: { name: "fleet" }, path: "apps/restricted", serviceAccountName: "shop-deployer" },
    });
    const failed = await eventually(
      "forbidden",
      () => api.get(Sync, "restricted", "kaika-system"),
      (s) => ready(s)?.reason === "ApplyFailed",
      30_000,
    );
    assert.match(ready(failed)?.message ?? "", /ConfigMap\/default\/denied: .*forbidden/i);
    await assert.rejects(api.get(ConfigMap, "allowed", "shop"), NotFoundError);
    await repo.commit({ "apps/restricted/denied.yaml": null });
    await eventually(
      "applied once allowed",
      () => api.get(ConfigMap, "allowed", "shop"),
      () => true,
      30_000,
    );
  });

  it("syncs a hierarchical repo: an inherited RoleBinding follows a user added in Git into every namespace", async () => {
    const roleBinding = (users: string[]): string =>
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: shop-viewers\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\nsubjects:\n${users.map((u) => `  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: ${u}}`).join("\n")}\n`;
    const quota = 'apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: shop-quota\nspec:\n  hard: {pods: "50"}\n';
    const namespace = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
    await repo.commit({
      "hier/namespaces/shop/viewers.yaml": roleBinding(["alice"]),
      "hier/namespaces/shop/quota.yaml": quota,
      "hier/namespaces/shop/cart/namespace.yaml": namespace("cart"),
      "hier/namespaces/shop/checkout/namespace.yaml": namespace("checkout"),
    });
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "hier", namespace: "kaika-system" },
      spec: { sourceRef: { name: "fleet" }, path: "hier", renderer: "hierarchy" },
    });
    const RoleBinding = gvk("rbac.authorization.k8s.io/v1", "RoleBinding");
    const subjects = async (ns: string): Promise<string[]> =>
      ((await api.get(RoleBinding, "shop-viewers", ns)).subjects as { name: string }[]).map((s) => s.name);
    for (const ns of ["cart", "checkout"]) {
      await eventually(
        `RoleBinding in ${ns}`,
        () => subjects(ns),
        (names) => names.join() === "alice",
        30_000,
      );
      assert.equal((await api.get(gvk("v1", "ResourceQuota"), "shop-quota", ns)).metadata.name, "shop-quota");
    }
    await repo.commit({ "hier/namespaces/shop/viewers.yaml": roleBinding(["alice", "bob"]) });
    for (const ns of ["cart", "checkout"]) {
      await eventually(
        `bob added in ${ns}`,
        () => subjects(ns),
        (names) => names.join() === "alice,bob",
        30_000,
      );
    }
  });

  it("renders a Kustomize overlay and a Helm chart, detected automatically", async () => {
    await repo.commit({
      "kust/base/kustomization.yaml": "resources: [cm.yaml]\n",
      "kust/base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata: {env: base}\n",
      "kust/prod/kustomization.yaml":
        "resources: [../base]\nnamePrefix: prod-\nnamespace: shop\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: app-config}\n      data: {env: prod}\n",
      "charts/hello/Chart.yaml": "apiVersion: v2\nname: hello\nversion: 0.1.0\n",
      "charts/hello/values.yaml": "greeting: hi\n",
      "charts/hello/templates/cm.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hello\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    });
    for (const [name, path] of [
      ["kust", "kust/prod"],
      ["chart", "charts/hello"],
    ]) {
      await api.create({
        apiVersion: "kaika.dev/v1alpha1",
        kind: "Sync",
        metadata: { name, namespace: "kaika-system" },
        spec: { sourceRef: { name: "fleet" }, path, targetNamespace: "shop" },
      });
    }
    const kust = await eventually(
      "overlay applied",
      () => api.get(ConfigMap, "prod-app-config", "shop"),
      () => true,
      30_000,
    );
    assert.deepEqual(kust.data, { env: "prod" });
    const chart = await eventually(
      "chart applied",
      () => api.get(ConfigMap, "chart-hello", "shop"),
      () => true,
      30_000,
    );
    assert.deepEqual(chart.data, { greeting: "hi" });
  });

  it("with selfHeal off reports drift instead of reverting it; deleting a Sync prunes what it applied", async () => {
    await repo.commit({
      "manual/cm.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: manual\n  namespace: shop\ndata: {v: git}\n",
    });
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "manual", namespace: "kaika-system" },
      spec: { sourceRef: { name: "fleet" }, path: "manual", selfHeal: false },
    });
    await eventually(
      "applied",
      () => api.get(ConfigMap, "manual", "shop"),
      () => true,
      30_000,
    );
    await eventually(
      "ready",
      () => api.get(Sync, "manual", "kaika-system"),
      (s) => ready(s)?.status === "True",
      30_000,
    );
    await api.patch(ConfigMap, "manual", "shop", { data: { v: "hand" } });
    const drifted = await eventually(
      "drift reported",
      () => api.get(Sync, "manual", "kaika-system"),
      (s) => ((s.status as { drift?: string[] }).drift ?? []).includes("ConfigMap/shop/manual"),
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n--- controller log (tail) ---\n${log.slice(-4000)}`);
    });
    assert.match(ready(drifted)?.message ?? "", /drift \(selfHeal off\): ConfigMap\/shop\/manual/);
    assert.equal(
      ((await api.get(ConfigMap, "manual", "shop")).data as Record<string, string>).v,
      "hand",
      "not reverted",
    );

    await api.delete(Sync, "manual", "kaika-system");
    await eventually(
      "pruned with its Sync",
      () =>
        api.get(ConfigMap, "manual", "shop").then(
          () => false,
          (e) => e instanceof NotFoundError,
        ),
      (gone) => gone,
      30_000,
    );
    await eventually(
      "Sync gone",
      () =>
        api.get(Sync, "manual", "kaika-system").then(
          () => false,
          (e) => e instanceof NotFoundError,
        ),
      (gone) => gone,
      30_000,
    );
  });

  it("holds back a commit with critical readiness findings, and applies it with policy mode warn", async () => {
    await repo.commit({
      "gated/app.yaml":
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gated-config\n  namespace: shop\ndata: {a: b}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: gated\n  namespace: shop\nspec:\n  containers: [{name: c, image: "nginx:latest"}]\n',
    });
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "gated", namespace: "kaika-system" },
      spec: { sourceRef: { name: "fleet" }, path: "gated" },
    });
    const held = await eventually(
      "held back",
      () => api.get(Sync, "gated", "kaika-system"),
      (s) => ready(s)?.reason === "PolicyViolation",
      30_000,
    );
    assert.match(ready(held)?.message ?? "", /gated\/app\.yaml:\d+ Pod\/shop\/gated images\.tag-mutable/);
    const violations = (held.status as { violations?: { check: string; line?: number }[] }).violations ?? [];
    assert.ok(
      violations.some((v) => v.check === "images.tag-mutable" && v.line === 8),
      JSON.stringify(violations),
    );
    await assert.rejects(
      api.get(ConfigMap, "gated-config", "shop"),
      NotFoundError,
      "nothing from a held-back commit is applied",
    );
    await api.patch(Sync, "gated", "kaika-system", { spec: { policy: { mode: "warn" } } });
    await eventually(
      "applied in warn mode",
      () => api.get(ConfigMap, "gated-config", "shop"),
      () => true,
      30_000,
    );
  });

  it("refuses a commit with bad YAML, naming file and line, and changes nothing", async () => {
    const before = await api.get(Deployment, "web", "shop");
    await repo.commit({
      "apps/shop/web.yaml": deploymentYaml("web:2.0.0"),
      "apps/shop/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n",
    });
    const failed = await eventually("render failed", syncState, (s) => ready(s)?.reason === "RenderFailed", 30_000);
    assert.match(ready(failed)?.message ?? "", /broken\.yaml:\d+/);
    const web = await api.get(Deployment, "web", "shop");
    assert.equal(
      web.metadata.resourceVersion,
      before.metadata.resourceVersion,
      "nothing from the bad commit was applied",
    );
    // Fixing the commit recovers.
    await repo.commit({ "apps/shop/broken.yaml": null });
    await eventually("recovered", syncState, (s) => ready(s)?.status === "True", 30_000);
    const updated = await api.get(Deployment, "web", "shop");
    assert.equal(
      (updated.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image,
      "web:2.0.0",
    );
  });
});
