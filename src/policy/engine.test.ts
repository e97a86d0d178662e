/**
 * Tests of evaluate() (order, sources, `only`, cross-object context, target version, pod templates of custom
 * resources), podSpecOf, the API lifecycle table and the catalogue's shape.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import type { RenderedObject } from "../render/types.ts";
import { apiLifecycles, parseKubernetesVersion } from "./api-versions.ts";
import { checks } from "./catalogue.ts";
import { evaluate, podSpecOf } from "./engine.ts";
import { builtinPodTemplates } from "./objects.ts";
import { compliantSet, variant } from "./testdata/fixtures.ts";

const rendered = (objects: readonly KubeObject[], file = "app.yaml"): RenderedObject[] =>
  objects.map((object, i) => ({ object, source: { file, line: i * 20 + 1 } }));

/** A Deployment missing probes and resources, to produce many findings. */
function careless(name: string, namespace = "shop"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: `${name}:latest` }] },
      },
    },
  };
}

const ids = (objects: readonly KubeObject[], check: string): string[] =>
  evaluate(rendered(objects), { only: (c) => c === check }).map((f) => f.object);

/** "check object" of every finding. */
const all = (objects: readonly KubeObject[], options: Parameters<typeof evaluate>[1] = {}): string[] =>
  evaluate(rendered(objects), options).map((f) => `${f.check} ${f.object}`);

/** A custom resource of `apiVersion`/`kind` with a careless pod template at spec.template (or `path`). */
function custom(apiVersion: string, kind: string, spec: Record<string, unknown> = {}, path = "template"): KubeObject {
  const template = {
    metadata: { labels: { app: "x" } },
    spec: { containers: [{ name: "app", image: "ghcr.io/acme/x:latest" }] },
  };
  const nested = path.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), template) as object;
  return { apiVersion, kind, metadata: { name: "x", namespace: "shop" }, spec: { ...spec, ...nested } };
}

describe("evaluate", () => {
  it("finds nothing in a production-ready Deployment, Service, PDB, HPA, Ingress and friends", () => {
    assert.deepEqual(evaluate(rendered(compliantSet()), { trustedRegistries: ["ghcr.io/acme"] }), []);
  });

  it("carries the file and line of the object, its ref, severity and the check's fix", () => {
    const objects: RenderedObject[] = [{ object: careless("api"), source: { file: "apps/api.yaml", line: 7 } }];
    const [finding] = evaluate(objects, { only: (c) => c === "images.tag-mutable" });
    assert.deepEqual(finding, {
      check: "images.tag-mutable",
      severity: "critical",
      object: "Deployment/shop/api",
      file: "apps/api.yaml",
      line: 7,
      field: "spec.template.spec.containers[app].image",
      message: "container app: image api:latest uses latest",
      fix: checks.find((c) => c.id === "images.tag-mutable")!.fix,
    });
  });

  it("sorts by file, line, then check id, whatever the input order", () => {
    const input: RenderedObject[] = [
      { object: careless("c"), source: { file: "b.yaml", line: 1 } },
      { object: careless("b"), source: { file: "a.yaml", line: 30 } },
      { object: careless("a"), source: { file: "a.yaml", line: 4 } },
    ];
    const findings = evaluate(input);
    const keys = findings.map((f) => [f.file ?? "", f.line ?? 0, f.check] as const);
    const sorted = [...keys].sort(
      (x, y) => x[0].localeCompare(y[0]) || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0),
    );
    assert.deepEqual(keys, sorted);
    assert.deepEqual([findings[0]!.file, findings[0]!.line], ["a.yaml", 4]);
    assert.deepEqual(evaluate([...input].reverse()), findings);
  });

  it("runs only the checks `only` accepts", () => {
    const input = rendered([careless("api")]);
    const probes = evaluate(input, { only: (id) => id.startsWith("probes.") });
    assert.ok(probes.length > 0);
    assert.ok(probes.every((f) => f.check.startsWith("probes.")));
    assert.ok(evaluate(input).some((f) => !f.check.startsWith("probes.")));
    assert.deepEqual(evaluate(input, { only: () => false }), []);
  });

  it("names cluster-scoped objects without a namespace", () => {
    const binding: KubeObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "ops" },
      roleRef: { kind: "ClusterRole", name: "cluster-admin" },
    };
    assert.deepEqual(ids([binding], "rbac.cluster-admin-binding"), ["ClusterRoleBinding/ops"]);
  });

  it("applies a check only to its kinds", () => {
    const configMap: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x" },
      spec: { template: {} },
    };
    assert.deepEqual(evaluate(rendered([configMap])), []);
  });
});

