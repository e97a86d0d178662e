/**
 * SLO rules fanned out to fleet Clusters, on a real local fleet of 2: kaika
 * runs in kaika-1, which is also registered as Cluster "hub"; kaika-2 is
 * Cluster "prod-1". An SLO's spec.clusterSelector puts its rules into the
 * selected Clusters (a ConfigMap, then a PrometheusRule once that CRD is
 * served there), takes them out when a Cluster stops matching, never fights
 * over the admin cluster's own copy, shows an unreachable Cluster without
 * holding the others, and removes them everywhere when the SLO is deleted.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ServiceLevelObjectiveStatus } from "../src/api/slo.ts";
import { KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { prometheusRuleCrd } from "./support/fixtures.ts";
import { useFleet } from "./support/fleet.ts";
import { type RunningKaika, registerCluster, startKaikaRun } from "./support/kaika.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(2);
const Slo = gvk("kaika.dev/v1alpha1", "ServiceLevelObjective");
const Cluster = gvk("kaika.dev/v1alpha1", "Cluster");
const ConfigMap = gvk("v1", "ConfigMap");
const PrometheusRule = gvk("monitoring.coreos.com/v1", "PrometheusRule");
const rulesName = "slo-rules-checkout-availability";

type SloObject = KubeObject & { status?: ServiceLevelObjectiveStatus };

const slo = (clusterSelector: Record<string, unknown>) => ({
  apiVersion: "kaika.dev/v1alpha1",
  kind: "ServiceLevelObjective",
  metadata: { name: "checkout-availability", namespace: "shop" },
  spec: {
    service: "checkout",
    indicator: {
      ratio: {
        errors: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))',
        total: 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
      },
    },
    objective: 99.9,
    window: "28d",
    clusterSelector,
  },
});

const gone = (read: () => Promise<unknown>) => () =>
  read().then(
    () => false,
    (e) => e instanceof NotFoundError,
  );

describe("SLO rules on fleet Clusters", { timeout: 300_000 }, () => {
  let admin: KubeApi;
  let prod: KubeApi;
  let controller: RunningKaika | undefined;
  let data: string;

  const read = () => admin.get<SloObject>(Slo, "checkout-availability", "shop");
  const entry = (o: SloObject, cluster: string) => o.status?.clusters?.find((c) => c.cluster === cluster);
  const withLog = (error: Error): never => {
    throw new Error(`${error.message}\n--- controller log (tail) ---\n${controller?.log().slice(-4000)}`);
  };

  before(async () => {
    const [hub, prod1] = fleet().clusters;
    assert.ok(hub && prod1);
    admin = KubeApi.load({ path: hub.kubeconfigPath });
    prod = KubeApi.load({ path: prod1.kubeconfigPath });
    data = mkdtempSync(join(tmpdir(), "kaika-slo-fleet-"));
    controller = startKaikaRun(hub.kubeconfigPath, [
      "--cluster-probe-interval=1",
      "--slo-interval=1",
      `--data-dir=${data}`,
    ]);
    await eventually(
      "CRDs installed",
      () => admin.mapper.mapping(Slo),
      () => true,
      60_000,
    ).catch(withLog);
    await registerCluster(admin, "hub", hub.admin, { env: "staging" });
    await registerCluster(admin, "prod-1", prod1.admin, { env: "prod" });
    await admin.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
  });
  after(async () => {
    await controller?.stop();
    await Promise.all([admin?.close(), prod?.close()]);
    rmSync(data, { recursive: true, force: true });
  });

  it("writes the rules into the selected Cluster only, creating the namespace there", async () => {
    await admin.apply(slo({ matchLabels: { env: "prod" } }), { fieldManager: "test", force: true });
    const written = await eventually(
      "prod-1 Written",
      read,
      (o) => entry(o, "prod-1")?.state === "Written",
      60_000,
    ).catch(withLog);
    assert.deepEqual(
      written.status?.clusters?.map((c) => c.cluster),
      ["prod-1"],
      "hub (env=staging) is not selected",
    );
    assert.equal(entry(written, "prod-1")?.kind, "ConfigMap");
    assert.ok(written.metadata.finalizers?.includes("kaika.dev/slo-fleet-rules"));
    const remote = await prod.get(ConfigMap, rulesName, "shop");
    assert.equal(remote.metadata.labels?.["kaika.dev/slo-uid"], written.metadata.uid);
    assert.equal(remote.metadata.ownerReferences, undefined, "no owner reference across clusters");
    const file = Object.values((remote.data ?? {}) as Record<string, string>)[0] ?? "";
    assert.match(file, /slo:sli_error:ratio_rate5m/);
    assert.match(file, /job="checkout"/);
    const ready = written.status?.conditions?.find((c) => c.type === "Ready");
    assert.match(ready?.message ?? "", /and in 1 of 1 Clusters/);
  });

  it("reaches the admin cluster too without fighting over its own copy", async () => {
    // (Not `{}`: server-side apply turns an emptied map into null, which the schema refuses.)
    await admin.apply(slo({ matchExpressions: [{ key: "env", operator: "Exists" }] }), {
      fieldManager: "test",
      force: true,
    });
    const both = await eventually(
      "hub and prod-1 Written",
      read,
      (o) => entry(o, "hub")?.state === "Written" && entry(o, "prod-1")?.state === "Written",
      60_000,
    ).catch(withLog);
    assert.equal(entry(both, "hub")?.message, "the cluster kaika runs in");
    // A few more reconciles (1 s interval): the local copy keeps its owner reference.
    await new Promise((r) => setTimeout(r, 3000));
    const local = await admin.get(ConfigMap, rulesName, "shop");
    assert.equal(local.metadata.ownerReferences?.[0]?.uid, both.metadata.uid);
  });

  it("moves to a PrometheusRule once that CRD is served in the Cluster", async () => {
    await prod.apply(prometheusRuleCrd(), { fieldManager: "test" });
    const rule = await eventually(
      "PrometheusRule on prod-1",
      () => prod.get(PrometheusRule, rulesName, "shop"),
      () => true,
      60_000,
    ).catch(withLog);
    const groups = (rule.spec as { groups: { name: string }[] }).groups.map((g) => g.name);
    assert.equal(groups.length, 3);
    await eventually(
      "ConfigMap removed from prod-1",
      gone(() => prod.get(ConfigMap, rulesName, "shop")),
      (g) => g,
    );
    await eventually("status kind", read, (o) => entry(o, "prod-1")?.kind === "PrometheusRule").catch(withLog);
  });

  it("shows an unreachable Cluster without holding back the others", async () => {
    const [, prod1] = fleet().clusters;
    assert.ok(prod1);
    // A kubeconfig pointing at a port nothing listens on.
    await registerCluster(
      admin,
      "ghost",
      { ...prod1.admin, server: "https://127.0.0.1:1", name: "ghost" },
      { env: "prod" },
    );
    const seen = await eventually(
      "ghost Unreachable",
      read,
      (o) => entry(o, "ghost")?.state === "Unreachable",
      60_000,
    ).catch(withLog);
    assert.equal(entry(seen, "prod-1")?.state, "Written");
    assert.equal(entry(seen, "hub")?.state, "Written");
    const ready = seen.status?.conditions?.find((c) => c.type === "Ready");
    assert.match(ready?.message ?? "", /and in 2 of 3 Clusters \(ghost Unreachable\)/);
  });

  it("removes the rules from a Cluster that stops matching", async () => {
    await admin.apply(slo({ matchLabels: { env: "prod" } }), { fieldManager: "test", force: true });
    await admin.patch(Cluster, "prod-1", "kaika-system", { metadata: { labels: { env: "retired" } } });
    await eventually(
      "rules removed from prod-1",
      gone(() => prod.get(PrometheusRule, rulesName, "shop")),
      (g) => g,
      60_000,
    ).catch(withLog);
    const after = await eventually("prod-1 out of status", read, (o) => entry(o, "prod-1") === undefined);
    assert.equal(entry(after, "hub"), undefined, "hub no longer selected either");
    // The admin cluster's own copy stays: it belongs to the SLO, not to the fleet Cluster "hub".
    await admin.get(ConfigMap, rulesName, "shop");
  });

  it("deleting the SLO removes its rules from every Cluster, then lets it go", async () => {
    await admin.patch(Cluster, "prod-1", "kaika-system", { metadata: { labels: { env: "prod" } } });
    await eventually("prod-1 Written again", read, (o) => entry(o, "prod-1")?.state === "Written", 60_000).catch(
      withLog,
    );
    await prod.get(PrometheusRule, rulesName, "shop");
    await admin.delete(Slo, "checkout-availability", "shop");
    await eventually(
      "rules gone from prod-1",
      gone(() => prod.get(PrometheusRule, rulesName, "shop")),
      (g) => g,
    ).catch(withLog);
    // ghost was never written, so it does not hold the finalizer.
    await eventually("SLO gone", gone(read), (g) => g, 60_000).catch(withLog);
  });
});
