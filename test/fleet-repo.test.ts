/**
 * examples/fleet-repo, the demo's platform repository: the shop's overlays and the platform render as
 * kaika's Syncs render them and are clean under the repository's own ReadinessPolicy (which does
 * enforce: a broken copy is held back); the NetworkPolicies open exactly the traffic exporter's call
 * graph; the team quota holds the shop at full autoscale; the Syncs, SLOs and policy validate against
 * kaika's CRD schemas and point at what the repository has. On a real local cluster, `kaika sync`
 * applies the platform and both overlays and every shop pod is admitted (restricted Pod Security, the
 * quota) and runs, and the kaika objects pass a server-side dry run.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { parseAllDocuments } from "yaml";
import { loadTopology, type Topology } from "../examples/traffic/topology.ts";
import { istioDurationBuckets } from "../examples/traffic/traffic.ts";
import { kaikaCrds } from "../src/api/crds.ts";
import { ensureNamespace, KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { quantity } from "../src/policy/index.ts";
import { assess, PolicySet, parsePolicy } from "../src/policy/readiness-policy.ts";
import { renderHierarchy, renderKustomize } from "../src/render/index.ts";
import type { RenderedObject } from "../src/render/types.ts";
import { loadSloFiles, type SloDefinition } from "../src/slo/index.ts";
import { useFleet } from "./support/fleet.ts";
import { eventually } from "./support/wait.ts";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../examples/fleet-repo/", import.meta.url));
const policyFile = join(repo, "policies/readiness-policy.yaml");
const kaikaMain = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const topologyFile = fileURLToPath(new URL("../examples/traffic/shop.yaml", import.meta.url));

/** The clusters of the demo, as kaika-1..3 are registered. */
const clusters = {
  staging: { env: "staging" },
  "prod-east": { env: "prod", region: "east" },
  "prod-west": { env: "prod", region: "west" },
} as const;

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests, read field by field with assertions.
type Manifest = KubeObject & Record<string, any>;

const fleet = useFleet(1);

const policy = new PolicySet(parsePolicy(readFileSync(policyFile, "utf8"), policyFile));

/** Findings the policy does not switch off, as "check Kind/ns/name (file:line)". */
function findings(objects: readonly RenderedObject[]): string[] {
  return assess(objects, policy)
    .filter((d) => d.mode !== "off")
    .map((d) => `${d.mode} ${d.check} ${d.object} (${d.file}:${d.line}): ${d.message}`);
}

/** An overlay rendered as the shop Sync renders it: from the repository root, path = the overlay. */
const renderShop = (env: "staging" | "prod") =>
  renderKustomize(repo, `apps/shop/overlays/${env}`, { defaultNamespace: "shop" });

const renderPlatform = (cluster: keyof typeof clusters) =>
  renderHierarchy(repo, "platform", { clusterName: cluster, clusterLabels: { ...clusters[cluster] } });

const manifests = (objects: readonly RenderedObject[], kind?: string): Manifest[] =>
  objects.map((o) => o.object as Manifest).filter((o) => kind === undefined || o.kind === kind);

const named = (objects: readonly RenderedObject[], kind: string, name: string): Manifest | undefined =>
  manifests(objects, kind).find((o) => o.metadata.name === name);

const yamlDocs = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);

/**
 * A validator for one of kaika's kinds from its CRD's openAPIV3Schema, run on a copy after filling in
 * the schema's defaults (as the apiserver does before validating). Objects with properties get
 * additionalProperties: false, as kubectl's strict field validation refuses unknown fields (the
 * apiserver would otherwise prune a misspelt one silently). CEL rules are not run here; kaika's loaders
 * check what they say.
 */
function crdValidator(kind: string): (object: unknown) => string[] {
  const crd = kaikaCrds().find((c) => (c.spec as Manifest).names.kind === kind) as Manifest;
  const closed = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(closed);
    if (typeof schema !== "object" || schema === null) return schema;
    const out: Record<string, unknown> = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
    if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"])
      out.additionalProperties = false;
    return out;
  };
  const schema = closed(crd.spec.versions[0].schema.openAPIV3Schema) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
  // ajv-formats is CommonJS: its function is the module, and also its `default`, which is what the types see.
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  return (object) => {
    const copy = structuredClone(object);
    return validate(copy)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };
}

