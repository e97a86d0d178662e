/**
 * The audit against a real apiserver: auditCluster() over live objects, and `kaika run` writing
 * each ReadinessPolicy's status and the kaika_audit_* metrics, scraped by a real Prometheus. A
 * non-compliant Deployment created directly (no Sync, no webhook) shows up in both, and leaves
 * both once fixed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { crdFor } from "../src/api/crds.ts";
import { readinessPolicyDefinition } from "../src/api/readiness-policy.ts";
import { type AuditSummary, auditCluster } from "../src/audit/index.ts";
import { KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { freePort } from "../src/localfleet/ports.ts";
import { useFleet } from "./support/fleet.ts";
import { startPrometheus, type TestPrometheus } from "./support/prometheus.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "kaika-audit-"));
const logFile = join(dir, "kaika.log");
const Deployment = gvk("apps/v1", "Deployment");
const Policy = gvk("kaika.dev/v1alpha1", "ReadinessPolicy");

type PolicyObject = KubeObject & {
  status?: { audit?: AuditSummary; conditions?: { type: string; status: string; reason: string; message: string }[] };
};

const deployment = (name: string, namespace: string, image: string, env: unknown[] = []): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: "app",
            image,
            env,
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
          },
        ],
      },
    },
  },
});

const policy = (name: string, namespace: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "kaika.dev/v1alpha1",
  kind: "ReadinessPolicy",
  metadata: { name, namespace },
  spec,
});

const logTail = (): string => readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");

describe("audit", () => {
  let api: KubeApi;
  before(async () => {
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    for (const name of ["shop", "kaika-system"])
      await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
    await api.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", namespace: "shop" },
      stringData: { password: "hunter2-do-not-leak" },
    });
    await api.create(
      deployment("web", "shop", "nginx:latest", [
        { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
      ]),
    );
    await api.create(deployment("legacy", "shop", "nginx:latest"));
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("auditCluster finds live objects' findings under the policies, without secret values or Git-only checks", async () => {
    const report = await auditCluster(api, [
      {
        name: "shop",
        namespace: "shop",
        spec: {
          checks: { "security.run-as-root": "enforce" },
          exemptions: [{ check: "images.tag-mutable", name: "legacy", reason: "vendor image" }],
        },
      },
    ]);
    const find = (check: string, object: string) =>
      report.findings.find((f) => f.check === check && f.object === object);
    assert.equal(find("images.tag-mutable", "Deployment/shop/web")?.mode, "enforce");
    assert.equal(find("security.run-as-root", "Deployment/shop/web")?.mode, "enforce");
    assert.deepEqual(find("images.tag-mutable", "Deployment/shop/legacy")?.waived, {
      by: "exemption",
      reason: "vendor image",
    });
    assert.equal(find("secrets.ref-missing", "Deployment/shop/web"), undefined, "the live Secret is seen");
    assert.ok(!report.findings.some((f) => f.check === "secrets.plaintext-secret"), "a Git-only check");
    assert.ok(!report.findings.some((f) => f.namespace === "kube-system" || f.object.startsWith("Pod/")));
    assert.ok(!report.findings.some((f) => /ClusterRole.*\/system:/.test(f.object)), "Kubernetes' own RBAC");
    assert.ok((report.objects.get("shop") ?? 0) >= 3, JSON.stringify([...report.objects]));
    const text = JSON.stringify({ ...report, objects: [...report.objects] });
    const value = "hunter2-do-not-leak";
    assert.ok(!text.includes(value) && !text.includes(Buffer.from(value).toString("base64")), "no secret value");
    assert.ok(report.durationSeconds > 0);
  });

  describe("in kaika run", () => {
    let controller: ChildProcess;
    let prometheus: TestPrometheus;
    before(async () => {
      // The CRD is there before kaika starts, so the policies are too.
      await api.apply(crdFor(readinessPolicyDefinition), { fieldManager: "test" });
      await eventually(
        "ReadinessPolicy served",
        () => api.mapper.mapping(Policy),
        () => true,
        30_000,
      );
      await api.create(
        policy("readiness", "shop", {
          checks: { "security.run-as-root": "enforce", "no.such-check": "warn" },
          exemptions: [{ check: "images.tag-mutable", name: "legacy", reason: "vendor image" }],
        }),
      );
      await api.create(policy("fleet", "kaika-system", { severities: { info: "off" } }));
      const metrics = `127.0.0.1:${await freePort()}`;
      const log = openSync(logFile, "w");
      controller = spawn(
        kaika,
        [
          "--kubeconfig",
          fleet().clusters[0]?.kubeconfigPath ?? "",
          "run",
          `--metrics-bind-address=${metrics}`,
          "--health-probe-bind-address=0",
          "--webhook-bind-address=0",
          "--audit-interval=2s",
          `--data-dir=${dir}`,
        ],
        { stdio: ["ignore", log, log] },
      );
      prometheus = await startPrometheus({ targets: [metrics] });
    });
    after(async () => {
      controller?.kill("SIGTERM");
      await prometheus?.stop();
    });

    const status = (namespace: string, name: string) =>
      eventually(
        `${namespace}/${name} audited`,
        () => api.get<PolicyObject>(Policy, name, namespace),
        (p) => p.status?.audit !== undefined,
        90_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${logTail()}`);
      });

    it("writes the namespace's findings into its ReadinessPolicy's status, and the cluster's into the default's", async () => {
      const shop = await status("shop", "readiness");
      const audit = shop.status?.audit;
      assert.equal(audit?.scope, "shop");
      assert.ok(audit?.lastAuditTime && Date.parse(audit.lastAuditTime) > Date.now() - 120_000);
      assert.ok((audit?.objects ?? 0) >= 3);
      assert.ok((audit?.byMode.enforce ?? 0) >= 3, JSON.stringify(audit?.byMode));
      assert.ok((audit?.byMode.off ?? 0) >= 1, "the exempted finding is counted");
      assert.deepEqual(
        audit?.findings.filter((f) => f.check === "images.tag-mutable").map((f) => [f.object, f.mode]),
        [["Deployment/shop/web", "enforce"]],
      );
      assert.equal(audit?.findings[0]?.mode, "enforce", "enforced first");
      const ready = shop.status?.conditions?.find((c) => c.type === "Ready");
      assert.equal(ready?.status, "False");
      assert.equal(ready?.reason, "InvalidSpec");
      assert.match(ready?.message ?? "", /spec\.checks\.no\.such-check: no such check/);
      const fleetWide = await status("kaika-system", "fleet");
      assert.equal(fleetWide.status?.audit?.scope, "*");
      assert.ok(fleetWide.status?.audit?.findings.some((f) => f.object === "Deployment/shop/web"));
      assert.equal(fleetWide.status?.audit?.bySeverity.info, 0, "infos are off fleet-wide");
      assert.equal(fleetWide.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
    });

    it("exports kaika_audit_* metrics that Prometheus scrapes", async () => {
      const series = await eventually(
        "Prometheus has the enforced finding",
        () =>
          prometheus.query(
            'kaika_audit_findings{namespace="shop",check="images.tag-mutable",severity="critical",mode="enforce"}',
          ),
        (s) => s.length === 1,
        60_000,
      );
      assert.equal(series[0]?.value, 1);
      const exempted = await prometheus.query(
        'kaika_audit_findings{namespace="shop",check="images.tag-mutable",mode="off"}',
      );
      assert.equal(exempted[0]?.value, 1);
      const last = await prometheus.query("time() - kaika_audit_last_run_timestamp_seconds");
      assert.ok((last[0]?.value ?? Number.POSITIVE_INFINITY) < 60, JSON.stringify(last));
      const duration = await prometheus.query("kaika_audit_duration_seconds");
      assert.ok((duration[0]?.value ?? 0) > 0);
    });

    it("drops a finding from status and metrics once the Deployment is fixed", async () => {
      await api.patch(
        Deployment,
        "web",
        "shop",
        {
          spec: { template: { spec: { containers: [{ name: "app", image: "registry.example/web:1.0.0" }] } } },
        },
        "strategic",
      );
      await eventually(
        "status without the mutable tag",
        () => api.get<PolicyObject>(Policy, "readiness", "shop"),
        (p) =>
          !p.status?.audit?.findings.some(
            (f) => f.check === "images.tag-mutable" && f.object === "Deployment/shop/web",
          ),
        30_000,
      );
      await eventually(
        "the series is gone",
        () => prometheus.query('kaika_audit_findings{namespace="shop",check="images.tag-mutable",mode="enforce"}'),
        (s) => s.length === 0,
        30_000,
      );
    });
  });
});
