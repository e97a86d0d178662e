import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { matchesLabels } from "./cluster-selectors.ts";
import { RenderError } from "./errors.ts";
import { type HierarchyOptions, renderHierarchy, sourcePathAnnotation } from "./hierarchy.ts";
import { objectRef } from "./refs.ts";
import type { RenderedObject, RenderResult } from "./types.ts";

const testdata = fileURLToPath(new URL("testdata/hierarchy/", import.meta.url));
const fixture = (name: string): string => join(testdata, name);

/** "Kind/ns/name@file:line" per object, in output order. */
const listing = (result: RenderResult): string[] =>
  result.objects.map((o) => `${objectRef(o.object)}@${o.source.file}:${o.source.line}`);
const find = (result: RenderResult, ref: string): RenderedObject => {
  const found = result.objects.find((o) => objectRef(o.object) === ref);
  assert.ok(found, `${ref} not rendered; got ${listing(result).join(", ")}`);
  return found;
};
const subjects = (item: RenderedObject): string[] => (item.object.subjects as { name: string }[]).map((s) => s.name);

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("renderHierarchy: the demo repository", () => {
  it("copies the abstract directory's RoleBinding and ResourceQuota into both namespaces, keeping file:line", async () => {
    const result = await renderHierarchy(fixture("demo"));
    assert.deepEqual(listing(result), [
      "ClusterRole/shop-viewer@cluster/shop-viewer.yaml:1",
      "ClusterRoleBinding/shop-viewers@cluster/shop-viewer.yaml:10",
      "Namespace/api@namespaces/shop/api/namespace.yaml:1",
      "ResourceQuota/api/shop-quota@namespaces/shop/quota.yaml:1",
      "RoleBinding/api/shop-developers@namespaces/shop/rolebinding.yaml:2",
      "Namespace/web@namespaces/shop/web/namespace.yaml:1",
      "ResourceQuota/web/shop-quota@namespaces/shop/quota.yaml:1",
      "RoleBinding/web/shop-developers@namespaces/shop/rolebinding.yaml:2",
      "ConfigMap/web/web-settings@namespaces/shop/web/settings.yaml:1",
      "ServiceAccount/web/web@namespaces/shop/web/settings.yaml:8",
    ]);
    for (const ns of ["api", "web"]) {
      const annotations = (ref: string) => find(result, ref).object.metadata.annotations ?? {};
      assert.equal(
        annotations(`RoleBinding/${ns}/shop-developers`)[sourcePathAnnotation],
        "namespaces/shop/rolebinding.yaml",
      );
      assert.equal(annotations(`ResourceQuota/${ns}/shop-quota`)[sourcePathAnnotation], "namespaces/shop/quota.yaml");
      assert.deepEqual(subjects(find(result, `RoleBinding/${ns}/shop-developers`)), ["alice@example.com"]);
    }
    // Objects declared in the namespace itself, and cluster objects, carry no trace annotation.
    assert.equal(find(result, "ConfigMap/web/web-settings").object.metadata.annotations, undefined);
    assert.equal(find(result, "ClusterRole/shop-viewer").object.metadata.namespace, undefined);
    assert.deepEqual(find(result, "Namespace/web").object.metadata.labels, { team: "shop" });
  });

  it("lists what it read but does not apply, and files outside the four folders", async () => {
    const { ignored } = await renderHierarchy(fixture("demo"));
    assert.deepEqual(ignored, [
      { file: "README.md", reason: "not a YAML or JSON file" },
      { file: "system/repo.yaml", reason: "repository metadata (system/): read, not applied" },
    ]);
  });

  it("gives each namespace its own copy", async () => {
    const result = await renderHierarchy(fixture("demo"));
    (find(result, "RoleBinding/api/shop-developers").object.subjects as unknown[]).push({ kind: "User", name: "eve" });
    assert.deepEqual(subjects(find(result, "RoleBinding/web/shop-developers")), ["alice@example.com"]);
  });

  it("changes the RoleBinding of both namespaces when a user is added in the abstract directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "kaika-hierarchy-"));
    temps.push(root);
    cpSync(fixture("demo"), root, { recursive: true });
    const file = join(root, "namespaces/shop/rolebinding.yaml");
    writeFileSync(
      file,
      `${readFileSync(file, "utf8")}  - kind: User\n    name: bob@example.com\n    apiGroup: rbac.authorization.k8s.io\n`,
    );
    const result = await renderHierarchy(root);
    for (const ns of ["api", "web"]) {
      assert.deepEqual(subjects(find(result, `RoleBinding/${ns}/shop-developers`)), [
        "alice@example.com",
        "bob@example.com",
      ]);
    }
  });

  it("renders a repository in a subfolder: sources are root-relative, the trace hierarchy-relative", async () => {
    const result = await renderHierarchy(testdata, "demo");
    const binding = find(result, "RoleBinding/web/shop-developers");
    assert.equal(binding.source.file, "demo/namespaces/shop/rolebinding.yaml");
    assert.equal(binding.object.metadata.annotations?.[sourcePathAnnotation], "namespaces/shop/rolebinding.yaml");
  });
});

