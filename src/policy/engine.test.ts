/** Tests of evaluate() (order, sources, `only`, cross-object context), podSpecOf and the catalogue's shape. */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import type { RenderedObject } from "../render/types.ts";
import { checks } from "./catalogue.ts";
import { evaluate, podSpecOf } from "./engine.ts";
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
  ];
  for (const [kind, fields, path] of cases) {
    it(`${kind} → ${path ?? "none"}`, () => {
      const found = podSpecOf({ apiVersion: "v1", kind, metadata: { name: "x" }, ...fields });
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
