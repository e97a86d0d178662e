import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import type { RenderedObject } from "../render/types.ts";
import {
  assess,
  type Decision,
  decide,
  gateFindings,
  mergeSpecs,
  modeFor,
  PolicyError,
  PolicySet,
  parsePolicy,
  policiesFrom,
  type ReadinessPolicySpec,
} from "./readiness-policy.ts";
import type { Finding } from "./types.ts";

const deployment = (name: string, namespace: string, image: string, annotations?: Record<string, string>) =>
  ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
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
              resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
            },
          ],
        },
      },
    },
  }) as KubeObject;

const rendered = (...objects: KubeObject[]): RenderedObject[] =>
  objects.map((object, i) => ({ object, source: { file: "in.yaml", line: i + 1 } }));

const finding = (check: string, object: string, severity: Finding["severity"] = "warning"): Finding => ({
  check,
  severity,
  object,
  field: "spec",
  message: "m",
  fix: "f",
});

const modeOf = (decided: readonly Decision[], check: string, object?: string): string | undefined =>
  decided.find((d) => d.check === check && (!object || d.object === object))?.mode;

describe("ReadinessPolicy decisions", () => {
  it("without a policy: critical enforces, warning and info warn", () => {
    const decided = assess(rendered(deployment("web", "shop", "nginx:latest")), {});
    assert.equal(modeOf(decided, "images.tag-mutable"), "enforce");
    assert.equal(modeOf(decided, "security.run-as-root"), "warn");
    assert.equal(modeOf(decided, "probes.liveness-missing"), "warn");
    assert.ok(decided.every((d) => d.namespace === "shop"));
  });

  it("per-check modes: an id beats a pattern, the longest pattern beats a shorter one", () => {
    const spec: ReadinessPolicySpec = {
      checks: { "*": "off", "security.*": "enforce", "security.run-*": "warn", "security.seccomp": "off" },
    };
    assert.equal(modeFor(spec, "security.seccomp", "warning", "x"), "off");
    assert.equal(modeFor(spec, "security.run-as-root", "warning", "x"), "warn");
    assert.equal(modeFor(spec, "security.privileged", "critical", "x"), "enforce");
    assert.equal(modeFor(spec, "images.tag-mutable", "critical", "x"), "off");
    assert.equal(
      modeFor({ severities: { warning: "enforce" } }, "probes.readiness-missing", "warning", "x"),
      "enforce",
    );
  });

  it("namespace overrides by name pattern and label selector beat the top level; later entries win", () => {
    const spec: ReadinessPolicySpec = {
      checks: { "security.run-as-root": "enforce" },
      namespaces: [
        { names: ["legacy-*"], severities: { critical: "warn", warning: "warn" } },
        { selector: { matchLabels: { tier: "prod" } }, checks: { "probes.*": "enforce" } },
        { names: ["legacy-billing"], checks: { "security.run-as-root": "off" } },
      ],
    };
    const labels = (ns: string) => (ns === "shop" ? { tier: "prod" } : {});
    assert.equal(modeFor(spec, "security.run-as-root", "warning", "legacy-crm", labels), "warn");
    assert.equal(modeFor(spec, "security.run-as-root", "warning", "legacy-billing", labels), "off");
    assert.equal(modeFor(spec, "images.tag-mutable", "critical", "legacy-billing", labels), "warn");
    assert.equal(modeFor(spec, "probes.readiness-missing", "warning", "shop", labels), "enforce");
    assert.equal(modeFor(spec, "probes.readiness-missing", "warning", "cart", labels), "warn");
    assert.equal(
      modeFor(spec, "security.run-as-root", "warning", "", labels),
      "enforce",
      "cluster-scoped: no override",
    );
    // Without labels, the selector reads the Namespace objects of the input.
    const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { tier: "prod" } } };
    const decided = assess(rendered(ns, deployment("web", "shop", "registry.example/web:1.0.0")), spec);
    assert.equal(modeOf(decided, "probes.readiness-missing"), "enforce");
  });

  it("exemptions turn a finding off with their reason, by object pattern, kind and name, namespace", () => {
    const spec: ReadinessPolicySpec = {
      exemptions: [
        { check: "images.tag-mutable", object: "Deployment/shop/legacy-*", reason: "vendor chart" },
        { check: "security.*", kind: "Deployment", name: "agent", namespace: "ops-*", reason: "node agent" },
      ],
    };
    const findings = [
      finding("images.tag-mutable", "Deployment/shop/legacy-a", "critical"),
      finding("images.tag-mutable", "Deployment/shop/web", "critical"),
      finding("security.run-as-root", "Deployment/ops-eu/agent"),
      finding("security.run-as-root", "StatefulSet/ops-eu/agent"),
      finding("security.run-as-root", "Deployment/shop/agent"),
    ];
    const objects = findings.map((f) => {
      const [kind, namespace, name] = f.object.split("/");
      return { apiVersion: "apps/v1", kind: kind ?? "", metadata: { name, namespace } } as KubeObject;
    });
    const decided = decide(findings, objects, spec);
    assert.deepEqual(
      decided.map((d) => d.mode),
      ["off", "enforce", "off", "warn", "warn"],
    );
    assert.deepEqual(decided[0]?.waived, { by: "exemption", reason: "vendor chart" });
  });

  it("an exemption stops applying when it expires, and the finding says so", () => {
    const spec: ReadinessPolicySpec = {
      exemptions: [
        { check: "images.tag-mutable", name: "old", reason: "migrating", expires: "2026-03-01" },
        { check: "images.tag-mutable", name: "new", reason: "migrating", expires: "2026-03-01T12:00:00+02:00" },
      ],
    };
    const findings = [
      finding("images.tag-mutable", "Deployment/shop/old", "critical"),
      finding("images.tag-mutable", "Deployment/shop/new", "critical"),
    ];
    const objects = findings.map((f) => {
      const [kind, namespace, name] = f.object.split("/");
      return { apiVersion: "apps/v1", kind: kind ?? "", metadata: { name, namespace } } as KubeObject;
    });
    const at = (time: string) => decide(findings, objects, spec, { now: Date.parse(time) });
    assert.deepEqual(
      at("2026-02-28T23:59:59Z").map((d) => d.mode),
      ["off", "off"],
    );
    // A date is that day's start in UTC; a time keeps its zone (12:00+02:00 is 10:00Z).
    const later = at("2026-03-01T09:00:00Z");
    assert.deepEqual(
      later.map((d) => d.mode),
      ["enforce", "off"],
    );
    assert.match(later[0]?.message ?? "", /\(exemption expired 2026-03-01: migrating\)$/);
    assert.deepEqual(
      at("2026-03-01T10:00:00Z").map((d) => d.mode),
      ["enforce", "enforce"],
    );
  });

  it("honours an opt-out annotation only with a reason, not in strict mode; exemptions hold in strict mode", () => {
    const skip = { "kaika.dev/skip-checks": "images.tag-mutable, security.*" };
    const withReason = deployment("a", "shop", "nginx:latest", { ...skip, "kaika.dev/skip-reason": "vendor" });
    const noReason = deployment("b", "shop", "nginx:latest", skip);
    const decided = assess(rendered(withReason, noReason), {});
    assert.equal(modeOf(decided, "images.tag-mutable", "Deployment/shop/a"), "off");
    assert.equal(modeOf(decided, "security.run-as-root", "Deployment/shop/a"), "off");
    assert.deepEqual(
      decided.find((d) => d.object === "Deployment/shop/a" && d.check === "images.tag-mutable")?.waived,
      {
        by: "annotation",
        reason: "vendor",
      },
    );
    assert.equal(modeOf(decided, "images.tag-mutable", "Deployment/shop/b"), "enforce");
    const strict = assess(rendered(withReason), { strict: true });
    assert.equal(modeOf(strict, "images.tag-mutable"), "enforce");
    assert.equal(modeOf(assess(rendered(withReason), {}, { strict: true }), "images.tag-mutable"), "enforce");
    const exempt: ReadinessPolicySpec = {
      strict: true,
      exemptions: [{ check: "images.tag-mutable", name: "a", reason: "r" }],
    };
    assert.equal(modeOf(assess(rendered(withReason), exempt), "images.tag-mutable"), "off");
  });
});

