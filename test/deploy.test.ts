/**
 * deploy/: the chart passes `helm lint`, its CRDs are the TypeBox types' (`kaika crds`), the
 * kustomize base is the chart's default render (what `kubectl kustomize` builds from it equals
 * what `helm template` gives), kaika's own manifests pass `kaika lint` with no finding at warning
 * or above, and unknown values are refused. No cluster needed.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { chartCrdsFile, deployDir, helmBinary, renderChart } from "../src/install/chart.ts";
import { kustomizeBase } from "../src/install/kustomize-base.ts";
import type { KubeObject } from "../src/kube/types.ts";
import { RenderError } from "../src/render/index.ts";
import { kaikaBin } from "./support/kaika.ts";

const exec = promisify(execFile);
const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
const byKey = (objects: readonly KubeObject[]) =>
  Object.fromEntries(objects.map((o) => [key(o), o]).sort(([a], [b]) => String(a).localeCompare(String(b))));

describe("deploy/", () => {
  it("the chart passes helm lint (strict)", async () => {
    const { stdout } = await exec(helmBinary(), ["lint", "--strict", join(deployDir, "chart")]);
    assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("the chart's CRDs are kaika's CRDs from the TypeBox types", () => {
    assert.equal(
      readFileSync(join(deployDir, "chart", "crds", "kaika.yaml"), "utf8"),
      chartCrdsFile(),
      "run: scripts/with-node node scripts/render-deploy.ts",
    );
    // kubectl and helm read YAML 1.1: an unquoted `- off` in an enum would become false.
    assert.doesNotMatch(chartCrdsFile(), /^\s*(- |[\w-]+: )(off|on|yes|no|y|n)$/im);
  });

  it("the kustomize base is the chart's default render", async () => {
    const chart = await renderChart();
    const expected = await kustomizeBase(chart);
    for (const [name, text] of Object.entries(expected))
      assert.equal(
        readFileSync(join(deployDir, "kustomize", name), "utf8"),
        text,
        `deploy/kustomize/${name} is stale: run scripts/with-node node scripts/render-deploy.ts`,
      );
    const { stdout } = await exec("kubectl", ["kustomize", join(deployDir, "kustomize")], { maxBuffer: 16 << 20 });
    const built = parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject);
    assert.deepEqual(byKey(built), byKey([...chart.crds, ...chart.objects].map((o) => o.object)));
  });

  it("renders the Deployment the issue asks for: 2 replicas, leader election, probes, hardening", async () => {
    const { objects } = await renderChart();
    const deployment = objects.find((o) => o.object.kind === "Deployment")?.object as KubeObject & {
      spec: {
        replicas: number;
        template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
      };
    };
    assert.equal(deployment.spec.replicas, 2);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0] as Record<string, unknown> & { args: string[] };
    assert.ok(container.args.includes("--leader-elect"));
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) assert.ok(container[probe], probe);
    assert.deepEqual(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    });
    assert.equal((pod.securityContext as { seccompProfile: { type: string } }).seccompProfile.type, "RuntimeDefault");
    assert.equal(pod.terminationGracePeriodSeconds, 40);
    assert.ok(objects.some((o) => o.object.kind === "PodDisruptionBudget"));
    const roles = objects.filter((o) => o.object.kind === "ClusterRole").map((o) => o.object.metadata.name);
    assert.deepEqual(roles.sort(), [
      "kaika-admission",
      "kaika-applier",
      "kaika-audit",
      "kaika-core",
      "kaika-dashboard",
      "kaika-fleet",
      "kaika-slo",
      "kaika-sync",
    ]);
  });

  it("kaika's own manifests pass kaika lint with no finding at warning or above", async () => {
    const { stdout } = await exec(kaikaBin, ["lint", join(deployDir, "kustomize"), "-o", "json"]).catch(
      (e: { stdout: string }) => ({ stdout: e.stdout }),
    );
    const report = JSON.parse(stdout) as { findings: { check: string; severity: string; object: string }[] };
    const serious = report.findings.filter((f) => f.severity !== "info");
    assert.deepEqual(serious, []);
  });

  it("refuses a values file with a key the chart does not know, naming the file", async () => {
    const file = join(deployDir, "..", "test", "testdata", "install", "unknown-key-values.yaml");
    await assert.rejects(renderChart({ valuesFile: file }), (error: unknown) => {
      assert.ok(error instanceof RenderError);
      assert.match(error.message, /unknown-key-values\.yaml/);
      assert.match(error.message, /adminssion/);
      return true;
    });
  });
});
