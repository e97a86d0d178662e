import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import { PolicySet } from "../policy/readiness-policy.ts";
import { review } from "./admission.ts";
import { issueServingCertificate } from "./admission-certs.ts";

const pod = (image: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p" },
  spec: {
    containers: [
      { name: "c", image, resources: { requests: { cpu: "1m", memory: "1Mi" }, limits: { memory: "1Mi" } } },
    ],
  },
});

const deployment = (metadata: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", ...metadata },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "app", image: "nginx:latest" }] },
    },
  },
});

describe("admission review", () => {
  it("answers with the request's uid, denying enforced findings and naming the check and fix", () => {
    const answer = review({ request: { uid: "u1", namespace: "shop", object: pod("nginx") } });
    assert.equal(answer.response.uid, "u1");
    assert.equal(answer.response.allowed, false);
    assert.equal(answer.response.status?.code, 403);
    assert.match(
      answer.response.status?.message ?? "",
      /^kaika readiness: 1 enforced finding\(s\): images\.tag-mutable \(critical\) at spec\.containers\[c\]\.image: .*\(fix: /,
    );
  });

  it("allows with at most 10 short warnings, and allows requests without an object (deletes)", () => {
    const answer = review({ request: { uid: "u2", object: pod("registry.example/app:1.0.0") } });
    assert.equal(answer.response.allowed, true);
    assert.ok((answer.response.warnings?.length ?? 0) > 0 && (answer.response.warnings?.length ?? 0) <= 10);
    assert.ok(answer.response.warnings?.every((w) => w.length <= 240));
    assert.deepEqual(review({ request: { uid: "u3" } }).response, { uid: "u3", allowed: true });
    const many = review(
      { request: { uid: "u4", namespace: "shop", object: deployment() } },
      {
        policies: new PolicySet([{ name: "p", spec: { severities: { critical: "warn", info: "warn" } } }]),
      },
    );
    assert.equal(many.response.allowed, true);
    assert.equal(many.response.warnings?.length, 10);
    assert.match(many.response.warnings?.[0] ?? "", /^images\.tag-mutable: /, "critical first");
    assert.match(many.response.warnings?.[9] ?? "", /^and \d+ more: run kaika lint$/);
  });

  it("decides with the namespace's ReadinessPolicy over the default", () => {
    const policies = new PolicySet([
      { name: "default", namespace: "kaika-system", spec: { checks: { "security.run-as-root": "enforce" } } },
      { name: "shop", namespace: "shop", spec: { checks: { "images.tag-mutable": "warn", "security.*": "off" } } },
    ]);
    const shop = review({ request: { uid: "a", namespace: "shop", object: deployment() } }, { policies });
    assert.equal(shop.response.allowed, true);
    assert.ok(shop.response.warnings?.some((w) => w.startsWith("images.tag-mutable: ")));
    assert.ok(!shop.response.warnings?.some((w) => w.startsWith("security.")));
    const cart = review({ request: { uid: "b", namespace: "cart", object: deployment() } }, { policies });
    assert.equal(cart.response.allowed, false);
    assert.match(cart.response.status?.message ?? "", /2 enforced finding\(s\).*security\.run-as-root \(warning\)/);
  });

  it("reads related live objects: a PodDisruptionBudget in the namespace silences availability.pdb-missing", () => {
    const pdb: KubeObject = {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web", namespace: "shop" },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } },
    };
    const without = review({ request: { uid: "c", namespace: "shop", object: deployment() } });
    assert.ok(without.response.warnings?.some((w) => w.startsWith("availability.pdb-missing")));
    const related = (ns: string): KubeObject[] => (ns === "shop" ? [pdb] : []);
    const withPdb = review({ request: { uid: "d", namespace: "shop", object: deployment() } }, { related });
    assert.ok(!withPdb.response.warnings?.some((w) => w.startsWith("availability.pdb-missing")));
    assert.ok(!withPdb.response.status?.message.includes("PodDisruptionBudget/"), "findings of the PDB are not ours");
  });

  it("warns, never denies, on checks that judge an object by the rest of its commit; drops manifest-only checks", () => {
    // Every severity enforced: what kaika's demo policy does in its shop namespace.
    const policies = new PolicySet([
      {
        name: "strict",
        namespace: "shop",
        spec: { severities: { critical: "enforce", warning: "enforce", info: "enforce" } },
      },
    ]);
    const hpa: KubeObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: "shop" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 2,
        maxReplicas: 4,
      },
    };
    const answer = review(
      { request: { uid: "s", namespace: "shop", object: deployment() } },
      { policies, related: (ns) => (ns === "shop" ? [hpa] : []) },
    );
    const denied = answer.response.status?.message ?? "";
    // Single-object findings still deny (a mutable tag) …
    assert.equal(answer.response.allowed, false);
    assert.match(denied, /images\.tag-mutable/);
    // … the PDB the commit may be about to create only warns, and replicas defaulted by the apiserver under an HPA is no finding.
    assert.doesNotMatch(denied, /availability\.pdb-missing/);
    assert.ok(answer.response.warnings?.some((w) => w.startsWith("availability.pdb-missing")));
    assert.doesNotMatch(denied, /replicas-with-hpa/);
    assert.ok(!answer.response.warnings?.some((w) => w.startsWith("availability.replicas-with-hpa")));
  });

  it("allows objects being deleted and objects a controller owns without review", () => {
    const deleting = deployment({ deletionTimestamp: "2024-01-01T00:00:00Z" });
    assert.equal(review({ request: { uid: "e", namespace: "shop", object: deleting } }).response.allowed, true);
    const owned = deployment({
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "c", uid: "1", controller: true }],
    });
    assert.equal(review({ request: { uid: "f", namespace: "shop", object: owned } }).response.allowed, true);
  });
});

describe("admission certificates", () => {
  it("makes a new CA each time and a serving certificate it signed, valid for the given time", async () => {
    const a = await issueServingCertificate("127.0.0.1", 30_000);
    const b = await issueServingCertificate("127.0.0.1", 30_000);
    const ca = new X509Certificate(a.caPem);
    const cert = new X509Certificate(a.certPem);
    assert.ok(ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey));
    assert.ok(!cert.verify(new X509Certificate(b.caPem).publicKey), "another rotation's CA does not sign it");
    assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(cert.checkHost("localhost"), "localhost");
    const life = Date.parse(cert.validTo) - Date.now();
    assert.ok(life > 25_000 && life <= 31_000, `valid for ${life} ms more`);
    assert.equal(Date.parse(ca.validTo), Date.parse(cert.validTo));
  });
});