describe("PolicySet", () => {
  const base = {
    name: "default",
    namespace: "kaika-system",
    spec: {
      checks: { "security.run-as-root": "enforce", "images.digest-missing": "off" },
      exemptions: [{ check: "images.tag-mutable", name: "legacy", reason: "r1" }],
      trustedRegistries: ["registry.example/"],
      strict: true,
    } satisfies ReadinessPolicySpec,
  };
  const shop = {
    name: "shop",
    namespace: "shop",
    spec: {
      checks: { "security.run-as-root": "warn" },
      exemptions: [{ check: "probes.*", name: "batch-*", reason: "r2" }],
      strict: false,
    } satisfies ReadinessPolicySpec,
  };

  it("merges a namespace's policy over the system namespace's default, and only there", () => {
    const set = new PolicySet([shop, base]);
    const merged = set.for("shop");
    assert.deepEqual(merged.checks, { "security.run-as-root": "warn", "images.digest-missing": "off" });
    assert.deepEqual(
      merged.exemptions?.map((e) => e.reason),
      ["r1", "r2"],
    );
    assert.deepEqual(merged.trustedRegistries, ["registry.example/"]);
    assert.equal(merged.strict, false);
    assert.equal(set.for("cart"), set.for(""));
    assert.equal(set.for("cart").checks?.["security.run-as-root"], "enforce");
    assert.deepEqual(set.namespaces(), ["shop"]);
    assert.deepEqual(mergeSpecs({}, {}), {});
    // A file's policy without namespace is the default too.
    assert.equal(new PolicySet([{ name: "f", spec: { strict: true } }]).for("any").strict, true);
  });

  it("asks a namespace's own policy first for modes; the default speaks only where it is silent", () => {
    const set = new PolicySet([
      {
        name: "default",
        spec: {
          checks: { "security.run-as-root": "enforce", "images.tag-mutable": "enforce" },
          namespaces: [{ names: ["shop"], checks: { "probes.readiness-missing": "enforce" } }],
        },
      },
      {
        name: "shop",
        namespace: "shop",
        spec: { checks: { "security.*": "off" }, severities: { warning: "warn" } },
      },
    ]);
    assert.deepEqual(set.layers("cart"), [set.for("cart")]);
    const mode = (check: string, severity: "critical" | "warning", ns = "shop") =>
      modeFor(set.layers(ns), check, severity, ns);
    assert.equal(mode("security.run-as-root", "warning"), "off", "a namespace pattern beats a default id");
    assert.equal(mode("probes.readiness-missing", "warning"), "warn", "the namespace's severities beat the default");
    assert.equal(mode("images.tag-mutable", "critical"), "enforce", "what the namespace leaves unsaid");
    assert.equal(mode("security.run-as-root", "warning", "cart"), "enforce");
    assert.deepEqual(set.for("shop").checks, { "images.tag-mutable": "enforce", "security.*": "off" });
  });

  it("evaluates each namespace with its own settings: trusted registries differ per namespace", () => {
    const set = new PolicySet([
      { name: "d", spec: {} },
      { name: "p", namespace: "payments", spec: { trustedRegistries: ["registry.example/"] } },
    ]);
    const decided = assess(
      rendered(deployment("a", "shop", "docker.io/web:1.0.0"), deployment("b", "payments", "docker.io/pay:1.0.0")),
      set,
    );
    assert.equal(modeOf(decided, "images.registry-untrusted", "Deployment/payments/b"), "enforce");
    assert.equal(modeOf(decided, "images.registry-untrusted", "Deployment/shop/a"), undefined);
    assert.deepEqual(
      decided.map((d) => d.line),
      [...decided.map((d) => d.line ?? 0)].sort((x, y) => x - y),
      "still sorted by line",
    );
  });

  it("gateFindings splits enforced and warned, reading cluster objects leniently", () => {
    const policy = {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "ReadinessPolicy",
      metadata: { name: "shop", namespace: "shop" },
      spec: {
        checks: { "security.run-as-root": "enforce", "no.such-check": "warn" },
        exemptions: [{ check: "images.tag-mutable", name: "web" }],
      },
    };
    const { enforced, warned } = gateFindings(
      rendered(deployment("web", "", "nginx:latest")),
      [policy],
      (o) => o.metadata.namespace || "shop",
    );
    const enforcedChecks = enforced.map((d) => d.check);
    assert.ok(enforcedChecks.includes("security.run-as-root"), enforcedChecks.join());
    assert.ok(enforcedChecks.includes("images.tag-mutable"), "an exemption without reason is left out");
    assert.ok(warned.length > 0 && warned.every((d) => d.mode === "warn"));
    const { problems } = policiesFrom([policy]);
    assert.deepEqual(
      problems.get("shop/shop")?.map((p) => p.message),
      [
        "spec.checks.no.such-check: no such check (see docs/checks.md)",
        "spec.exemptions[0].reason is required: say why skipping the check is safe",
      ],
    );
  });
});