describe("renderHierarchy: nested abstract directories", () => {
  it("passes objects down from every abstract directory above a namespace, outermost first", async () => {
    const result = await renderHierarchy(fixture("nested"));
    assert.deepEqual(listing(result), [
      "Namespace/default@namespaces/default/namespace.yaml:1",
      "LimitRange/default/default-limits@namespaces/limits.yaml:1",
      "Namespace/ops@namespaces/org/ops/namespace.yaml:1",
      "LimitRange/ops/default-limits@namespaces/limits.yaml:1",
      "NetworkPolicy/ops/deny-all@namespaces/org/networkpolicy.yaml:1",
      "Namespace/dev@namespaces/org/team/dev/namespace.yaml:1",
      "LimitRange/dev/default-limits@namespaces/limits.yaml:1",
      "NetworkPolicy/dev/deny-all@namespaces/org/networkpolicy.yaml:1",
      "RoleBinding/dev/team-admins@namespaces/org/team/rolebinding.yaml:1",
    ]);
    assert.equal(
      find(result, "LimitRange/dev/default-limits").object.metadata.annotations?.[sourcePathAnnotation],
      "namespaces/limits.yaml",
    );
  });
});

describe("renderHierarchy: layout errors", () => {
  const cases: {
    name: string;
    code?: string;
    file: string;
    line: number;
    object?: string;
    field?: string;
    message: RegExp;
  }[] = [
    {
      name: "ns-name-mismatch",
      file: "namespaces/shop/web/namespace.yaml",
      line: 1,
      object: "Namespace/api",
      field: "metadata.name",
      message:
        /^namespaces\/shop\/web\/namespace\.yaml:1: Namespace\/api: metadata\.name: must equal its directory name "web"$/,
    },
    {
      name: "ns-in-abstract",
      file: "namespaces/shop/namespace.yaml",
      line: 1,
      object: "Namespace/shop",
      message: /namespaces\/shop has a namespace directory below it \(namespaces\/shop\/web\), so it is abstract/,
    },
    {
      name: "ns-subdir",
      file: "namespaces/web/extra/configmap.yaml",
      line: 1,
      message:
        /namespaces\/web\/extra is inside namespace directory namespaces\/web \(its Namespace is at namespaces\/web\/namespace\.yaml:1\)/,
    },
    {
      name: "duplicate",
      code: "DuplicateObject",
      file: "namespaces/shop/web/rolebinding.yaml",
      line: 2,
      object: "RoleBinding/web/shop-developers",
      message:
        /already defined at namespaces\/shop\/rolebinding\.yaml:1 \(inherited from abstract directory namespaces\/shop\)/,
    },
    {
      name: "namespaced-in-cluster",
      file: "cluster/rbac.yaml",
      line: 7,
      object: "Role/misplaced",
      message: /Role is namespaced: put it in a directory under namespaces\//,
    },
    {
      name: "wrong-namespace",
      file: "namespaces/web/configmap.yaml",
      line: 1,
      object: "ConfigMap/api/settings",
      field: "metadata.namespace",
      message: /metadata\.namespace: must be "web", the namespace of its directory namespaces\/web, or unset/,
    },
    {
      name: "unknown-selector",
      file: "namespaces/web/configmap.yaml",
      line: 1,
      field: "metadata.annotations.configmanagement.gke.io/cluster-selector",
      message: /no ClusterSelector named "staging" in clusterregistry\/ \(known: prod\)/,
    },
    {
      name: "namespace-in-cluster",
      file: "cluster/namespace.yaml",
      line: 1,
      message: /a Namespace belongs in namespaces\/…\/web\//,
    },
    {
      name: "cluster-scoped-in-namespaces",
      file: "namespaces/web/clusterrole.yaml",
      line: 1,
      message: /ClusterRole is cluster-scoped: put it in cluster\//,
    },
    {
      name: "abstract-namespace-set",
      file: "namespaces/shop/configmap.yaml",
      line: 1,
      field: "metadata.namespace",
      message: /copied into every namespace below it: remove metadata\.namespace/,
    },
    {
      name: "abstract-no-namespace",
      file: "namespaces/old/configmap.yaml",
      line: 1,
      message: /abstract directory namespaces\/old has no namespace directory below it/,
    },
    {
      name: "reserved-abstract",
      file: "namespaces/kube-system/addons/namespace.yaml",
      line: 1,
      message: /directory namespaces\/kube-system: "kube-system" is a reserved namespace name/,
    },
    {
      name: "bad-dir-name",
      file: "namespaces/Shop/web/namespace.yaml",
      line: 1,
      message: /directory "Shop" in namespaces\/Shop\/web: .*DNS-1123 labels/,
    },
    {
      name: "namespace-at-root",
      file: "namespaces/namespace.yaml",
      line: 1,
      message: /a Namespace needs a directory of its own/,
    },
    {
      name: "hierarchy-none",
      file: "namespaces/shop/rolebinding.yaml",
      line: 1,
      message: /hierarchyMode: none for RoleBinding/,
    },
    {
      name: "system-workload",
      file: "system/configmap.yaml",
      line: 1,
      message: /system\/ holds only Repo and HierarchyConfig/,
    },
    {
      name: "selector-in-namespaces",
      file: "namespaces/web/selector.yaml",
      line: 1,
      message: /belongs in clusterregistry\//,
    },
    {
      name: "empty-selector",
      file: "clusterregistry/selector.yaml",
      line: 1,
      field: "spec.selector",
      message: /selects every cluster/,
    },
    {
      name: "bad-operator",
      file: "clusterregistry/selector.yaml",
      line: 1,
      field: "spec.selector.matchExpressions[0].operator",
      message: /must be In, NotIn, Exists or DoesNotExist/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.message.source.slice(0, 60)}`, async () => {
      await assert.rejects(renderHierarchy(fixture(`errors/${c.name}`), ".", { clusterName: "prod-east" }), (e) => {
        assert.ok(e instanceof RenderError, String(e));
        assert.equal(e.code, c.code ?? "InvalidManifest", e.message);
        assert.equal(e.file, c.file, e.message);
        assert.equal(e.line, c.line, e.message);
        if (c.object) assert.equal(e.object, c.object, e.message);
        if (c.field) assert.equal(e.field, c.field, e.message);
        assert.match(e.message, c.message);
        assert.ok(e.message.startsWith(`${c.file}:${c.line}: `), e.message);
        return true;
      });
    });
  }

  it("names both places of an inherited duplicate in conflictsWith", async () => {
    await assert.rejects(renderHierarchy(fixture("errors/duplicate")), (e) => {
      assert.ok(e instanceof RenderError);
      assert.deepEqual(e.conflictsWith, { file: "namespaces/shop/rolebinding.yaml", line: 1 });
      return true;
    });
  });
});

describe("renderHierarchy: cluster selectors", () => {
  const render = (options: HierarchyOptions) => renderHierarchy(fixture("selectors"), ".", options);

  it("keeps objects whose ClusterSelector matches the Cluster's labels and drops a deselected namespace whole", async () => {
    const result = await render({ clusterName: "prod-east" });
    assert.deepEqual(listing(result), [
      "ClusterRole/prod-auditor@cluster/auditor.yaml:1",
      "Namespace/web@namespaces/shop/web/namespace.yaml:1",
      "RoleBinding/web/oncall@namespaces/shop/oncall-prod.yaml:1",
      "ConfigMap/web/east-endpoints@namespaces/shop/web/east.yaml:1",
    ]);
    assert.deepEqual(subjects(find(result, "RoleBinding/web/oncall")), ["sre"]);
    const reasons = result.ignored.map((i) => `${i.file}: ${i.reason}`);
    assert.ok(
      reasons.includes(
        'namespaces/shop/sandbox/namespace.yaml: Namespace/sandbox (line 1): not for this cluster: ClusterSelector "dev" does not select this cluster; so is everything in namespace sandbox',
      ),
      reasons.join("\n"),
    );
    assert.ok(reasons.some((r) => r.startsWith("cluster/storageclass.yaml: StorageClass/fast (line 1)")));
  });

  it("selects the other side for a dev cluster: the dev RoleBinding (kaika alias) in every namespace, NotIn without the label", async () => {
    const result = await render({ clusterName: "dev-1" });
    assert.deepEqual(listing(result), [
      "StorageClass/fast@cluster/storageclass.yaml:1",
      "Namespace/sandbox@namespaces/shop/sandbox/namespace.yaml:1",
      "RoleBinding/sandbox/oncall@namespaces/shop/oncall-dev.yaml:1",
      "ConfigMap/sandbox/toys@namespaces/shop/sandbox/toys.yaml:1",
      "Namespace/web@namespaces/shop/web/namespace.yaml:1",
      "RoleBinding/web/oncall@namespaces/shop/oncall-dev.yaml:1",
    ]);
  });

  it("lays options.clusterLabels over the Cluster's labels; the name selector still goes by name", async () => {
    const result = await render({ clusterName: "prod-east", clusterLabels: { env: "test" } });
    const refs = result.objects.map((o) => objectRef(o.object));
    assert.ok(refs.includes("Namespace/sandbox"), refs.join(", "));
    assert.ok(!refs.includes("ClusterRole/prod-auditor"), refs.join(", "));
    assert.ok(refs.includes("ConfigMap/web/east-endpoints"), refs.join(", "));
  });

  it("without a cluster name, leaves out objects with a cluster-name selector", async () => {
    const result = await render({ clusterLabels: { env: "prod" } });
    const refs = result.objects.map((o) => objectRef(o.object));
    assert.ok(refs.includes("ClusterRole/prod-auditor"), refs.join(", "));
    assert.ok(!refs.includes("ConfigMap/web/east-endpoints"), refs.join(", "));
  });
});

describe("matchesLabels", () => {
  const labels = { env: "prod", region: "us-east" };
  const expression = (operator: "In" | "NotIn" | "Exists" | "DoesNotExist", key: string, values: string[] = []) => ({
    matchLabels: {},
    matchExpressions: [{ key, operator, values }],
  });
  it("applies matchLabels and each operator with Kubernetes semantics", () => {
    assert.equal(matchesLabels({ matchLabels: { env: "prod" }, matchExpressions: [] }, labels), true);
    assert.equal(matchesLabels({ matchLabels: { env: "dev" }, matchExpressions: [] }, labels), false);
    assert.equal(matchesLabels(expression("In", "region", ["us-east", "eu"]), labels), true);
    assert.equal(matchesLabels(expression("In", "zone", ["a"]), labels), false);
    assert.equal(matchesLabels(expression("NotIn", "region", ["us-east"]), labels), false);
    assert.equal(matchesLabels(expression("NotIn", "zone", ["a"]), labels), true);
    assert.equal(matchesLabels(expression("Exists", "env"), labels), true);
    assert.equal(matchesLabels(expression("Exists", "zone"), labels), false);
    assert.equal(matchesLabels(expression("DoesNotExist", "env"), labels), false);
    assert.equal(matchesLabels(expression("DoesNotExist", "zone"), labels), true);
  });
});