describe("cross-object checks", () => {
  it("matches a Service to pods only in its own namespace", () => {
    const service: KubeObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "other" },
      spec: { selector: { app: "api" }, ports: [{ port: 80 }] },
    };
    assert.deepEqual(ids([careless("api"), service], "wiring.service-selector"), ["Service/other/api"]);
    assert.deepEqual(ids([careless("api", "other"), service], "wiring.service-selector"), []);
  });

  it("asks for a preStop only on workloads a Service selects", () => {
    const service: KubeObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "a", namespace: "shop" },
      spec: { selector: { app: "a" } },
    };
    assert.deepEqual(ids([careless("a"), careless("b"), service], "shutdown.prestop-missing"), ["Deployment/shop/a"]);
  });

  it("counts a PDB or HPA only in the workload's namespace", () => {
    const moved = variant(["PodDisruptionBudget", "metadata.namespace", "other"]);
    assert.deepEqual(ids(moved, "availability.pdb-missing"), ["Deployment/shop/web"]);
    const hpaMoved = variant(["HorizontalPodAutoscaler", "metadata.namespace", "other"]);
    assert.deepEqual(ids(hpaMoved, "availability.single-replica"), ["Deployment/shop/web"]);
    assert.deepEqual(ids(hpaMoved, "availability.hpa-target-missing"), ["HorizontalPodAutoscaler/other/web"]);
  });

  it("judges a PDB's minAvailable against the replicas of each workload it selects", () => {
    const objects = variant(
      ["PodDisruptionBudget", "spec", { minAvailable: 2, selector: { matchLabels: { tier: "frontend" } } }],
      ["+", "", { ...careless("admin"), spec: { ...(careless("admin").spec as object), replicas: 2 } }],
      ["+", "", careless("other")],
    );
    const admin = objects.find((o) => o.metadata.name === "admin")!;
    (admin.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels.tier =
      "frontend";
    const found = evaluate(rendered(objects), { only: (c) => c === "availability.pdb-blocks-drain" });
    assert.deepEqual(
      found.map((f) => f.message),
      ["minAvailable 2 ≥ 2 replicas of Deployment admin"],
    );
  });

  it("reports every container by name, init containers included where they matter", () => {
    const objects = variant([
      "Deployment",
      "spec.template.spec.initContainers",
      [{ name: "migrate", image: "ghcr.io/acme/migrate:latest", securityContext: { privileged: true } }],
    ]);
    const found = evaluate(rendered(objects), {
      only: (c) => c === "images.tag-mutable" || c === "security.privileged",
    });
    assert.deepEqual(
      found.map((f) => f.field),
      [
        "spec.template.spec.initContainers[migrate].image",
        "spec.template.spec.initContainers[migrate].securityContext.privileged",
      ],
    );
    assert.deepEqual(ids(objects, "probes.readiness-missing"), []);
  });
});

