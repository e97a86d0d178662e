/**
 * Config Sync parity against a real apiserver and `kaika run`: a hierarchical
 * repo with a NamespaceSelector synced with `renderer: auto`, and an
 * unstructured one whose `mode: dynamic` selector follows a live Namespace
 * being relabelled by hand.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ensureNamespace, KubeApi } from "../src/kube/api.ts";
import { NotFoundError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";
import { type RunningKaika, startKaikaRun } from "./support/kaika.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const Sync = gvk("kaika.dev/v1alpha1", "Sync");
const RoleBinding = gvk("rbac.authorization.k8s.io/v1", "RoleBinding");
const ConfigMap = gvk("v1", "ConfigMap");
const Namespace = gvk("v1", "Namespace");

const namespace = (name: string, env: string): string =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    env: ${env}\n`;
const roleBinding = (name: string, selector?: string): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${name}
${selector ? `  annotations:\n    configmanagement.gke.io/namespace-selector: ${selector}\n` : ""}subjects:
  - {kind: Group, name: ${name}@example.com, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
`;

// A hierarchical repo in Config Sync's layout: system/, cluster/, namespaces/ with an abstract directory.
const hierarchical = {
  "hier/system/repo.yaml":
    'apiVersion: configmanagement.gke.io/v1\nkind: Repo\nmetadata:\n  name: repo\nspec:\n  version: "1.0.0"\n',
  "hier/cluster/reader.yaml":
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cs-namespace-reader\nrules:\n  - {apiGroups: [''], resources: [namespaces], verbs: [get]}\n",
  "hier/namespaces/sre-supported.yaml":
    "apiVersion: configmanagement.gke.io/v1\nkind: NamespaceSelector\nmetadata:\n  name: sre-supported\nspec:\n  selector:\n    matchLabels: {env: prod}\n",
  "hier/namespaces/sre.yaml": roleBinding("sre", "sre-supported"),
  "hier/namespaces/viewers.yaml": roleBinding("viewers"),
  "hier/namespaces/retail/cs-dev/namespace.yaml": namespace("cs-dev", "dev"),
  "hier/namespaces/retail/cs-prod/namespace.yaml": namespace("cs-prod", "prod"),
  // As in Config Sync's samples: a CRD in cluster/ and one of its objects in a namespace directory.
  "hier/cluster/storefront-crd.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: storefronts.cs.example.com
spec:
  group: cs.example.com
  names: {kind: Storefront, plural: storefronts, singular: storefront}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`,
  "hier/namespaces/retail/cs-prod/storefront.yaml":
    "apiVersion: cs.example.com/v1\nkind: Storefront\nmetadata:\n  name: main\nspec: {region: eu}\n",
};

// An unstructured repo: the ConfigMap goes to every namespace labelled team=a, declared here or live.
const unstructured = {
  "dyn/selector.yaml":
    "apiVersion: configmanagement.gke.io/v1\nkind: NamespaceSelector\nmetadata:\n  name: team-a\nspec:\n  mode: dynamic\n  selector:\n    matchLabels: {team: a}\n",
  "dyn/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cs-declared\n  labels: {team: a}\n",
  "dyn/settings.yaml":
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-settings\n  annotations:\n    configmanagement.gke.io/namespace-selector: team-a\ndata: {owner: "a"}\n',
};

type Condition = { type: string; status: string; message: string };
const readyOf = (s: KubeObject): Condition | undefined =>
  (s.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === "Ready");

describe("Config Sync parity: NamespaceSelectors", () => {
  let repo: TestRepo;
  let api: KubeApi;
  let kaika: RunningKaika;

  before(async () => {
    repo = await createRepo();
    await repo.commit({ ...hierarchical, ...unstructured });
    await repo.serve();
    const kubeconfig = fleet().clusters[0]?.kubeconfigPath ?? "";
    api = KubeApi.load({ path: kubeconfig });
    kaika = startKaikaRun(kubeconfig, [`--data-dir=${repo.dir}/data`]);
    await eventually(
      "CRDs installed",
      () => api.mapper.mapping(Sync),
      () => true,
      60_000,
    );
    await ensureNamespace(api, "kaika-system");
    await api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "fleet", namespace: "kaika-system" },
      spec: { url: repo.url, interval: "1s" },
    });
    // An hour-long interval: only a commit or a Namespace change can explain a quick re-apply.
    for (const [name, path] of [
      ["hier", "hier"],
      ["dyn", "dyn"],
    ] as const) {
      await api.create({
        apiVersion: "kaika.dev/v1alpha1",
        kind: "Sync",
        metadata: { name, namespace: "kaika-system" },
        spec: { sourceRef: { name: "fleet" }, path, renderer: "auto", interval: "1h", wait: false },
      });
    }
  });
  after(async () => {
    await kaika?.stop();
    await api?.close();
    await repo?.close();
  });

  const exists = (kind: typeof ConfigMap, name: string, ns: string): Promise<boolean> =>
    api.get(kind, name, ns).then(
      () => true,
      (e) => (e instanceof NotFoundError ? false : Promise.reject(e)),
    );
  const ready = async (name: string): Promise<void> => {
    await eventually(
      `Sync ${name} Ready`,
      () => api.get(Sync, name, "kaika-system"),
      (s) => readyOf(s)?.status === "True",
      90_000,
    ).catch((e) => {
      throw new Error(`${e}\n${kaika.log().slice(-3000)}`);
    });
  };

  it("syncs a hierarchical repo detected by renderer auto: the selected copy only where the labels match", async () => {
    await ready("hier");
    assert.equal(await exists(RoleBinding, "sre", "cs-prod"), true);
    assert.equal(await exists(RoleBinding, "sre", "cs-dev"), false);
    assert.equal(await exists(RoleBinding, "viewers", "cs-dev"), true);
    assert.equal(await exists(RoleBinding, "viewers", "cs-prod"), true);
    const copy = await api.get(RoleBinding, "sre", "cs-prod");
    assert.equal(copy.metadata.annotations?.["kaika.dev/source-path"], "namespaces/sre.yaml");
    assert.equal(await exists(gvk("rbac.authorization.k8s.io/v1", "ClusterRole"), "cs-namespace-reader", ""), true);
    assert.equal(await exists(gvk("cs.example.com/v1", "Storefront"), "main", "cs-prod"), true);

    // Swap the labels in Git: the copy moves, and the one no longer selected is pruned.
    await repo.commit({
      "hier/namespaces/retail/cs-dev/namespace.yaml": namespace("cs-dev", "prod"),
      "hier/namespaces/retail/cs-prod/namespace.yaml": namespace("cs-prod", "dev"),
    });
    await eventually(
      "sre moved to cs-dev",
      async () => [await exists(RoleBinding, "sre", "cs-dev"), await exists(RoleBinding, "sre", "cs-prod")],
      ([dev, prod]) => dev === true && prod === false,
      60_000,
    );
  });

  it("mode dynamic: a live Namespace labelled by hand gets the object, and loses it when unlabelled", async () => {
    await ready("dyn");
    assert.equal(await exists(ConfigMap, "team-settings", "cs-declared"), true);
    await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "cs-live" } });
    // Not selected yet; give a wrongful copy time to show up before checking it did not.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await exists(ConfigMap, "team-settings", "cs-live"), false);

    const labelled = Date.now();
    await api.patch(Namespace, "cs-live", undefined, { metadata: { labels: { team: "a" } } });
    await eventually(
      "copy in the relabelled namespace",
      () => exists(ConfigMap, "team-settings", "cs-live"),
      (found) => found,
      30_000,
    ).catch((e) => {
      throw new Error(`${e}\n${kaika.log().slice(-3000)}`);
    });
    console.log(`namespace labelled → object applied: ${Date.now() - labelled} ms`);

    await api.patch(Namespace, "cs-live", undefined, { metadata: { labels: { team: null } } });
    await eventually(
      "copy pruned from the unlabelled namespace",
      () => exists(ConfigMap, "team-settings", "cs-live"),
      (found) => !found,
      30_000,
    );
    assert.equal(await exists(ConfigMap, "team-settings", "cs-declared"), true);
  });
});