describe("examples/fleet-repo: the shop", () => {
  const rendered: Partial<Record<"staging" | "prod", RenderedObject[]>> = {};
  let topology: Topology;
  before(async () => {
    rendered.staging = (await renderShop("staging")).objects;
    rendered.prod = (await renderShop("prod")).objects;
    topology = await loadTopology(topologyFile);
  });
  const shop = (env: "staging" | "prod"): RenderedObject[] => rendered[env] ?? [];

  it("both overlays render the ten services of the traffic topology, with no finding under the policy", () => {
    for (const env of ["staging", "prod"] as const) {
      const deployments = manifests(shop(env), "Deployment").map((d) => d.metadata.name);
      assert.deepEqual(deployments.sort(), topology.services.map((s) => s.name).sort(), env);
      assert.ok(
        shop(env).every((o) => o.object.metadata.namespace === "shop"),
        "everything lands in namespace shop",
      );
      assert.deepEqual(findings(shop(env)), [], `${env}: findings under ${policyFile}`);
    }
  });

  it("the policy enforces in shop: a broken copy is held back, opt-out annotations do not count", () => {
    const broken = structuredClone(shop("prod")).filter(
      (o) => !(o.object.kind === "PodDisruptionBudget" && o.object.metadata.name === "checkout"),
    );
    const cart = manifests(broken, "Deployment").find((d) => d.metadata.name === "cart") as Manifest;
    cart.spec.template.spec.containers[0].image = "docker.io/library/cart:1.9.2";
    cart.metadata.annotations = { "kaika.dev/skip-checks": "images.*", "kaika.dev/skip-reason": "testing" };
    const enforced = assess(broken, policy)
      .filter((d) => d.mode === "enforce")
      .map((d) => `${d.check} ${d.object}`);
    assert.deepEqual(enforced.sort(), [
      "availability.pdb-missing Deployment/shop/checkout", // a warning, enforced in shop
      "images.digest-missing Deployment/shop/cart", // an info the shop enforces
      "images.registry-untrusted Deployment/shop/cart", // critical; strict: the annotation is ignored
    ]);
  });

  it("every service pins its image by tag and digest, the same release in both overlays", () => {
    const images = (env: "staging" | "prod"): Record<string, string> =>
      Object.fromEntries(
        manifests(shop(env), "Deployment").map((d) => [d.metadata.name, d.spec.template.spec.containers[0].image]),
      );
    for (const [name, image] of Object.entries(images("prod"))) {
      assert.match(image, new RegExp(`^registry\\.example/shop/${name}:\\d+\\.\\d+\\.\\d+@sha256:[0-9a-f]{64}$`));
      const version = topology.services.find((s) => s.name === name)?.version;
      assert.ok(image.includes(`:${version}@`), `${name}: the exporter's destination_version ${version} is the tag`);
    }
    assert.deepEqual(images("staging"), images("prod"));
  });

  it("prod runs at least 3 replicas of everything, staging 2; the HPAs own the count where they exist", () => {
    for (const [env, floor] of [
      ["staging", 2],
      ["prod", 3],
    ] as const) {
      const autoscaled = new Map(
        manifests(shop(env), "HorizontalPodAutoscaler").map((h) => [h.spec.scaleTargetRef.name, h.spec]),
      );
      for (const d of manifests(shop(env), "Deployment")) {
        const hpa = autoscaled.get(d.metadata.name);
        if (hpa) {
          assert.equal(d.spec.replicas, undefined, `${env} ${d.metadata.name}: the HPA owns replicas`);
          assert.equal(hpa.minReplicas, floor, `${env} ${d.metadata.name}`);
          assert.ok(hpa.maxReplicas > floor);
        } else assert.equal(d.spec.replicas, floor, `${env} ${d.metadata.name}`);
      }
      assert.deepEqual(
        [...autoscaled.keys()].sort(),
        ["cart", "catalog", "checkout", "frontend", "recommendations"],
        "the services that scale with traffic",
      );
    }
  });

  it("each service has its own ServiceAccount with no API token, and no pod mounts one", () => {
    for (const d of manifests(shop("prod"), "Deployment")) {
      const pod = d.spec.template.spec;
      const account = named(shop("prod"), "ServiceAccount", pod.serviceAccountName);
      assert.equal(pod.serviceAccountName, d.metadata.name);
      assert.equal(account?.automountServiceAccountToken, false, d.metadata.name);
      assert.equal(pod.automountServiceAccountToken, false, d.metadata.name);
    }
  });

  it("the NetworkPolicies open exactly the traffic exporter's call graph, both ways", () => {
    const ns = topology.namespace;
    const expected = topology.edges.map((e) => `${e.from.namespace}/${e.from.name} -> ${e.to}`).sort();
    const ingress: string[] = [];
    const egress: string[] = [];
    const values = (peer: Manifest): string[] =>
      peer.podSelector?.matchExpressions?.find((m: Manifest) => m.key === "app.kubernetes.io/name")?.values ?? [];
    for (const policy of manifests(shop("prod"), "NetworkPolicy")) {
      const target = policy.spec.podSelector.matchLabels?.["app.kubernetes.io/name"];
      if (!target) continue; // default-deny and the platform's allowances select every pod
      for (const rule of policy.spec.ingress ?? []) {
        for (const peer of rule.from) {
          if (peer.namespaceSelector) {
            const other = peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"];
            assert.equal(other, "istio-system");
            assert.deepEqual(peer.podSelector.matchLabels, { istio: "ingressgateway" });
            ingress.push(`${other}/istio-ingressgateway -> ${target}`);
          } else ingress.push(...values(peer).map((from) => `${ns}/${from} -> ${target}`));
        }
        assert.deepEqual(rule.ports, [{ port: "http", protocol: "TCP" }]);
      }
      for (const rule of policy.spec.egress ?? []) {
        for (const peer of rule.to)
          if (peer.podSelector) egress.push(...values(peer).map((to) => `${ns}/${target} -> ${to}`));
      }
    }
    assert.deepEqual(ingress.sort(), expected, "ingress rules: who may call whom");
    assert.deepEqual(
      egress.sort(),
      expected.filter((e) => e.startsWith(`${ns}/`)),
      "egress rules: whom each may call",
    );
  });

  it("the team quota and LimitRange hold the shop in prod at full autoscale, with a rolling update's surge", async (t) => {
    const platform = (await renderPlatform("prod-east")).objects;
    const hard = named(platform, "ResourceQuota", "team-quota")?.spec.hard as Record<string, string>;
    const limitRange = named(platform, "LimitRange", "team-defaults")?.spec.limits[0];
    const hpas = new Map(
      manifests(shop("prod"), "HorizontalPodAutoscaler").map((h) => [h.spec.scaleTargetRef.name, h]),
    );
    const used: Record<string, number> = {};
    const add = (key: string, value: number) => {
      used[key] = (used[key] ?? 0) + value;
    };
    for (const d of manifests(shop("prod"), "Deployment")) {
      const most = hpas.get(d.metadata.name)?.spec.maxReplicas ?? d.spec.replicas;
      assert.equal(d.spec.strategy.rollingUpdate.maxSurge, "25%");
      const pods = most + Math.ceil(most / 4);
      add("pods", pods);
      for (const c of d.spec.template.spec.containers) {
        add("requests.cpu", pods * (quantity(c.resources.requests.cpu) ?? 0));
        add("requests.memory", pods * (quantity(c.resources.requests.memory) ?? 0));
        add("limits.memory", pods * (quantity(c.resources.limits.memory) ?? 0));
        add("requests.ephemeral-storage", pods * (quantity(c.resources.requests["ephemeral-storage"]) ?? 0));
        assert.ok((quantity(c.resources.limits.memory) ?? 0) <= (quantity(limitRange.max.memory) ?? 0));
      }
    }
    t.diagnostic(`the shop in prod at full autoscale: ${JSON.stringify(used)}`);
    const over = Object.entries(used)
      .filter(([key, value]) => value > (quantity(hard[key]) ?? 0))
      .map(([key, value]) => `${key}: the shop needs ${value}, the quota has ${hard[key]}`);
    assert.deepEqual(over, []);
    assert.equal(Object.keys(used).length, 5);
  });

  it("kaika lint exits 0 on both overlays as rendered, under the policy", async () => {
    for (const env of ["staging", "prod"] as const) {
      const { stdout: manifest } = await run("kubectl", ["kustomize", join(repo, `apps/shop/overlays/${env}`)], {
        maxBuffer: 16 * 1024 * 1024,
      });
      const child = execFile(process.execPath, [kaikaMain, "lint", "-", "--policy", policyFile]);
      child.stdin?.end(manifest);
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      assert.equal(code, 0, out);
      assert.match(out, /^70 objects, 0 findings \(0 enforced\), score 100$/m);
    }
  });
});

