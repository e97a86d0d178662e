/** `kaika lint` as CI runs it: exit codes, machine formats, policy files and opt-outs. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const exec = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "kaika-lint-"));

async function lint(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(kaika, ["lint", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * The SARIF 2.1.0 schema, vendored (test/testdata/sarif-schema-2.1.0.md says from where); its copy declares
 * JSON Schema 2020-12, hence Ajv2020. Formats (uri, date-time, …) are checked too.
 */
const sarifSchema = JSON.parse(readFileSync(new URL("testdata/sarif-schema-2.1.0.json", import.meta.url), "utf8"));
const ajv = new Ajv2020({ allErrors: true });
// ajv-formats is CommonJS: its function is the module, and also its `default`, which is what the types see.
addFormats.default(ajv);
const validSarif = ajv.compile(sarifSchema);

/** Asserts that `log` is valid SARIF 2.1.0, listing the schema's complaints when not. */
function assertSarif(log: unknown): void {
  assert.ok(validSarif(log), ajv.errorsText(validSarif.errors, { separator: "\n" }));
}

const pod = (annotations = ""): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${annotations}spec:\n  containers: [{name: c, image: "nginx:latest"}]\n`;

describe("kaika lint", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("passes the example fleet repo's shop (no findings) and fails a latest-tagged pod with exit 1", async () => {
    const fleet = await lint(fileURLToPath(new URL("../examples/fleet-repo/apps/shop/base", import.meta.url)));
    assert.equal(fleet.code, 0, fleet.stdout);
    writeFileSync(join(dir, "pod.yaml"), pod());
    const bad = await lint(join(dir, "pod.yaml"));
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /pod\.yaml:1 .*images\.tag-mutable/);
  });

  it("lints a Kustomize overlay whose base is outside its folder, as a Sync renders it from the repo root", async () => {
    const overlay = fileURLToPath(new URL("../examples/fleet-repo/apps/shop/overlays/prod", import.meta.url));
    const policy = fileURLToPath(new URL("../examples/fleet-repo/policies/readiness-policy.yaml", import.meta.url));
    const result = await lint(overlay, "--policy", policy, "-o", "json");
    assert.equal(result.code, 0, result.stderr);
    const { scores } = JSON.parse(result.stdout) as { scores: { objects: Record<string, number> } };
    assert.ok(Object.keys(scores.objects).length > 50);
  });

  it("renders a NamespaceSelector in mode: dynamic offline, into the namespaces the repo declares", async () => {
    const repo = join(dir, "selected");
    mkdirSync(repo);
    writeFileSync(
      join(repo, "ns.yaml"),
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: declared\n  labels: {team: a}\n",
    );
    writeFileSync(
      join(repo, "selector.yaml"),
      "apiVersion: configmanagement.gke.io/v1\nkind: NamespaceSelector\nmetadata:\n  name: team-a\nspec:\n  mode: dynamic\n  selector:\n    matchLabels: {team: a}\n",
    );
    writeFileSync(
      join(repo, "cm.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  annotations: {configmanagement.gke.io/namespace-selector: team-a}\n",
    );
    const result = await lint(repo, "-o", "json");
    assert.equal(result.code, 0, result.stderr);
    const { scores } = JSON.parse(result.stdout) as { scores: { objects: Record<string, number> } };
    assert.deepEqual(Object.keys(scores.objects).sort(), ["ConfigMap/declared/settings", "Namespace/declared"]);
  });

  it("prints JSON, SARIF and JUnit that programs can read", async () => {
    const json = JSON.parse((await lint(join(dir, "pod.yaml"), "-o", "json")).stdout) as {
      findings: { check: string; enforced: boolean; file: string; severity: "critical" | "warning" | "info" }[];
      scores: { input: number; objects: Record<string, number> };
    };
    assert.ok(json.findings.some((f) => f.check === "images.tag-mutable" && f.enforced && f.file.endsWith("pod.yaml")));
    // The score: 100 minus 20/5/1 per critical/warning/info finding, twice that when enforced. The pod's one enforced
    // critical (tag-mutable) takes 40, not 20 as before enforced findings weighed more.
    const weight = { critical: 20, warning: 5, info: 1 } as const;
    const lost = json.findings.reduce((sum, f) => sum + weight[f.severity] * (f.enforced ? 2 : 1), 0);
    assert.ok(lost > 60, `${lost}: enough findings for a score well under 100`);
    assert.deepEqual(json.scores, { input: Math.max(0, 100 - lost), objects: { "Pod/p": Math.max(0, 100 - lost) } });
    const sarif = JSON.parse((await lint(join(dir, "pod.yaml"), "-o", "sarif")).stdout) as {
      version: string;
      runs: {
        results: {
          ruleId: string;
          level: string;
          locations: { physicalLocation: { region: { startLine: number } } }[];
        }[];
        properties: { scores: unknown };
      }[];
    };
    assert.equal(sarif.version, "2.1.0");
    assertSarif(sarif);
    assert.deepEqual(sarif.runs[0]?.properties.scores, json.scores);
    // The validator can fail: a level SARIF does not define, and a result without a message.
    const broken = structuredClone(sarif) as unknown as { runs: { results: Record<string, unknown>[] }[] };
    broken.runs[0]!.results[0]!.level = "critical";
    assert.equal(validSarif(broken), false);
    delete broken.runs[0]!.results[0]!.level;
    delete broken.runs[0]!.results[0]!.message;
    assert.equal(validSarif(broken), false);
    const result = sarif.runs[0]?.results.find((r) => r.ruleId === "images.tag-mutable");
    assert.equal(result?.level, "error");
    assert.equal(result?.locations[0]?.physicalLocation.region.startLine, 1);
    const junit = (await lint(join(dir, "pod.yaml"), "-o", "junit")).stdout;
    assert.match(junit, /<testsuite name="kaika lint" tests="1" failures="1">/);
    assert.match(junit, /<failure type="images\.tag-mutable"/);
    assert.match(junit, new RegExp(`<property name="score" value="${json.scores.input}"/>`));
    assert.match(junit, new RegExp(`<property name="score:Pod/p" value="${json.scores.input}"/>`));
  });

  it("honours an opt-out annotation only with a reason, and not in strict mode", async () => {
    const skip = '  annotations:\n    kaika.dev/skip-checks: "images.tag-mutable"\n';
    writeFileSync(join(dir, "no-reason.yaml"), pod(skip));
    assert.equal((await lint(join(dir, "no-reason.yaml"))).code, 1, "an opt-out without a reason does not count");
    writeFileSync(
      join(dir, "reason.yaml"),
      pod(`${skip}    kaika.dev/skip-reason: "vendor image, pinned by digest upstream"\n`),
    );
    assert.equal((await lint(join(dir, "reason.yaml"))).code, 0);
    assert.equal((await lint(join(dir, "reason.yaml"), "--strict")).code, 1);
  });

  it("takes a ReadinessPolicy file: off, enforce, and refuses an unknown check or an exemption without reason", async () => {
    const policy = (spec: string): string => {
      const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, `apiVersion: kaika.dev/v1alpha1\nkind: ReadinessPolicy\nmetadata: {name: p}\nspec:\n${spec}`);
      return file;
    };
    assert.equal(
      (await lint(join(dir, "pod.yaml"), "--policy", policy('  checks:\n    images.tag-mutable: "off"\n'))).code,
      0,
    );
    const enforced = await lint(
      join(dir, "reason.yaml"),
      "--policy",
      policy("  checks:\n    security.run-as-root: enforce\n"),
    );
    assert.equal(enforced.code, 1);
    const unknown = await lint(join(dir, "pod.yaml"), "--policy", policy("  checks:\n    no.such-check: warn\n"));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /spec\.checks\.no\.such-check: no such check/);
    const noReason = await lint(
      join(dir, "pod.yaml"),
      "--policy",
      policy("  exemptions:\n    - {check: images.tag-mutable, object: Pod/p}\n"),
    );
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /exemptions\[0\]\.reason is required/);
  });

  it("exits 2 with file:line on unparsable input, and reads stdin", async () => {
    writeFileSync(join(dir, "broken.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n");
    const broken = await lint(join(dir, "broken.yaml"));
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.yaml:\d+:\d+:/);
    const stdin = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = execFile(kaika, ["lint", "-", "-o", "json"], (error, stdout) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout }),
      );
      child.stdin?.end(pod());
    });
    assert.equal(stdin.code, 1);
    assert.ok((JSON.parse(stdin.out) as { findings: unknown[] }).findings.length > 0);
  });
});
