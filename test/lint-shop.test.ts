/**
 * `kaika lint` on a realistic app: a shop (frontend, cart, checkout, payments, a Postgres StatefulSet,
 * Ingress, HPAs, PDBs, NetworkPolicies, RBAC) as a careless team writes it gives exactly the findings
 * the checks promise, and the same app fixed gets a clean bill.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

const exec = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const before = fileURLToPath(new URL("testdata/shop/before", import.meta.url));
const after = fileURLToPath(new URL("testdata/shop/after", import.meta.url));

interface JsonFinding {
  check: string;
  severity: "critical" | "warning" | "info";
  object: string;
  file: string;
  line: number;
  enforced: boolean;
}

async function lint(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(kaika, ["lint", ...args], { env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * What the careless shop must give, object by object, read off docs/checks.md: the object's file and
 * first line, and every check that must fire on it (critical ones enforce and fail the lint).
 */
const expected: Record<string, { at: string; checks: string[] }> = {
  "Deployment/shop/frontend": {
    at: "frontend/deployment.yaml:1",
    checks: [
      "wiring.workload-selector", // selector adds release: stable, the template lacks it (critical)
      "probes.liveness-equals-readiness", // both GET /api/health every 10s
      "shutdown.prestop-missing", // Service frontend selects it, no preStop
      "resources.ephemeral-storage-request-missing",
      "availability.replicas-with-hpa", // replicas: 3 and HPA frontend targets it
      "availability.spread-missing", // HPA minReplicas 2, no spreading
      "images.digest-missing", // :2.3.1, no digest
      "security.run-as-root", // no securityContext anywhere
      "security.writable-root-fs",
      "security.privilege-escalation",
      "security.capabilities-not-dropped",
      "security.seccomp",
    ],
  },
  "PodDisruptionBudget/shop/frontend": {
    at: "frontend/pdb.yaml:1",
    checks: [
      "api.removed", // policy/v1beta1, gone since 1.25 (critical)
      "availability.pdb-blocks-drain", // minAvailable 2 = the HPA's minReplicas 2
    ],
  },
  "Deployment/shop/cart": {
    at: "cart/deployment.yaml:1",
    checks: [
      "probes.port-undeclared", // liveness on port "metrics", only "http" declared
      "probes.liveness-before-readiness", // both probes on the defaults (3 × 10s): restarted as it leaves the Service
      "resources.memory-limit-below-request", // 128Mi < 256Mi (critical)
      "resources.ephemeral-storage-request-missing",
      "availability.single-replica", // replicas: 1, no HPA
      "images.tag-mutable", // ghcr.io/acme-shop/cart, no tag (critical)
      "images.digest-missing",
      "images.pull-never", // left over from kind load
      "security.capabilities-not-dropped", // the rest of the securityContext is right
      "config.env-duplicate", // LOG_LEVEL twice
      "security.default-service-account-token", // no serviceAccountName
    ],
  },
  "Service/shop/cart": {
    at: "cart/service.yaml:1",
    checks: ["wiring.service-selector"], // tier: backend is on no pod template
  },
  "Deployment/shop/checkout": {
    at: "checkout/deployment.yaml:1",
    checks: [
      "probes.liveness-missing",
      "shutdown.grace-shorter-than-prestop", // grace 15s, preStop sleep 20
      "availability.pdb-missing", // replicas 2 (its HPA names checkout-api), no PDB
      "availability.spread-missing",
      "availability.rollout-max-unavailable", // maxUnavailable 2 of 2
      "secrets.env-literal", // DATABASE_PASSWORD in clear (critical)
    ],
  },
  "HorizontalPodAutoscaler/shop/checkout": {
    at: "checkout/hpa.yaml:1",
    checks: ["availability.hpa-target-missing"], // targets Deployment checkout-api, renamed checkout
  },
  "ConfigMap/shop/checkout-config": {
    at: "checkout/configmap.yaml:1",
    checks: ["secrets.configmap-data"], // an AKIA… access key id (critical)
  },
  "Deployment/shop/payments": {
    at: "payments/deployment.yaml:1",
    checks: [
      "probes.startup-missing", // liveness initialDelaySeconds 120, no startupProbe
      "probes.liveness-before-readiness", // liveness and readiness both 3 × 10s
      "secrets.ref-missing", // Secret stripe is nowhere in the input, nor an ExternalSecret or SealedSecret making it
      // Readiness 10s × 3 = 30s to fail, killed 20s after SIGTERM (grace 30s − preStop 10s). Cart has the same
      // timing (25s) but no Service selects its pods (wiring.service-selector), and checkout's grace 15s is
      // shorter than its preStop, which grace-shorter-than-prestop reports instead.
      "shutdown.readiness-unaffected",
    ],
  },
  "Role/shop/payments": {
    at: "payments/rbac.yaml:8",
    checks: ["rbac.wildcard"], // verbs: ["*"] on configmaps and secrets
  },
  "StatefulSet/shop/postgres": {
    at: "postgres/statefulset.yaml:1",
    checks: [
      "probes.liveness-missing",
      "resources.cpu-request-missing", // no resources at all
      "resources.memory-request-missing",
      "resources.memory-limit-missing",
      "resources.ephemeral-storage-request-missing",
      "availability.single-replica", // one postgres
      "images.digest-missing", // postgres:16.4
      "security.run-as-root", // no securityContext anywhere
      "security.writable-root-fs",
      "security.privilege-escalation",
      "security.capabilities-not-dropped",
      "security.seccomp",
      "security.default-service-account-token",
    ],
  },
  "Secret/shop/postgres-credentials": {
    at: "postgres/secret.yaml:1",
    checks: ["secrets.plaintext-secret"], // stringData in Git (critical)
  },
  "Namespace/shop": {
    at: "namespace.yaml:1",
    checks: [
      "resources.namespace-quota-missing", // the input creates namespace shop, runs 5 workloads in it, no quota
      "resources.namespace-limitrange-missing", // and no LimitRange
    ],
  },
  "Ingress/shop/shop": {
    at: "ingress.yaml:1",
    checks: ["wiring.ingress-backend"], // frontend:3000 is the container port; the Service has 80
  },
  "NetworkPolicy/shop/payments-from-checkout": {
    at: "network-policies.yaml:67",
    checks: ["wiring.networkpolicy-selector"], // app: payment, the pods are app: payments
  },
  "Role/shop/shop-developers": {
    at: "rbac.yaml:2",
    checks: ["rbac.pod-exec"],
  },
  "ClusterRoleBinding/shop-deployer": {
    at: "rbac.yaml:39",
    checks: ["rbac.cluster-admin-binding"], // CI's account is cluster-admin (critical)
  },
};