describe("overlaps kept out of the check table", () => {
  it("asks no PodDisruptionBudget of a single replica: single-replica reports it instead", () => {
    const objects = variant(["-PodDisruptionBudget/web", "", undefined], ["-HorizontalPodAutoscaler", "", undefined]);
    assert.deepEqual(ids(objects, "availability.pdb-missing"), []);
    assert.deepEqual(ids(objects, "availability.single-replica"), ["Deployment/shop/web"]);
  });

  it("takes a version tag without digest as pinned: digest-missing reports the digest", () => {
    const objects = variant(["Deployment", "spec.template.spec.containers.0.image", "localhost:5000/web:1.0"]);
    assert.deepEqual(ids(objects, "images.tag-mutable"), []);
    assert.deepEqual(ids(objects, "images.digest-missing"), ["Deployment/shop/web"]);
  });

  it("leaves a grace period shorter than preStop to grace-shorter-than-prestop, not also readiness-unaffected", () => {
    // Grace 8s, preStop 5s: the kill comes 3s after SIGTERM, before readiness (15s) can fail, but the fix is the grace.
    const objects = variant(["Deployment", "spec.template.spec.terminationGracePeriodSeconds", 8]);
    assert.deepEqual(ids(objects, "shutdown.readiness-unaffected"), []);
    assert.deepEqual(ids(objects, "shutdown.grace-shorter-than-prestop"), ["Deployment/shop/web"]);
    const raised = variant(["Deployment", "spec.template.spec.terminationGracePeriodSeconds", 12]);
    assert.deepEqual(ids(raised, "shutdown.readiness-unaffected"), ["Deployment/shop/web"]);
  });

  it("judges a namespace's quota only when the input creates the namespace and runs workloads in it", () => {
    const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } };
    assert.deepEqual(ids(compliantSet(), "resources.namespace-quota-missing"), []);
    assert.deepEqual(ids([...compliantSet(), namespace], "resources.namespace-quota-missing"), ["Namespace/shop"]);
    const configOnly = compliantSet().filter((o) => o.kind === "ConfigMap");
    assert.deepEqual(ids([...configOnly, namespace], "resources.namespace-quota-missing"), []);
  });

  it("reports a removed apiVersion as removed only, not also as deprecated", () => {
    const objects = variant(["Deployment", "apiVersion", "extensions/v1beta1"]);
    assert.deepEqual(all(objects, { kubernetesVersion: "1.24", only: (c) => c.startsWith("api.") }), [
      "api.removed Deployment/shop/web",
    ]);
  });
});

describe("target Kubernetes version", () => {
  const pdb = variant(["PodDisruptionBudget", "apiVersion", "policy/v1beta1"]);
  const api = (c: string): boolean => c.startsWith("api.");

  it("defaults to 1.37, the local fleet's version", () => {
    const [finding] = evaluate(rendered(pdb), { only: api });
    assert.equal(finding?.check, "api.removed");
    assert.equal(
      finding?.message,
      "policy/v1beta1 PodDisruptionBudget is not served since Kubernetes 1.25 (target 1.37); use policy/v1 PodDisruptionBudget (served since 1.21)",
    );
  });

  it("reads 1.x, v1.x and v1.x.y, and names the replacement and the removal version", () => {
    // At 1.20 policy/v1beta1 is fine; the fixtures' policy/v1 and autoscaling/v2 are too new.
    assert.deepEqual(all(pdb, { only: api, kubernetesVersion: "1.20" }), [
      "api.unavailable HorizontalPodAutoscaler/shop/web",
      "api.unavailable PodDisruptionBudget/shop/checkout",
    ]);
    assert.deepEqual(all(pdb, { only: api, kubernetesVersion: "v1.21" }), [
      "api.deprecated PodDisruptionBudget/shop/web",
      "api.unavailable HorizontalPodAutoscaler/shop/web",
    ]);
    const [finding] = evaluate(rendered(pdb), { only: api, kubernetesVersion: "v1.24.17" });
    assert.match(
      finding?.message ?? "",
      /deprecated since 1\.21 and removed in 1\.25 \(target 1\.24\); use policy\/v1/,
    );
    assert.deepEqual(all(pdb, { only: api, kubernetesVersion: "1.25" }), ["api.removed PodDisruptionBudget/shop/web"]);
    assert.deepEqual(parseKubernetesVersion("v1.29.3-gke.1200"), [1, 29]);
    assert.equal(parseKubernetesVersion("1"), undefined);
  });

  it("reports an apiVersion newer than the target, naming the one that cluster serves", () => {
    const found = evaluate(rendered(variant()), { only: api, kubernetesVersion: "1.20" });
    assert.deepEqual(
      found.map((f) => f.message),
      [
        "policy/v1 PodDisruptionBudget is served from Kubernetes 1.21 (target 1.20); use policy/v1beta1 there, or upgrade first",
        "autoscaling/v2 HorizontalPodAutoscaler is served from Kubernetes 1.23 (target 1.20); use autoscaling/v2beta1 there, or upgrade first",
        "policy/v1 PodDisruptionBudget is served from Kubernetes 1.21 (target 1.20); use policy/v1beta1 there, or upgrade first",
      ],
    );
    assert.deepEqual(all(variant(), { only: api, kubernetesVersion: "1.23" }), []);
  });

  it("refuses a version it cannot read, naming the option", () => {
    assert.throws(() => evaluate(rendered(pdb), { kubernetesVersion: "latest" }), /kubernetesVersion "latest"/);
  });

  it("checks custom resources' apiVersions too, and leaves unknown ones alone", () => {
    const psp: KubeObject = {
      apiVersion: "policy/v1beta1",
      kind: "PodSecurityPolicy",
      metadata: { name: "restricted" },
    };
    const [finding] = evaluate(rendered([psp, custom("argoproj.io/v1alpha1", "Rollout")]), { only: api });
    assert.equal(finding?.object, "PodSecurityPolicy/restricted");
    assert.match(finding?.message ?? "", /use Pod Security Admission/);
  });
});

