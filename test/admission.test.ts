/**
 * The readiness admission webhook served by `kaika run`: a hand `kubectl apply` of a non-compliant
 * Deployment is denied with the failed checks listed, warnings come back as admission warnings,
 * labelled namespaces are skipped, the cluster's ReadinessPolicies decide, and the CA rotates
 * while requests keep being reviewed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { freePort } from "../src/localfleet/ports.ts";
import { useFleet } from "./support/fleet.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const exec = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "kaika-admission-"));
const logFile = join(dir, "kaika.log");
const Config = gvk("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration");
// Short enough that the suite sees several rotations.
const validitySeconds = 15;

const deployment = (name: string, image: string, annotations = ""): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${annotations}spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: app
          image: ${image}
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
`;

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("kubectl", [
      "--kubeconfig",
      fleet().clusters[0]?.kubeconfigPath ?? "",
      ...args,
    ]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const logTail = (): string => readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");

const policy = (namespace: string, spec: string): string =>
  file(
    `policy-${namespace}.yaml`,
    `apiVersion: kaika.dev/v1alpha1\nkind: ReadinessPolicy\nmetadata: {name: readiness, namespace: ${namespace}}\nspec:\n${spec}`,
  );

/** The webhook's caBundle now, as the list of CA certificates in it. */
async function bundle(api: KubeApi): Promise<X509Certificate[]> {
  const config = await api.get<KubeObject & { webhooks: { clientConfig: { caBundle: string } }[] }>(
    Config,
    "kaika-readiness",
  );
  const pem = Buffer.from(config.webhooks[0]?.clientConfig.caBundle ?? "", "base64").toString("utf8");
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map(
    (p) => new X509Certificate(p),
  );
}

/** The certificate the webhook presents to a new connection. */
function served(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (raw) resolve(raw);
      else reject(new Error("no certificate"));
    });
    socket.on("error", reject);
  });
}

