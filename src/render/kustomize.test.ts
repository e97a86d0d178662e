/** Tests of the Kustomize renderer against the real `kubectl kustomize`. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { isRemoteReference, renderKustomize } from "./kustomize.ts";
import { refused } from "./testdata/refused.ts";

const fixture = join(import.meta.dirname, "testdata", "kustomize");
const kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

const roots: string[] = [];
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "kaika-kustomize-test-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("renderKustomize", () => {
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it("renders an overlay over a base: patched replicas, prefix, labels, sources in the base files", async () => {
    const { objects, ignored } = await renderKustomize(fixture, "overlays/prod");
    assert.deepEqual(
      objects.map((o) => `${o.object.kind}/${o.object.metadata.name}@${o.source.file}:${o.source.line}`),
      [
        "ConfigMap/prod-settings-9f9c6b5h98@overlays/prod/kustomization.yaml:1",
        "Service/prod-web@base/service.yaml:2",
        "Deployment/prod-web@base/deployment.yaml:1",
      ],
    );
    const deployment = objects.find((o) => o.object.kind === "Deployment")?.object;
    assert.equal((deployment?.spec as { replicas?: number } | undefined)?.replicas, 3);
    for (const { object } of objects) assert.equal(object.metadata.labels?.env, "prod");
    assert.deepEqual(ignored, []);
  });

  it("renders the base alone with the resource files as sources", async () => {
    const { objects } = await renderKustomize(join(fixture, "base"));
    assert.deepEqual(
      objects.map((o) => `${o.object.metadata.name}@${o.source.file}:${o.source.line}`),
      ["web@service.yaml:2", "web@deployment.yaml:1"],
    );
  });

  it("refuses a remote base, naming the kustomization, line and entry", async () => {
    const error = await refused(renderKustomize(fixture, "remote"), {
      code: "PathOutsideRoot",
      file: "remote/kustomization.yaml",
      line: 5,
      field: "resources[1]",
    });
    assert.match(error.message, /remote reference "https:\/\/github\.com\/kubernetes-sigs\/kustomize\/\/examples/);
  });

  it("refuses a remote base in a kustomization reached through another", async () => {
    await refused(renderKustomize(fixture, "remote-nested"), {
      code: "PathOutsideRoot",
      file: "remote/kustomization.yaml",
      field: "resources[1]",
    });
  });

  it("refuses a resource that climbs out of the root", async () => {
    const error = await refused(renderKustomize(fixture, "escape"), {
      code: "PathOutsideRoot",
      file: "escape/kustomization.yaml",
      line: 4,
      field: "resources[0]",
    });
    assert.match(error.message, /"\.\.\/\.\.\/outside" leads outside the repository root/);
  });

  it("refuses a symlinked base or generator file leading outside the root", async () => {
    const outside = tree({ "kustomization.yaml": `${kustomization}resources: []\n`, "secret.env": "TOKEN=x\n" });
    const root = tree({
      "app/kustomization.yaml": `${kustomization}resources:\n  - ../linked\n`,
      "gen/kustomization.yaml": `${kustomization}configMapGenerator:\n  - name: c\n    envs:\n      - env/secret.env\n`,
    });
    symlinkSync(outside, join(root, "linked"));
    symlinkSync(outside, join(root, "gen", "env"));
    await refused(renderKustomize(root, "app"), { code: "PathOutsideRoot", field: "resources[0]" });
    const error = await refused(renderKustomize(root, "gen"), {
      code: "PathOutsideRoot",
      file: "gen/kustomization.yaml",
      field: "configMapGenerator[0].envs[0]",
    });
    assert.match(error.message, /through a symlink/);
  });

  it("reports a kustomize failure at the kustomization, with kustomize's message and no absolute paths", async () => {
    const error = await refused(renderKustomize(fixture, "missing"), {
      code: "InvalidManifest",
      file: "missing/kustomization.yaml",
    });
    assert.match(error.message, /^missing\/kustomization\.yaml: .*missing\.yaml/);
    assert.doesNotMatch(error.message, new RegExp(fixture));
  });

  it("says when a folder has no kustomization", async () => {
    await refused(renderKustomize(fixture, "."), { code: "NotFound", file: "." });
  });

  it("tells remote references from local paths", () => {
    const remote = [
      "https://github.com/org/repo//deploy?ref=v1",
      "http://example.com/x.yaml",
      "git::https://example.com/repo.git",
      "git@github.com:org/repo.git",
      "ssh://git@example.com/org/repo",
      "github.com/org/repo/deploy",
      "gh:org/repo",
      "example.com/org/repo.git//deploy",
      "file:///etc",
    ];
    const local = ["../base", "deployment.yaml", "./github/deploy", "overlays/prod", "a@b.yaml"];
    assert.deepEqual(
      remote.filter((r) => !isRemoteReference(r)),
      [],
    );
    assert.deepEqual(local.filter(isRemoteReference), []);
  });
});