const critical = new Set([
  "wiring.workload-selector",
  "api.removed",
  "resources.memory-limit-below-request",
  "images.tag-mutable",
  "secrets.env-literal",
  "secrets.configmap-data",
  "secrets.plaintext-secret",
  "rbac.cluster-admin-binding",
]);

/**
 * An object's score as docs/checks.md (Scores) defines it: 100 minus 20 per critical, 5 per warning, 1 per info
 * finding, twice that when enforced, at least 0, at most 99 with any finding.
 */
function objectScore(findings: readonly { severity: JsonFinding["severity"]; enforced: boolean }[]): number {
  if (findings.length === 0) return 100;
  const weight = { critical: 20, warning: 5, info: 1 } as const;
  const lost = findings.reduce((sum, f) => sum + weight[f.severity] * (f.enforced ? 2 : 1), 0);
  return Math.max(0, Math.min(99, 100 - lost));
}

interface JsonScores {
  input: number;
  objects: Record<string, number>;
}

/** The parts of a manifest the realistic-forms test reads. */
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    template: {
      spec: {
        containers: {
          env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
          volumeMounts?: { name: string; mountPath: string }[];
        }[];
        volumes?: { name: string; secret?: { secretName: string } }[];
      };
    };
  };
}

type Pair = [check: string, object: string];
const byPair = (a: Pair, b: Pair): number => a.join("\u0000").localeCompare(b.join("\u0000"));
const expectedPairs: Pair[] = Object.entries(expected)
  .flatMap(([object, { checks }]) => checks.map((check): Pair => [check, object]))
  .sort(byPair);

/** Every object under `dir` as "Kind/namespace/name" (or "Kind/name"), read with the yaml library. */
function objectsUnder(dir: string): string[] {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.ya?ml$/.test(f));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((doc) => {
      const o = doc.toJS() as { kind: string; metadata: { name: string; namespace?: string } };
      return [o.kind, o.metadata.namespace, o.metadata.name].filter(Boolean).join("/");
    }),
  );
}

