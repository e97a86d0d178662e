/** Tests of the Helm renderer against the real helm, built from the Go module proxy. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureBinaries } from "../localfleet/binaries.ts";
import { renderHelm } from "./helm.ts";
import { refused } from "./testdata/refused.ts";

const fixture = join(import.meta.dirname, "testdata", "helm");

describe("renderHelm", () => {
  let helm = "";
  const temps: string[] = [];
  // The first run builds helm from the Go module proxy (about two minutes on two cores).
  before(async () => {
    helm = (await ensureBinaries()).helm;
  });
  after(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  it("renders a chart with its defaults: CRDs included, test hooks left out, sources at templates", async () => {
    const { objects, ignored } = await renderHelm(fixture, "web", { releaseName: "shop", namespace: "shop", helm });
    assert.deepEqual(
      objects.map((o) => `${o.object.kind}/${o.object.metadata.name}@${o.source.file}:${o.source.line}`),
      [
        "CustomResourceDefinition/widgets.example.com@web/crds/widgets.yaml:1",
        "ConfigMap/shop-web@web/templates/configmap.yaml:1",
        "Deployment/shop-web@web/templates/deployment.yaml:1",
      ],
    );
    const configMap = objects[1]?.object;
    assert.equal(configMap?.metadata.namespace, "shop");
    assert.deepEqual(configMap?.data, { message: "hello", kubeVersion: "v1.37.0" });
    assert.deepEqual((objects[2]?.object.spec as { replicas?: number } | undefined)?.replicas, 1);
    assert.deepEqual(ignored, []);
  });

  it("applies values files in order, then inline values, and the Kubernetes version", async () => {
    const { objects } = await renderHelm(fixture, "web", {
      releaseName: "prod",
      helm,
      valuesFiles: ["values/prod.yaml"],
      values: { image: "registry.example.com/nginx" },
      kubeVersion: "v1.35.2",
    });
    const [, configMap, deployment] = objects.map((o) => o.object);
    assert.deepEqual(configMap?.data, { message: "from-file", kubeVersion: "v1.35.2" });
    assert.equal(configMap?.metadata.namespace, "default");
    const spec = deployment?.spec as
      | { replicas: number; template: { spec: { containers: { image: string }[] } } }
      | undefined;
    assert.equal(spec?.replicas, 3);
    assert.equal(spec?.template.spec.containers[0]?.image, "registry.example.com/nginx:1.27");
  });

  it("refuses a values file outside the repository, naming it", async () => {
    const error = await refused(
      renderHelm(fixture, "web", { releaseName: "x", helm, valuesFiles: ["../kustomize/base/deployment.yaml"] }),
      { code: "PathOutsideRoot", file: "../kustomize/base/deployment.yaml" },
    );
    assert.match(error.message, /values file leads outside the repository root/);
    await refused(renderHelm(fixture, "web", { releaseName: "x", helm, valuesFiles: ["values/none.yaml"] }), {
      code: "NotFound",
      file: "values/none.yaml",
    });
  });

  it("refuses a symlink out of the repository, as a values file or inside the chart", async () => {
    const root = mkdtempSync(join(tmpdir(), "kaika-helm-test-"));
    const outside = mkdtempSync(join(tmpdir(), "kaika-helm-outside-"));
    temps.push(root, outside);
    await cp(join(fixture, "web"), join(root, "web"), { recursive: true });
    writeFileSync(join(outside, "values.yaml"), "replicas: 9\n");
    symlinkSync(join(outside, "values.yaml"), join(root, "linked.yaml"));
    await refused(renderHelm(root, "web", { releaseName: "x", helm, valuesFiles: ["linked.yaml"] }), {
      code: "PathOutsideRoot",
      file: "linked.yaml",
    });
    symlinkSync(join(outside, "values.yaml"), join(root, "web", "templates", "stolen.tpl"));
    await refused(renderHelm(root, "web", { releaseName: "x", helm }), {
      code: "PathOutsideRoot",
      file: "web/templates/stolen.tpl",
    });
  });

  it("refuses a release name helm could read as a flag", async () => {
    await refused(renderHelm(fixture, "web", { releaseName: "--post-renderer=/bin/sh", helm }), {
      code: "InvalidManifest",
      field: "releaseName",
    });
  });

  it("reports a template error at the template and line helm names, with helm's message", async () => {
    const root = mkdtempSync(join(tmpdir(), "kaika-helm-test-"));
    temps.push(root);
    await cp(join(fixture, "web"), join(root, "web"), { recursive: true });
    writeFileSync(join(root, "web", "templates", "broken.yaml"), "\nkind: {{ .Values.missing.field }}\n");
    const error = await refused(renderHelm(root, "web", { releaseName: "x", helm }), {
      code: "InvalidManifest",
      file: "web/templates/broken.yaml",
      line: 2,
      column: 16,
    });
    assert.match(error.message, /nil pointer evaluating/);
    assert.doesNotMatch(error.message, new RegExp(root));
  });

  it("reports a failure that names no template at Chart.yaml", async () => {
    const root = mkdtempSync(join(tmpdir(), "kaika-helm-test-"));
    temps.push(root);
    await cp(join(fixture, "web"), join(root, "web"), { recursive: true });
    const chart = "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 1.0.0\n";
    writeFileSync(join(root, "web", "Chart.yaml"), chart);
    const error = await refused(renderHelm(root, "web", { releaseName: "x", helm }), {
      code: "InvalidManifest",
      file: "web/Chart.yaml",
    });
    assert.match(error.message, /missing in charts\/ directory: db/);
  });

  it("says when the folder is not a chart", async () => {
    await refused(renderHelm(fixture, "values", { releaseName: "x", helm }), {
      code: "NotFound",
      file: "values/Chart.yaml",
    });
  });
});