describe("API lifecycle table", () => {
  it("lists each apiVersion and kind once, deprecated before removed, replaced by a served apiVersion", () => {
    const keys = apiLifecycles.map((l) => `${l.apiVersion} ${l.kind}`);
    assert.equal(new Set(keys).size, keys.length);
    for (const l of apiLifecycles) {
      assert.ok(l.deprecated <= l.removed, `${l.apiVersion} ${l.kind}`);
      assert.ok(l.replacementSince === undefined || /^[a-z0-9.]*\/?v\d+$/.test(l.replacement), l.replacement);
      assert.ok(
        !apiLifecycles.some((r) => r.apiVersion === l.replacement && r.kind === l.kind),
        `${l.replacement} is on the way out too`,
      );
    }
  });

  it("is the table in docs/checks.md, row for row", () => {
    const rows = new Map<string, { head: string; kinds: string[]; tail: string }>();
    for (const l of apiLifecycles) {
      const use = l.replacementSince === undefined ? l.replacement : `\`${l.replacement}\` (1.${l.replacementSince})`;
      const head = `| \`${l.apiVersion}\``;
      const tail = `1.${l.deprecated} | 1.${l.removed} | ${use} | ${l.optIn ? "off" : "on"} |`;
      const row = rows.get(head + tail) ?? { head, kinds: [], tail };
      row.kinds.push(l.kind);
      rows.set(head + tail, row);
    }
    const expected = [...rows.values()].map((r) => `${r.head} | ${r.kinds.join(", ")} | ${r.tail}`);
    const docs = readFileSync(new URL("../../docs/checks.md", import.meta.url), "utf8").split("\n");
    const documented = docs.filter((line) => /^\| `[a-z0-9.]+\/v\w+` \|/.test(line));
    assert.deepEqual(documented, expected);
  });

  it("covers the groups of the upstream migration guide", () => {
    const groups = new Set(apiLifecycles.map((l) => l.apiVersion.split("/")[0]));
    for (const group of [
      "extensions",
      "apps",
      "batch",
      "policy",
      "autoscaling",
      "networking.k8s.io",
      "rbac.authorization.k8s.io",
      "admissionregistration.k8s.io",
      "apiextensions.k8s.io",
      "apiregistration.k8s.io",
      "storage.k8s.io",
      "scheduling.k8s.io",
      "flowcontrol.apiserver.k8s.io",
      "certificates.k8s.io",
      "coordination.k8s.io",
      "discovery.k8s.io",
      "events.k8s.io",
      "node.k8s.io",
      "resource.k8s.io",
    ]) {
      assert.ok(groups.has(group), group);
    }
  });
});