describe("kaika lint on the shop", () => {
  it("finds exactly the careless shop's mistakes, fails on the critical ones, and places each", async () => {
    const result = await lint(before, "-o", "json");
    assert.equal(result.code, 1, result.stderr);
    const { findings, scores } = JSON.parse(result.stdout) as { findings: JsonFinding[]; scores: JsonScores };
    const pairs = findings.map((f): Pair => [f.check, f.object]).sort(byPair);
    assert.deepEqual(pairs, expectedPairs);
    assert.equal(pairs.length, 59);
    for (const f of findings) {
      assert.equal(`${f.file}:${f.line}`, expected[f.object]?.at, `${f.check} on ${f.object}`);
      assert.equal(f.enforced, critical.has(f.check), `${f.check} on ${f.object} enforced`);
      assert.equal(f.severity === "critical", critical.has(f.check), `${f.check} severity`);
    }
    // A score for every object, by the documented formula; the input's is their mean rounded down, under 100.
    assert.deepEqual(Object.keys(scores.objects).sort(), objectsUnder(before).sort());
    for (const [object, n] of Object.entries(scores.objects))
      assert.equal(n, objectScore(findings.filter((f) => f.object === object)), object);
    const values = Object.values(scores.objects);
    const mean = Math.floor(values.reduce((a, b) => a + b, 0) / values.length);
    assert.equal(scores.input, Math.min(99, mean));
    assert.ok(scores.input < 100);
  });

  it("prints the careless shop grouped by object, each finding at file:line", async () => {
    const { code, stdout } = await lint(before);
    assert.equal(code, 1);
    assert.ok(!stdout.includes("\u001b["), "no colour when not on a TTY");
    const lines = stdout.trimEnd().split("\n");
    assert.match(lines.at(-1) ?? "", /^34 objects, 59 findings \(8 enforced\), score \d+$/);
    // Each object's header once, then its findings, each with a fix below.
    const grouped = new Map<string, Pair[]>();
    const headerScores = new Map<string, number>();
    const listed = new Map<string, { severity: JsonFinding["severity"]; enforced: boolean }[]>();
    let object = "";
    for (const line of lines.slice(0, -1)) {
      const header = /^(\S+) {2}\(score (\d+)\)$/.exec(line);
      if (header) {
        object = header[1]!;
        assert.ok(!grouped.has(object), `${object} is listed once`);
        assert.ok(Number(header[2]) < 100, `${object} with findings scores under 100`);
        grouped.set(object, []);
        headerScores.set(object, Number(header[2]));
        listed.set(object, []);
        continue;
      }
      if (line.startsWith("      fix: ")) continue;
      const finding = /^ {2}(\S+) (CRITICAL|warning|info) ([a-z-]+\.[a-z-]+): /.exec(line);
      assert.ok(finding, `finding line: ${line}`);
      assert.equal(finding[1], expected[object]?.at, line);
      assert.equal(finding[2] === "CRITICAL", critical.has(finding[3]!), line);
      grouped.get(object)?.push([finding[3]!, object]);
      const severity = finding[2]!.toLowerCase() as JsonFinding["severity"];
      listed.get(object)?.push({ severity, enforced: finding[2] === "CRITICAL" });
    }
    for (const [name, n] of headerScores) assert.equal(n, objectScore(listed.get(name) ?? []), `${name} score`);
    assert.deepEqual([...grouped.keys()].sort(), Object.keys(expected).sort());
    assert.deepEqual([...grouped.values()].flat().sort(byPair), expectedPairs);
  });

  it("gives the fixed shop a clean bill: no finding, exit 0, the top score", async () => {
    const json = await lint(after, "-o", "json");
    assert.equal(json.code, 0, json.stdout);
    const { findings, scores } = JSON.parse(json.stdout) as { findings: JsonFinding[]; scores: JsonScores };
    assert.deepEqual(findings, []);
    assert.equal(scores.input, 100);
    assert.deepEqual(new Set(Object.values(scores.objects)), new Set([100]));
    const text = await lint(after);
    assert.equal(text.code, 0);
    // No object is listed (each would show its score), and the input scores 100: only a clean input can.
    assert.equal(text.stdout.trim(), `${objectsUnder(after).length} objects, 0 findings (0 enforced), score 100`);
  });

  it("fixes the shop in the forms real teams use: the password as a mounted file, the Stripe key from an ExternalSecret", () => {
    const docs = readdirSync(after, { recursive: true, encoding: "utf8" })
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => parseAllDocuments(readFileSync(join(after, f), "utf8")).map((d) => d.toJS() as Manifest));
    const find = (kind: string, name: string): Manifest | undefined =>
      docs.find((d) => d.kind === kind && d.metadata.name === name);
    // Checkout: DATABASE_PASSWORD_FILE names a file of the postgres-credentials Secret, mounted as a volume.
    const checkout = find("Deployment", "checkout")?.spec.template.spec;
    const env = checkout?.containers[0]?.env ?? [];
    assert.equal(env.find((e) => e.name === "DATABASE_PASSWORD_FILE")?.value, "/etc/checkout/db/password");
    assert.ok(!env.some((e) => e.name === "DATABASE_PASSWORD"));
    const volume = checkout?.volumes?.find((v) => v.secret?.secretName === "postgres-credentials");
    assert.ok(volume, "the Secret is a volume");
    const mount = checkout?.containers[0]?.volumeMounts?.find((m) => m.name === volume.name);
    assert.equal(mount?.mountPath, "/etc/checkout/db");
    // Payments: Secret stripe is not in Git in any form; an ExternalSecret writes it.
    assert.equal(find("Secret", "stripe"), undefined);
    const external = find("ExternalSecret", "stripe");
    assert.match(external?.apiVersion ?? "", /^external-secrets\.io\//);
    const payments = find("Deployment", "payments")?.spec.template.spec.containers[0]?.env ?? [];
    assert.equal(payments.find((e) => e.name === "STRIPE_API_KEY")?.valueFrom?.secretKeyRef?.name, "stripe");
  });

  it("fixes the shop without deleting it: every object of the careless shop is still there but the cluster-admin binding", () => {
    const fixed = new Set(objectsUnder(after));
    const gone = objectsUnder(before).filter((o) => !fixed.has(o));
    assert.deepEqual(gone, ["ClusterRoleBinding/shop-deployer"]);
    for (const workload of [
      "Deployment/shop/frontend",
      "Deployment/shop/cart",
      "Deployment/shop/checkout",
      "Deployment/shop/payments",
      "StatefulSet/shop/postgres",
    ])
      assert.ok(fixed.has(workload), workload);
  });
});
