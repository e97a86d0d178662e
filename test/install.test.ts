/**
 * `kaika install|check|uninstall` on a real apiserver, and kaika run in-cluster-equivalent: with a
 * TokenRequest token of the chart's ServiceAccount, so it has exactly the chart's RBAC. It syncs,
 * rolls out to a second cluster, reviews admissions, audits, runs the SLO controller, never meets
 * a Forbidden on the way, and is Forbidden outside what the chart grants.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { serviceAccountKubeconfig } from "../src/install/service-account.ts";
import { KubeApi } from "../src/kube/api.ts";
import { ForbiddenError, NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { webDeploymentYaml } from "./support/fixtures.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";
import { kaikaBin, type RunningKaika, registerCluster, startKaikaRun, webImage } from "./support/kaika.ts";
import { until } from "./support/wait.ts";

const fleet = useFleet(2);

const exec = promisify(execFile);
const CRD = gvk("apiextensions.k8s.io/v1", "CustomResourceDefinition");
const Deployment = gvk("apps/v1", "Deployment");
const Sync = gvk("kaika.dev/v1alpha1", "Sync");

/** Runs bin/kaika against cluster `i`; resolves with code and output, never rejects on a non-zero exit. */
async function kaika(args: readonly string[], i = 0, kubeconfig?: string): Promise<{ code: number; out: string }> {
  const config = kubeconfig ?? fleet().clusters[i]?.kubeconfigPath ?? "";
  try {
    const { stdout, stderr } = await exec(kaikaBin, ["--kubeconfig", config, ...args], { maxBuffer: 32 << 20 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

const partOfKaika = async (api: KubeApi): Promise<string[]> => {
  const found: string[] = [];
  for (const [apiVersion, kind, namespaced] of [
    ["apps/v1", "Deployment", true],
    ["v1", "ServiceAccount", true],
    ["v1", "Service", true],
    ["policy/v1", "PodDisruptionBudget", true],
    ["rbac.authorization.k8s.io/v1", "ClusterRole", false],
    ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding", false],
    ["rbac.authorization.k8s.io/v1", "Role", true],
    ["rbac.authorization.k8s.io/v1", "RoleBinding", true],
  ] as const) {
    const list = await api.list(gvk(apiVersion, kind), { labelSelector: "app.kubernetes.io/part-of=kaika" });
    for (const o of list.items) found.push(`${kind}/${namespaced ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`);
  }
  return found;
};

describe("kaika install", () => {
  let admin: KubeApi;
  let dir: string;
  before(() => {
    admin = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    dir = mkdtempSync(join(tmpdir(), "kaika-install-"));
  });
  after(async () => {
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a values file with an unknown key, naming the file, and creates nothing", async () => {
    const values = join(dir, "bad-values.yaml");
    writeFileSync(values, "replicas: 2\nreplicaCount: 3\n");
    const { code, out } = await kaika(["install", "--values", values]);
    assert.equal(code, 1, out);
    assert.match(out, /bad-values\.yaml/);
    assert.match(out, /replicaCount/);
    await assert.rejects(admin.get(gvk("v1", "Namespace"), "kaika-system"), NotFoundError);
  });

  it("refuses an unreachable cluster with the address and the fix", async () => {
    const config = join(dir, "unreachable.kubeconfig");
    writeFileSync(
      config,
      fleet().clusters[0]?.kubeconfig.replace(/server: https:\/\/127\.0\.0\.1:\d+/, "server: https://127.0.0.1:1") ??
        "",
    );
    const { code, out } = await kaika(["install"], 0, config);
    assert.equal(code, 1, out);
    assert.match(out, /cannot reach the cluster at https:\/\/127\.0\.0\.1:1/);
  });

  it("refuses a user who may not create cluster-wide RBAC, before writing anything", async () => {
    const viewer = await fleet().clusters[0]?.mintUser({ user: "jane", groups: ["viewers"] });
    assert.ok(viewer);
    await admin.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "jane-view" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
        subjects: [{ kind: "User", name: "jane" }],
      },
      { fieldManager: "test", force: true },
    );
    const { code, out } = await kaika(["install"], 0, viewer.kubeconfigPath);
    assert.equal(code, 1, out);
    assert.match(out, /may not .*customresourcedefinitions\.apiextensions\.k8s\.io/);
    await assert.rejects(admin.get(gvk("v1", "Namespace"), "kaika-system"), NotFoundError);
  });

  it("a dry run validates on the server and writes nothing", async () => {
    const { code, out } = await kaika(["install", "--dry-run"]);
    assert.equal(code, 0, out);
    assert.match(out, /dry run: kaika .* would install cleanly/);
    await assert.rejects(admin.get(CRD, "syncs.kaika.dev"), NotFoundError);
  });

  it("installs: CRDs Established, Deployment Available, then check passes its static checks", async () => {
    const { code, out } = await kaika(["install"]);
    assert.equal(code, 0, out);
    assert.match(out, /installed in kaika-system/);
    const crd = await admin.get(CRD, "syncs.kaika.dev");
    const conditions = (crd.status as { conditions: { type: string; status: string }[] }).conditions;
    assert.ok(conditions.some((c) => c.type === "Established" && c.status === "True"));
    const deployment = await admin.get(Deployment, "kaika", "kaika-system");
    assert.equal((deployment.status as { availableReplicas?: number }).availableReplicas, 2);
    // The RBAC check asks SubjectAccessReviews for every granted rule.
    const checked = await kaika(["check"]);
    assert.match(checked.out, /✓ rbac +\d+ permissions granted to system:serviceaccount:kaika-system:kaika/);
    assert.match(checked.out, /✓ deployment +kaika-system\/kaika 2\/2 available/);
    // No replica really runs (kwok pods): no leader yet, and check says so with exit 1.
    assert.equal(checked.code, 1, checked.out);
    assert.match(checked.out, /✗ leader +no replica holds the Lease/);
  });

  it("a second install of the same version changes nothing; another version is refused without --upgrade", async () => {
    const again = await kaika(["install"]);
    assert.equal(again.code, 0, again.out);
    assert.doesNotMatch(again.out, /^ {2}\S+ created$/m);
    // With the namespace there, a dry run validates every object on the server.
    const dry = await kaika(["install", "--dry-run"]);
    assert.equal(dry.code, 0, dry.out);
    assert.doesNotMatch(dry.out, /not validated/);
    await admin.patch(Deployment, "kaika", "kaika-system", {
      metadata: { labels: { "app.kubernetes.io/version": "0.0.9" } },
    });
    const other = await kaika(["install"]);
    assert.equal(other.code, 1, other.out);
    assert.match(other.out, /kaika 0\.0\.9 is installed in kaika-system; this is .*--upgrade/);
    const upgraded = await kaika(["install", "--upgrade"]);
    assert.equal(upgraded.code, 0, upgraded.out);
  });

  describe("kaika run with exactly the chart's RBAC", () => {
    let repo: TestRepo;
    let running: RunningKaika;
    let asKaika: KubeApi;
    let member: KubeApi;

    before(async () => {
      repo = await createRepo();
      await repo.commit({
        "apps/shop/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
        "apps/shop/web.yaml": webDeploymentYaml("registry.example/shop/web:1.0.0"),
      });
      const config = join(dir, "kaika-sa.kubeconfig");
      writeFileSync(config, await serviceAccountKubeconfig(admin, "kaika-system", "kaika"));
      asKaika = KubeApi.load({ path: config });
      member = KubeApi.load({ path: fleet().clusters[1]?.kubeconfigPath ?? "" });
      // The chart's arguments, but listening on loopback (the pod would on its IP).
      running = startKaikaRun(config, [
        "--leader-elect",
        "--no-install-crds",
        "--default-service-account=kaika-applier",
        "--admission-bind-address=127.0.0.1:0",
        "--no-admission-secret-names",
        "--audit-interval=5s",
        "--dashboard-bind-address=127.0.0.1:0",
        "--cluster-probe-interval=2",
        "--data-dir",
        join(dir, "data"),
      ]);
      await registerCluster(admin, "member", fleet().clusters[1]?.admin ?? ({} as never), { env: "prod" });
    });
    after(async () => {
      await running?.stop();
      await asKaika?.close();
      await member?.close();
      await repo?.close();
    });

    it("syncs a repository into the admin cluster as the applier ServiceAccount", async () => {
      await admin.apply(gitSource(repo.path), { fieldManager: "test", force: true });
      await admin.apply(sync("local", {}), { fieldManager: "test", force: true });
      await until(async () => {
        const s = await admin.get(Sync, "local", "kaika-system");
        const ready = (
          s.status as { conditions?: { type: string; status: string; message: string }[] }
        )?.conditions?.find((c) => c.type === "Ready");
        assert.equal(ready?.status, "True", `${ready?.message}\n${running.log().slice(-3000)}`);
      }, 120_000);
      assert.equal(await webImage(admin), "registry.example/shop/web:1.0.0");
      // kaika's own identity may only read Deployments: the write was the applier's (impersonated).
      await assert.rejects(
        asKaika.patch(Deployment, "web", "shop", { metadata: { labels: { x: "y" } } }),
        ForbiddenError,
      );
    });

    it("rolls out to a fleet Cluster through its kubeconfig Secret", async () => {
      await admin.apply(sync("fleet", { targets: [{ clusterSelector: { matchLabels: { env: "prod" } } }] }), {
        fieldManager: "test",
        force: true,
      });
      await until(async () => assert.equal(await webImage(member), "registry.example/shop/web:1.0.0"), 120_000);
    });

    it("registers the admission webhook and denies an unsafe Deployment", async () => {
      await until(async () => {
        await admin.get(gvk("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"), "kaika-readiness");
      }, 60_000);
      const unsafe: KubeObject = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "unsafe", namespace: "default" },
        spec: {
          selector: { matchLabels: { app: "unsafe" } },
          template: {
            metadata: { labels: { app: "unsafe" } },
            spec: { containers: [{ name: "c", image: "nginx", securityContext: { privileged: true } }] },
          },
        },
      };
      await until(async () => {
        await assert.rejects(admin.create(unsafe, { dryRun: true }), /kaika readiness/);
      }, 30_000);
    });

    it("audits and runs the SLO controller", async () => {
      await admin.apply(
        {
          apiVersion: "kaika.dev/v1alpha1",
          kind: "ReadinessPolicy",
          metadata: { name: "default", namespace: "kaika-system" },
          spec: {},
        },
        { fieldManager: "test", force: true },
      );
      await admin.apply(
        {
          apiVersion: "kaika.dev/v1alpha1",
          kind: "ServiceLevelObjective",
          metadata: { name: "web-availability", namespace: "shop" },
          spec: {
            service: "web",
            objective: 99.5,
            window: "30d",
            indicator: {
              ratio: {
                errors: 'sum(rate(http_requests_total{job="web",code=~"5.."}[{{.window}}]))',
                total: 'sum(rate(http_requests_total{job="web"}[{{.window}}]))',
              },
            },
          },
        },
        { fieldManager: "test", force: true },
      );
      await until(async () => {
        const policy = await admin.get(gvk("kaika.dev/v1alpha1", "ReadinessPolicy"), "default", "kaika-system");
        assert.ok(
          (policy.status as { audit?: { lastAuditTime?: string } } | undefined)?.audit?.lastAuditTime,
          running.log().slice(-2000),
        );
        const rules = await admin.get(gvk("v1", "ConfigMap"), "slo-rules-web-availability", "shop");
        assert.ok(rules.data);
      }, 90_000);
    });

    it("kaika check passes: leader elected, webhook answering with its CA, RBAC granted", async () => {
      const { code, out } = await kaika(["check"]);
      assert.equal(code, 0, out);
      assert.match(out, /✓ leader +\S+/);
      assert.match(out, /✓ admission webhook +https:\/\/127\.0\.0\.1:\d+\/validate answers/);
      assert.match(out, /all checks passed/);
    });

    it("met no Forbidden on the way, and is Forbidden outside the chart's RBAC", async () => {
      const forbidden = running
        .log()
        .split("\n")
        .filter((line) => /forbidden/i.test(line));
      assert.deepEqual(forbidden, [], "kaika's log shows requests the chart's RBAC does not allow");
      await assert.rejects(asKaika.list(gvk("v1", "Secret"), { namespace: "kube-system" }), ForbiddenError);
      await assert.rejects(
        asKaika.create({
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRoleBinding",
          metadata: { name: "kaika-escalates" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
          subjects: [{ kind: "ServiceAccount", name: "kaika", namespace: "kaika-system" }],
        }),
        ForbiddenError,
      );
      await assert.rejects(asKaika.delete(gvk("v1", "Namespace"), "shop"), ForbiddenError);
      await assert.rejects(
        asKaika.apply(
          { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" } },
          { fieldManager: "intruder" },
        ),
        ForbiddenError,
      );
    });
  });

  it("uninstall removes every kaika object but the CRDs", async () => {
    const { code, out } = await kaika(["uninstall"]);
    assert.equal(code, 0, out);
    assert.deepEqual(await partOfKaika(admin), []);
    await assert.rejects(
      admin.get(gvk("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"), "kaika-readiness"),
      NotFoundError,
    );
    await admin.get(CRD, "syncs.kaika.dev");
  });
});

function gitSource(url: string): KubeObject {
  return {
    apiVersion: "kaika.dev/v1alpha1",
    kind: "GitSource",
    metadata: { name: "fleet", namespace: "kaika-system" },
    spec: { url: `file://${url}`, ref: { branch: "main" }, interval: "5s" },
  };
}

function sync(name: string, extra: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "kaika.dev/v1alpha1",
    kind: "Sync",
    metadata: { name, namespace: "kaika-system" },
    spec: { sourceRef: { name: "fleet" }, path: "apps/shop", interval: "30s", policy: { mode: "warn" }, ...extra },
  };
}