describe("pod templates of custom resources", () => {
  it("knows Argo Rollouts, OpenKruise and Knative", () => {
    assert.deepEqual(
      builtinPodTemplates.map((t) => `${t.group}/${t.kind} ${t.path}`),
      [
        "argoproj.io/Rollout spec.template",
        "apps.kruise.io/CloneSet spec.template",
        "apps.kruise.io/StatefulSet spec.template",
        "apps.kruise.io/DaemonSet spec.template",
        "serving.knative.dev/Service spec.template",
        "serving.knative.dev/Configuration spec.template",
      ],
    );
  });

  it("runs the pod, probe and availability checks on a Rollout, and not the Deployment strategy check", () => {
    const rollout = custom("argoproj.io/v1alpha1", "Rollout", {
      replicas: 1,
      selector: { matchLabels: { app: "x" } },
      strategy: { canary: { maxUnavailable: 1 } },
    });
    const found = new Set(evaluate(rendered([rollout])).map((f) => f.check));
    for (const id of [
      "images.tag-mutable",
      "resources.memory-limit-missing",
      "security.run-as-root",
      "probes.readiness-missing",
      "availability.single-replica",
    ]) {
      assert.ok(found.has(id), id);
    }
    assert.ok(!found.has("availability.rollout-max-unavailable"));
    assert.ok(!found.has("wiring.workload-selector"));
  });

  it("counts an HPA's minReplicas for a Rollout it targets", () => {
    const rollout = custom("argoproj.io/v1alpha1", "Rollout", { replicas: 2, selector: { matchLabels: { app: "x" } } });
    const hpa: KubeObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "x", namespace: "shop" },
      spec: { scaleTargetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "x" }, minReplicas: 1 },
    };
    const only = (c: string): boolean => c.startsWith("availability.");
    assert.deepEqual(
      all([rollout, hpa], { only }),
      // Source order: the Rollout's findings by check id, then the HPA's.
      [
        "availability.replicas-with-hpa Rollout/shop/x",
        "availability.single-replica Rollout/shop/x",
        "availability.hpa-min-replicas HorizontalPodAutoscaler/shop/x",
      ],
    );
  });

  it("treats an OpenKruise DaemonSet as serving but not replicated", () => {
    const found = all([custom("apps.kruise.io/v1alpha1", "DaemonSet", { selector: { matchLabels: { app: "x" } } })]);
    assert.ok(found.includes("probes.readiness-missing DaemonSet/shop/x"));
    assert.ok(!found.some((f) => f.startsWith("availability.")));
  });

  it("runs only pod checks on a Knative Service, and never takes it for a core Service", () => {
    const knative = custom("serving.knative.dev/v1", "Service");
    const found = all([knative]);
    assert.ok(found.includes("resources.cpu-request-missing Service/shop/x"));
    assert.ok(!found.some((f) => f.startsWith("probes.") || f.startsWith("wiring.") || f.startsWith("availability.")));
    const ingress: KubeObject = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "x", namespace: "shop" },
      spec: { defaultBackend: { service: { name: "x", port: { number: 80 } } } },
    };
    assert.deepEqual(ids([knative, ingress], "wiring.ingress-backend"), ["Ingress/shop/x"]);
  });

  it("leaves custom resources without a declared template to the API checks", () => {
    const found = all([custom("example.com/v1", "Deployment", { replicas: 1 })]);
    assert.deepEqual(found, []);
  });

  it("adds the user's podTemplates: serving, replicated when spec.replicas is set, pod checks only for job templates", () => {
    const podTemplates = [
      { group: "example.com", kind: "Worker", path: "spec.template" },
      { group: "example.com", kind: "Batch", path: "spec.jobTemplate.spec.template" },
    ];
    const worker = custom("example.com/v1", "Worker");
    const scaled = {
      ...custom("example.com/v1", "Worker", { replicas: 1 }),
      metadata: { name: "y", namespace: "shop" },
    };
    const batch = custom("example.com/v1", "Batch", {}, "jobTemplate.spec.template");
    const found = all([worker, scaled, batch], { podTemplates });
    assert.ok(found.includes("probes.readiness-missing Worker/shop/x"));
    assert.ok(!found.includes("availability.single-replica Worker/shop/x"));
    assert.ok(found.includes("availability.single-replica Worker/shop/y"));
    assert.ok(found.includes("images.tag-mutable Batch/shop/x"));
    assert.ok(!found.some((f) => f.startsWith("probes.") && f.endsWith("Batch/shop/x")));
    assert.deepEqual(
      evaluate(rendered([batch]), { podTemplates, only: (c) => c === "images.tag-mutable" }).map((f) => f.field),
      ["spec.jobTemplate.spec.template.spec.containers[app].image"],
    );
    assert.deepEqual(all([worker]), [], "without the declaration the Worker is opaque");
  });

  it("takes a declaration for another of Kubernetes' own kinds, and ignores one for a built-in workload", () => {
    const rc: KubeObject = { ...custom("v1", "ReplicationController", { replicas: 1 }), apiVersion: "v1" };
    assert.deepEqual(all([rc]), []);
    const podTemplates = [
      { group: "", kind: "ReplicationController", path: "spec.template" },
      { group: "apps", kind: "Deployment", path: "spec.elsewhere" },
    ];
    const found = all([rc], { podTemplates });
    assert.ok(found.includes("images.tag-mutable ReplicationController/shop/x"));
    assert.ok(found.includes("availability.single-replica ReplicationController/shop/x"));
    assert.deepEqual(ids([careless("api")], "images.tag-mutable"), ["Deployment/shop/api"]);
    assert.deepEqual(
      evaluate(rendered([careless("api")]), { podTemplates, only: (c) => c === "images.tag-mutable" }).map(
        (f) => f.field,
      ),
      ["spec.template.spec.containers[app].image"],
    );
  });

  it("lets a user entry move a built-in's path and keeps what the built-in is", () => {
    const moved = custom("argoproj.io/v1alpha1", "Rollout", { replicas: 1 }, "workloadTemplate");
    const podTemplates = [{ group: "argoproj.io", kind: "Rollout", path: "spec.workloadTemplate" }];
    const found = all([moved], { podTemplates });
    assert.ok(found.includes("availability.single-replica Rollout/shop/x"));
    assert.ok(found.includes("wiring.workload-selector Rollout/shop/x"));
    assert.ok(!all([moved]).some((f) => f.startsWith("images.")));
  });

  it("matches Services, PDBs and NetworkPolicies to a Rollout's pods", () => {
    const objects = compliantSet().filter((o) => o.kind !== "Deployment");
    assert.deepEqual(ids(objects, "wiring.service-selector"), ["Service/shop/web"]);
    assert.deepEqual(ids(objects, "availability.pdb-missing"), []);
  });
});