describe("parsePolicy", () => {
  const fails = (text: string, message: RegExp): void => {
    assert.throws(
      () => parsePolicy(text, "policy.yaml"),
      (error) => {
        assert.ok(error instanceof PolicyError);
        assert.match(error.message, message);
        return true;
      },
    );
  };
  const doc = (spec: string): string =>
    `apiVersion: kaika.dev/v1alpha1\nkind: ReadinessPolicy\nmetadata: {name: p}\nspec:\n${spec}`;

  it("reads every document, with name and namespace", () => {
    const policies = parsePolicy(
      `${doc('  checks: {images.tag-mutable: "off"}\n')}---\n${doc("  strict: true\n").replace("{name: p}", "{name: q, namespace: shop}")}`,
      "policy.yaml",
    );
    assert.deepEqual(policies, [
      { name: "p", spec: { checks: { "images.tag-mutable": "off" } } },
      { name: "q", namespace: "shop", spec: { strict: true } },
    ]);
  });

  it("names file, line and field of the first problem", () => {
    fails(doc("  checks:\n    no.such-check: warn\n"), /^policy\.yaml:6: spec\.checks\.no\.such-check: no such check/);
    fails(doc("  checks:\n    images.tag-mutable: block\n"), /^policy\.yaml:6: .*must be enforce, warn or off/);
    fails(doc("  checks:\n    images.tag-mutable: false\n"), /quote "off"/);
    fails(
      doc("  exemptions:\n    - {check: images.tag-mutable, object: Pod/p}\n"),
      /^policy\.yaml:6: spec\.exemptions\[0\]\.reason is required/,
    );
    fails(
      doc("  exemptions:\n    - {check: images.tag-mutable, reason: r}\n"),
      /exemptions\[0\]: set object .* or name/,
    );
    fails(
      doc("  exemptions:\n    - {check: images.tag-mutable, name: a, reason: r, expires: 2026-13-01}\n"),
      /exemptions\[0\]\.expires: "2026-13-01" is not a date/,
    );
    fails(doc("  kubernetesVersion: 1.30\n"), /spec\.kubernetesVersion: must be a quoted string/);
    fails(doc("  namespaces:\n    - checks: {}\n"), /spec\.namespaces\[0\]: set names, selector or both/);
    fails(doc("  exemption: []\n"), /spec\.exemption: unknown field/);
    fails(doc("  severities: {critical: warn, major: enforce}\n"), /spec\.severities\.major: must be critical/);
    fails("kind: Sync\n", /kind: expected ReadinessPolicy/);
    fails(doc("  checks: [x\n"), /^policy\.yaml:\d+: not valid YAML/);
  });
});
