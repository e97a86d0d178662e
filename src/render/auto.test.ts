/** Tests of renderer detection and renderAuto, with the real kubectl and helm. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ensureBinaries } from "../localfleet/binaries.ts";
import { detectRenderer, renderAuto } from "./auto.ts";

const testdata = join(import.meta.dirname, "testdata");

describe("detectRenderer and renderAuto", () => {
  let helm = "";
  before(async () => {
    helm = (await ensureBinaries()).helm;
  });

  it("detects kustomize, then helm, then plain", () => {
    assert.equal(detectRenderer(join(testdata, "kustomize", "overlays", "prod")), "kustomize");
    assert.equal(detectRenderer(join(testdata, "helm", "web")), "helm");
    assert.equal(detectRenderer(join(testdata, "plain")), "plain");
    assert.equal(detectRenderer(join(testdata, "helm", "web", "templates")), "plain");
    assert.equal(detectRenderer(join(testdata, "no-such-folder")), "plain");
  });

  it("detects the hierarchical layout by namespaces/ beside system/ or cluster/, and renders it", async () => {
    assert.equal(detectRenderer(join(testdata, "hierarchy", "namespace-selectors")), "hierarchy");
    // cluster/ + namespaces/ without system/
    assert.equal(detectRenderer(join(testdata, "hierarchy", "selectors")), "hierarchy");
    // namespaces/ alone is a plain folder that happens to be called so
    assert.equal(detectRenderer(join(testdata, "hierarchy", "errors", "duplicate")), "plain");
    const { objects } = await renderAuto(join(testdata, "hierarchy"), "namespace-selectors");
    assert.deepEqual(
      objects.filter((o) => o.object.metadata.name === "sre-admin").map((o) => o.object.metadata.namespace),
      ["audit", "checkout-prod"],
    );
  });

  it("renders a kustomization with kustomize", async () => {
    const { objects } = await renderAuto(join(testdata, "kustomize"), "overlays/prod");
    assert.deepEqual(
      objects.map((o) => o.object.metadata.name),
      ["prod-settings-9f9c6b5h98", "prod-web", "prod-web"],
    );
  });

  it("renders a chart with helm, the folder's name as release name", async () => {
    const { objects } = await renderAuto(join(testdata, "helm"), "web", { helm, namespace: "shop" });
    assert.deepEqual(
      objects.map((o) => `${o.object.metadata.name}@${o.source.file}`),
      [
        "widgets.example.com@web/crds/widgets.yaml",
        "web-web@web/templates/configmap.yaml",
        "web-web@web/templates/deployment.yaml",
      ],
    );
  });

  it("renders anything else as plain manifests, kustomization files passed over", async () => {
    const plain = await renderAuto(join(testdata, "kustomize", "overlays"));
    assert.deepEqual(
      plain.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}@${o.source.file}`),
      ["Deployment/web@prod/replicas.yaml"],
    );
    assert.deepEqual(plain.ignored, [
      { file: "prod/kustomization.yaml", reason: "kustomization (use the kustomize renderer)" },
    ]);
  });
});