describe("podSpecOf", () => {
  const spec = { containers: [{ name: "c", image: "x:1" }] };
  const cases: [kind: string, fields: Record<string, unknown>, path: string | undefined][] = [
    ["Deployment", { spec: { template: { spec } } }, "spec.template.spec"],
    ["StatefulSet", { spec: { template: { spec } } }, "spec.template.spec"],
    ["DaemonSet", { spec: { template: { spec } } }, "spec.template.spec"],
    ["ReplicaSet", { spec: { template: { spec } } }, "spec.template.spec"],
    ["Job", { spec: { template: { spec } } }, "spec.template.spec"],
    ["CronJob", { spec: { jobTemplate: { spec: { template: { spec } } } } }, "spec.jobTemplate.spec.template.spec"],
    ["Pod", { spec }, "spec"],
    ["Service", { spec }, undefined],
    ["Deployment", { spec: { template: { spec: "oops" } } }, undefined],
    ["argoproj.io/v1alpha1 Rollout", { spec: { template: { spec } } }, "spec.template.spec"],
    ["apps.kruise.io/v1beta1 StatefulSet", { spec: { template: { spec } } }, "spec.template.spec"],
    ["serving.knative.dev/v1 Service", { spec: { template: { spec } } }, "spec.template.spec"],
    ["example.com/v1 Deployment", { spec: { template: { spec } } }, undefined],
    ["example.com/v1 Pod", { spec }, undefined],
  ];
  for (const [name, fields, path] of cases) {
    it(`${name} → ${path ?? "none"}`, () => {
      const [apiVersion, kind] = name.includes(" ") ? name.split(" ") : ["v1", name];
      const found = podSpecOf({ apiVersion: apiVersion!, kind: kind!, metadata: { name: "x" }, ...fields });
      assert.deepEqual(found, path === undefined ? undefined : { spec, path });
    });
  }

  it("lets checks read CronJob containers", () => {
    const cron: KubeObject = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "report", namespace: "shop" },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "run", image: "report" }] } } } } },
    };
    assert.deepEqual(
      evaluate(rendered([cron]), { only: (c) => c === "images.tag-mutable" }).map((f) => f.field),
      ["spec.jobTemplate.spec.template.spec.containers[run].image"],
    );
  });
});

describe("catalogue", () => {
  it("has unique topic.name ids and one-line texts", () => {
    assert.equal(new Set(checks.map((c) => c.id)).size, checks.length);
    for (const c of checks) {
      assert.match(c.id, /^[a-z]+\.[a-z-]+$/, c.id);
      assert.ok(c.kinds.length > 0, c.id);
      for (const line of [c.title, c.why, c.fix]) assert.ok(line && !line.includes("\n"), c.id);
    }
  });

  it("is documented in docs/checks.md with the same severity", () => {
    const docs = readFileSync(new URL("../../docs/checks.md", import.meta.url), "utf8");
    for (const c of checks) {
      const section = docs.split(/^### /m).find((s) => s.startsWith(`\`${c.id}\``));
      assert.ok(section, `no section for ${c.id}`);
      assert.match(section, new RegExp(`Severity: \\*\\*${c.severity}\\*\\*`), c.id);
    }
  });
});