describe("admission webhook", () => {
  let controller: ChildProcess;
  let api: KubeApi;
  let port: number;
  before(async () => {
    api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
    port = await freePort();
    const log = openSync(logFile, "w");
    controller = spawn(
      kaika,
      [
        "--kubeconfig",
        fleet().clusters[0]?.kubeconfigPath ?? "",
        "run",
        "--metrics-bind-address=0",
        "--health-probe-bind-address=0",
        "--webhook-bind-address=0",
        "--audit-interval=0",
        `--admission-bind-address=127.0.0.1:${port}`,
        "--admission-failure-policy=Fail",
        `--admission-cert-validity=${validitySeconds}s`,
        `--data-dir=${dir}`,
      ],
      { stdio: ["ignore", log, log] },
    );
    await eventually(
      "webhook registered",
      () => api.get(Config, "kaika-readiness"),
      () => true,
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logTail()}`);
    });
    for (const ns of ["kaika-system", "team", "legacy"]) await kubectl("create", "namespace", ns);
  });
  after(async () => {
    controller?.kill("SIGTERM");
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("denies a Deployment with a mutable image tag, listing the failed check and its fix", async () => {
    const bad = file("bad.yaml", deployment("bad", "nginx:latest"));
    const denied = await eventually(
      "denied",
      () => kubectl("apply", "-f", bad),
      (r) => r.code !== 0,
      30_000,
    );
    assert.match(
      denied.stderr,
      /denied the request: kaika readiness: 1 enforced finding\(s\): images\.tag-mutable \(critical\) at spec\.template\.spec\.containers\[app\]\.image/,
    );
    assert.match(denied.stderr, /fix: /);
  });

  it("admits a compliant Deployment and returns its warnings", async () => {
    const admitted = await kubectl("apply", "-f", file("good.yaml", deployment("good", "registry.example/app:1.2.3")));
    assert.equal(admitted.code, 0, admitted.stderr);
    assert.match(admitted.stderr, /Warning: security\.run-as-root/);
  });

  it("knows the Secrets that exist: with secrets.ref-missing enforced, a missing one is warned about (it may come later in the same commit), an existing one not", async () => {
    await kubectl("create", "namespace", "vault");
    await kubectl("create", "secret", "generic", "db", "-n", "vault", "--from-literal=password=s3cret");
    await kubectl("apply", "-f", policy("vault", "  checks: {secrets.ref-missing: enforce}\n"));
    const withEnv = (name: string, secret: string): string =>
      deployment(name, "registry.example/app:1.2.3")
        .replace(`  name: ${name}\n`, `  name: ${name}\n  namespace: vault\n`)
        .replace(
          "          resources:",
          `          env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: ${secret}, key: password}}}]\n          resources:`,
        );
    const missing = await eventually(
      "warned: Secret nope does not exist",
      () => kubectl("apply", "-f", file("secret-missing.yaml", withEnv("reads-nope", "nope"))),
      (r) => /secrets\.ref-missing/.test(r.stderr),
      10_000,
    );
    assert.equal(missing.code, 0, missing.stderr);
    assert.match(missing.stderr, /Warning: secrets\.ref-missing: .*reads Secret nope/);
    const existing = await eventually(
      "admitted: Secret db exists",
      () => kubectl("apply", "-f", file("secret-ok.yaml", withEnv("reads-db", "db"))),
      (r) => r.code === 0,
      10_000,
    );
    assert.doesNotMatch(existing.stderr, /secrets\.ref-missing/);
    assert.doesNotMatch(existing.stderr + missing.stderr, /s3cret/);
  });

  it("skips namespaces labelled kaika.dev/admission=disabled", async () => {
    await kubectl("label", "namespace", "legacy", "kaika.dev/admission=disabled");
    const allowed = await eventually(
      "allowed in legacy",
      () => kubectl("apply", "-n", "legacy", "-f", join(dir, "bad.yaml")),
      (r) => r.code === 0,
      10_000,
    );
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  it("follows the cluster's ReadinessPolicies: namespace modes over the default, exemptions, opt-outs, strict", async () => {
    const apply = (name: string, ns: string, image: string, annotations = "") =>
      kubectl("apply", "-n", ns, "-f", file(`${name}-${ns}.yaml`, deployment(name, image, annotations)));
    // Fleet-wide default: a missing readiness probe is enforced everywhere.
    assert.equal(
      (await kubectl("apply", "-f", policy("kaika-system", "  checks: {probes.readiness-missing: enforce}\n"))).code,
      0,
    );
    const probeDenied = await eventually(
      "the default policy enforces probes",
      () => apply("web", "default", "registry.example/web:1.0.0"),
      (r) => r.code !== 0,
      15_000,
    );
    assert.match(probeDenied.stderr, /probes\.readiness-missing \(warning\)/);
    // Namespace "team": the mutable tag only warns, probes are off, run-as-root is exempt for "legacy-*".
    const teamPolicy = [
      "  checks: {images.tag-mutable: warn, probes.*: 'off'}",
      "  exemptions:",
      "    - {check: security.run-as-root, name: legacy-*, reason: vendor image runs as root}",
      "",
    ].join("\n");
    assert.equal((await kubectl("apply", "-f", policy("team", teamPolicy))).code, 0);
    const warned = await eventually(
      "team admits a mutable tag with a warning",
      () => apply("api", "team", "nginx:latest"),
      (r) => r.code === 0,
      15_000,
    );
    assert.match(warned.stderr, /Warning: images\.tag-mutable/);
    assert.match(warned.stderr, /Warning: security\.run-as-root/);
    const exempt = await apply("legacy-crm", "team", "nginx:latest");
    assert.equal(exempt.code, 0, exempt.stderr);
    assert.doesNotMatch(exempt.stderr, /security\.run-as-root/);
    // An opt-out annotation with a reason is honoured in default's namespaces, not once the policy is strict.
    const optOut =
      "  annotations:\n    kaika.dev/skip-checks: images.tag-mutable,probes.readiness-missing\n    kaika.dev/skip-reason: pinned upstream\n";
    const skipped = await apply("vendor", "default", "nginx:latest", optOut);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal((await kubectl("apply", "-f", policy("kaika-system", "  strict: true\n"))).code, 0);
    let attempt = 0;
    const strict = await eventually(
      "strict ignores the opt-out",
      // A new name each time: kubectl sends nothing for an unchanged object.
      () => apply(`vendor-${++attempt}`, "default", "nginx:latest", optOut),
      (r) => r.code !== 0,
      15_000,
    );
    assert.match(strict.stderr, /images\.tag-mutable/);
    await kubectl("delete", "readinesspolicy", "-n", "kaika-system", "readiness");
  });

  it("reviews a custom resource with a pod template once a policy declares it", async () => {
    const crd = [
      "apiVersion: apiextensions.k8s.io/v1",
      "kind: CustomResourceDefinition",
      "metadata: {name: workers.example.com}",
      "spec:",
      "  group: example.com",
      "  scope: Namespaced",
      "  names: {kind: Worker, plural: workers, singular: worker}",
      "  versions:",
      "    - name: v1",
      "      served: true",
      "      storage: true",
      "      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}",
      "",
    ].join("\n");
    assert.equal((await kubectl("apply", "-f", file("worker-crd.yaml", crd))).code, 0);
    await kubectl("wait", "--for=condition=Established", "crd/workers.example.com");
    const worker = (name: string): string =>
      file(
        `${name}.yaml`,
        `apiVersion: example.com/v1\nkind: Worker\nmetadata: {name: ${name}}\nspec:\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers: [{name: app, image: "nginx:latest"}]\n`,
      );
    const before = await kubectl("apply", "-f", worker("queue-0"));
    assert.equal(before.code, 0, `not reviewed before a policy declares it: ${before.stderr}`);
    const declare = "  podTemplates: [{group: example.com, kind: Worker, path: spec.template}]\n";
    assert.equal((await kubectl("apply", "-f", policy("kaika-system", declare))).code, 0);
    let n = 0;
    const denied = await eventually(
      "Worker reviewed",
      () => kubectl("apply", "-f", worker(`queue-${++n}`)),
      (r) => r.code !== 0,
      20_000,
    );
    assert.match(denied.stderr, /images\.tag-mutable \(critical\) at spec\.template\.spec\.containers\[app\]\.image/);
    await kubectl("delete", "readinesspolicy", "-n", "kaika-system", "readiness");
  });

  it("rotates its CA while running: kubectl apply stays reviewed across two rotations, the caBundle changes", async () => {
    const bad = join(dir, "bad.yaml");
    const seen = new Map<string, number>();
    const bundles: string[] = [];
    let transitional = false;
    let attempts = 0;
    const deadline = Date.now() + validitySeconds * 1000 * 4;
    while (Date.now() < deadline) {
      const cas = await bundle(api);
      const key = cas.map((c) => c.fingerprint256).join("+");
      if (bundles.at(-1) !== key) bundles.push(key);
      if (cas.length === 2) transitional = true;
      const r = await kubectl("apply", "-f", bad);
      attempts++;
      const outcome = /denied the request: kaika readiness/.test(r.stderr) ? "denied" : `other: ${r.stderr.trim()}`;
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      // Two full rotations: the CA of the first single-CA bundle replaced twice.
      if (bundles.filter((b) => !b.includes("+")).length >= 3) break;
    }
    assert.deepEqual([...seen.keys()], ["denied"], `every apply reviewed and denied:\n${logTail()}`);
    assert.ok(attempts >= 10, `${attempts} attempts`);
    const singles = bundles.filter((b) => !b.includes("+"));
    assert.ok(singles.length >= 3, `bundles seen: ${bundles.length}, single-CA: ${singles.length}\n${logTail()}`);
    assert.equal(new Set(singles).size, singles.length, "each rotation makes a new CA");
    assert.ok(transitional, "the bundle held the old and the new CA during a switch");
    // The server presents a certificate issued by the CA now in the bundle.
    const [ca] = await bundle(api);
    const cert = await served(port);
    assert.ok(ca && cert.checkIssued(ca) && cert.verify(ca.publicKey), "served certificate chains to the caBundle");
    const validity = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000;
    assert.ok(validity <= validitySeconds + 61, `certificate valid for ${validity} s`);
  });
});