describe("examples/fleet-repo: the platform", () => {
  it("renders for every cluster, clean under the policy, with the shop's namespace, quota, limits and RBAC", async () => {
    for (const cluster of Object.keys(clusters) as (keyof typeof clusters)[]) {
      const { objects } = await renderPlatform(cluster);
      assert.deepEqual(findings(objects), [], cluster);
      for (const team of ["shop", "search", "analytics"]) {
        assert.ok(named(objects, "Namespace", team), `${cluster}: Namespace ${team}`);
        for (const [kind, name] of [
          ["ResourceQuota", "team-quota"],
          ["LimitRange", "team-defaults"],
          ["RoleBinding", "platform-oncall"],
        ] as const) {
          const copy = manifests(objects, kind).find((o) => o.metadata.name === name && o.metadata.namespace === team);
          assert.ok(copy, `${cluster}: ${kind} ${name} inherited into ${team}`);
        }
      }
      const shop = named(objects, "Namespace", "shop");
      assert.equal(shop?.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
      const operators = manifests(objects, "RoleBinding").filter((o) => o.metadata.name === "shop-operators");
      assert.equal(operators.length, 1, `${cluster}: one variant of shop-operators`);
      const subjects = operators[0]?.subjects.map((s: Manifest) => s.name);
      assert.deepEqual(subjects, cluster === "staging" ? ["shop-developers"] : ["shop-oncall"]);
    }
  });

  it("kaika lint exits 0 on the platform folder with the hierarchy renderer", async () => {
    const { stdout } = await run(process.execPath, [
      kaikaMain,
      "lint",
      join(repo, "platform"),
      "--renderer",
      "hierarchy",
      "--policy",
      policyFile,
    ]);
    assert.match(stdout, /0 findings \(0 enforced\), score 100$/m);
  });
});

describe("examples/fleet-repo: the kaika objects", () => {
  const syncs = yamlDocs(join(repo, "kaika/syncs.yaml"));
  const sync = (name: string): Manifest => {
    const found = syncs.find((s) => s.metadata.name === name);
    assert.ok(found, `Sync ${name} in kaika/syncs.yaml`);
    return found;
  };
  let slos: SloDefinition[] = [];
  const sloFiles = readdirSync(join(repo, "slos"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(repo, "slos", f));
  before(async () => {
    slos = await loadSloFiles(sloFiles);
  });

  it("the Syncs validate against the Sync CRD and point at paths, renderers and Syncs that exist", () => {
    const valid = crdValidator("Sync");
    assert.deepEqual(
      syncs.map((s) => s.metadata.name),
      ["platform", "policies", "slos", "shop"],
    );
    // The validator does refuse: a misspelt field, a bad duration.
    const typo = structuredClone(sync("shop"));
    typo.spec.rollout.waves[0].sloGate.maxBurnrate = 5;
    typo.spec.rollout.waves[1].soak = "a minute";
    assert.equal(valid(typo).length, 2, valid(typo).join("\n"));
    for (const s of syncs) {
      assert.deepEqual(valid(s), [], `Sync ${s.metadata.name}`);
      assert.equal(s.metadata.namespace, "kaika-system");
      assert.equal(s.spec.sourceRef.name, "fleet");
      for (const path of [s.spec.path, ...(s.spec.targets ?? []).map((t: Manifest) => t.path)].filter(Boolean))
        assert.ok(existsSync(join(repo, path)), `${s.metadata.name}: ${path} exists`);
      for (const dep of s.spec.dependsOn ?? []) sync(dep.name);
    }
    assert.equal(sync("platform").spec.renderer, "hierarchy");
    assert.deepEqual(sync("platform").spec.targets, [{ name: "all", clusterSelector: {} }]);
    for (const name of ["policies", "slos"]) assert.equal(sync(name).spec.targets, undefined, `${name}: admin cluster`);
    const shop = sync("shop").spec;
    for (const target of shop.targets)
      assert.ok(existsSync(join(repo, target.path, "kustomization.yaml")), `${target.path} is an overlay`);
  });

  it("the shop goes staging (20 s soak, SLO gate) then prod one cluster at a time, gated on SLOs that exist", () => {
    const shop = sync("shop").spec;
    const [staging, prod, ...rest] = shop.rollout.waves;
    assert.deepEqual(rest, []);
    assert.deepEqual(staging.clusterSelector, { matchLabels: { env: "staging" } });
    assert.equal(staging.soak, "20s");
    assert.deepEqual(prod.clusterSelector, { matchLabels: { env: "prod" } });
    assert.equal(prod.maxUnavailable, 1);
    // The planner runs a wave's soak and gate before the next wave only: none on the last.
    assert.equal(prod.soak, undefined);
    assert.equal(prod.sloGate, undefined);
    assert.deepEqual(staging.sloGate.services, ["checkout", "frontend"]);
    assert.ok(staging.sloGate.maxBurnRate > 1);
    for (const service of staging.sloGate.services)
      assert.ok(
        slos.some((s) => s.service === service),
        `an SLO for ${service}`,
      );
    // Each wave's clusters get the overlay of their environment.
    for (const wave of [staging, prod]) {
      const target = shop.targets.find(
        (t: Manifest) => JSON.stringify(t.clusterSelector) === JSON.stringify(wave.clusterSelector),
      );
      assert.equal(target?.path, `apps/shop/overlays/${wave.name}`);
    }
  });

  it("the SLOs validate against the CRD, load, and give every service availability (and two latency) per cluster", async () => {
    const valid = crdValidator("ServiceLevelObjective");
    for (const file of sloFiles)
      for (const doc of yamlDocs(file)) {
        assert.deepEqual(valid(doc), [], `${file}: ${doc.metadata.name}`);
        assert.equal(doc.metadata.namespace, "shop");
      }
    const topology = await loadTopology(topologyFile);
    const names = slos.map((s) => s.name).sort();
    assert.deepEqual(
      names,
      [...topology.services.map((s) => `${s.name}-availability`), "checkout-latency", "frontend-latency"].sort(),
    );
    for (const slo of slos) {
      const queries = Object.values(slo.indicator).join("\n");
      assert.match(queries, new RegExp(`destination_service_name="${slo.service}"`), slo.name);
      assert.match(queries, /reporter="destination"/, slo.name);
      assert.match(queries, /sum by \(cluster\)/, `${slo.name}: one budget per cluster, for the gate`);
    }
    for (const file of ["frontend.yaml", "checkout.yaml"]) {
      const latency = yamlDocs(join(repo, "slos", file)).find((d) => d.spec.indicator.latency)?.spec.indicator.latency;
      assert.equal(latency.metric, "istio_request_duration_milliseconds");
      assert.ok(
        istioDurationBuckets.map(String).includes(latency.threshold),
        `${file}: le="${latency.threshold}" exists`,
      );
    }
  });

  it("the exporter's baseline stays well under every SLO, and one baseline error cannot shut the staging gate", async () => {
    const topology = await loadTopology(topologyFile);
    const gate = sync("shop").spec.rollout.waves[0].sloGate;
    const staging = topology.clusters.find((c) => c.name === "staging");
    assert.ok(staging);
    for (const slo of slos.filter((s) => s.name.endsWith("-availability"))) {
      const budget = 1 - slo.objective / 100;
      const service = topology.services.find((s) => s.name === slo.service);
      const baseline = service?.errorRate ?? topology.baselineErrorRate;
      assert.ok(baseline <= budget / 4, `${slo.name}: baseline ${baseline} vs budget ${budget}`);
      if (!gate.services.includes(slo.service)) continue;
      // Errors are spread evenly: a 5m window in staging holds at most one at the baseline.
      const perFiveMinutes =
        topology.edges.filter((e) => e.to === slo.service).reduce((n, e) => n + e.rps, 0) * staging.scale * 300;
      assert.ok(perFiveMinutes * baseline < 1);
      const worst = 1 / perFiveMinutes / budget;
      assert.ok(worst < gate.maxBurnRate, `${slo.name}: one error in 5 minutes burns ${worst}`);
    }
  });

  it("the ReadinessPolicy validates against its CRD and is the fleet default", () => {
    const [doc, ...more] = yamlDocs(policyFile);
    assert.deepEqual(more, []);
    assert.deepEqual(crdValidator("ReadinessPolicy")(doc), []);
    assert.equal(doc?.metadata.namespace, "kaika-system");
    assert.deepEqual(policy.namespaces(), [], "no namespace policy: the default governs everywhere");
  });
});

describe("examples/fleet-repo on a real cluster", () => {
  let api: KubeApi;
  let kubeconfig: string;
  before(() => {
    kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    api = KubeApi.load({ path: kubeconfig });
  });
  after(() => api?.close());

  const sync = async (path: string, renderer: string, name: string): Promise<string> => {
    const args = ["--kubeconfig", kubeconfig, "sync", "--repo", repo, "--path", path, "--renderer", renderer];
    const { stdout } = await run(process.execPath, [kaikaMain, ...args, "--name", name, "--wait"], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  };

  it("kaika sync applies the platform, then staging's and prod's shop: every pod admitted, scheduled and running", async (t) => {
    const started = Date.now();
    assert.match(await sync("platform", "hierarchy", "platform"), /22 created, .* 0 failed/);
    assert.match(await sync("apps/shop/overlays/staging", "kustomize", "shop"), /70 created, .* 0 failed/);
    t.diagnostic(`platform and staging applied and healthy after ${Date.now() - started} ms`);
    // The same cluster moved to prod's settings: more replicas, bigger pods, new settings ConfigMaps.
    assert.match(await sync("apps/shop/overlays/prod", "kustomize", "shop"), /0 failed/);
    const Pod = gvk("v1", "Pod");
    // 3 of each of the ten services (the HPAs raise theirs to minReplicas), in the restricted namespace
    // and under the team quota.
    const pods = await eventually(
      "30 shop pods Running",
      async () => (await api.list<Manifest>(Pod, { namespace: "shop" })).items,
      (items) => items.length === 30 && items.every((p) => p.status?.phase === "Running"),
      90_000,
    );
    t.diagnostic(`prod's 30 pods running after ${Date.now() - started} ms`);
    assert.deepEqual(
      [...new Set(pods.map((p) => p.metadata.labels?.["app.kubernetes.io/name"]))].sort(),
      manifests(await renderShop("prod").then((r) => r.objects), "Deployment")
        .map((d) => d.metadata.name)
        .sort(),
    );
  });

  it("the Syncs, SLOs and ReadinessPolicy pass a server-side dry run against kaika's CRDs", async () => {
    for (const crd of kaikaCrds()) await api.apply(crd, { fieldManager: "kaika" });
    await ensureNamespace(api, "kaika-system");
    await ensureNamespace(api, "shop");
    const objects = [
      ...yamlDocs(join(repo, "kaika/syncs.yaml")),
      ...yamlDocs(policyFile),
      ...readdirSync(join(repo, "slos")).flatMap((f) => yamlDocs(join(repo, "slos", f))),
    ];
    for (const object of objects) {
      await eventually(
        `${object.kind}/${object.metadata.name} accepted`,
        () => api.apply(object, { fieldManager: "kaika-test", dryRun: true, fieldValidation: "Strict" }),
        () => true,
        30_000,
      );
    }
    assert.equal(objects.length, 4 + 1 + 12);
  });
});
