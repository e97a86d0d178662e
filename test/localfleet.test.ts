/** The local fleet is a real Kubernetes: workloads run, CRDs serve, RBAC holds, teardown is complete. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { KubeClient } from "../src/kube/client.ts";
import { isForbidden, KubeApiError } from "../src/kube/errors.ts";
import { startFleet } from "../src/localfleet/index.ts";
import { widgetCrd } from "./support/fixtures.ts";
import { useFleet } from "./support/fleet.ts";
import { alive } from "./support/process.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(2);

function deployment(name: string, replicas: number): object {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "web", image: "registry.example/web:1.0.0" }] },
      },
    },
  };
}

interface DeploymentStatus {
  status?: { availableReplicas?: number };
}

describe("local fleet", () => {
  it("runs a 2-replica Deployment to availableReplicas == 2 in each of 2 clusters", async () => {
    await Promise.all(
      fleet().clusters.map(async (cluster) => {
        const client = cluster.client();
        await client.create("/apis/apps/v1/namespaces/default/deployments", deployment("web", 2));
        const done = await eventually(
          `${cluster.name}: web available`,
          () => client.get<DeploymentStatus>("/apis/apps/v1/namespaces/default/deployments/web"),
          (d) => d.status?.availableReplicas === 2,
        );
        assert.equal(done.status?.availableReplicas, 2);
        await client.close();
      }),
    );
  });

  it("keeps clusters apart although they share one etcd", async () => {
    const [one, two] = fleet().clusters;
    assert.ok(one && two);
    const client = one.client();
    await client.create("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "only-in-one" },
    });
    const other = two.client();
    await assert.rejects(
      other.get("/api/v1/namespaces/only-in-one"),
      (e) => e instanceof KubeApiError && e.status === 404,
    );
    await Promise.all([client.close(), other.close()]);
  });

  it("establishes a CRD and serves an instance of it", async () => {
    const client = fleet().clusters[0]?.client();
    assert.ok(client);
    await client.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd());
    await eventually(
      "widgets CRD Established",
      () =>
        client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.kaika.dev",
        ),
      (crd) => crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") === true,
    );
    const path = "/apis/example.kaika.dev/v1/namespaces/default/widgets";
    await eventually(
      "widget created",
      () =>
        client.create(path, {
          apiVersion: "example.kaika.dev/v1",
          kind: "Widget",
          metadata: { name: "w1" },
          spec: { size: 3 },
        }),
      () => true,
    );
    const widget = await client.get<{ spec: { size: number } }>(`${path}/w1`);
    assert.equal(widget.spec.size, 3);
    await client.close();
  });

  it("holds RBAC for a minted user: forbidden until granted, then allowed", async () => {
    const cluster = fleet().clusters[1];
    assert.ok(cluster);
    const admin = cluster.client();
    const alice = await cluster.mintUser({ user: "alice", groups: ["qa"] });
    const asAlice = KubeClient.load({ text: alice.kubeconfig });
    const pods = "/api/v1/namespaces/default/pods";

    await assert.rejects(asAlice.get(pods), (e) => isForbidden(e) && (e as KubeApiError).reason === "Forbidden");

    await admin.create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "pod-reader" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
    });
    // Granted to the group, so the certificate's O= field is what counts.
    await admin.create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "qa-reads-pods" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "qa" }],
    });
    const list = await eventually(
      "alice lists pods",
      () => asAlice.get<{ kind: string }>(pods),
      () => true,
      10_000,
    );
    assert.equal(list.kind, "PodList");
    // Still forbidden outside the grant: other namespaces and other verbs.
    await assert.rejects(asAlice.get("/api/v1/namespaces/kube-system/pods"), isForbidden);
    await assert.rejects(asAlice.create(pods, { apiVersion: "v1", kind: "Pod" }), isForbidden);
    await Promise.all([admin.close(), asAlice.close()]);
  });
});

describe("local fleet teardown", () => {
  it("leaves no process behind after stop()", async () => {
    const own = await startFleet({ clusters: 1 });
    const pids = own.pids();
    assert.ok(pids.length >= 5, `expected etcd + 4 cluster processes, got ${pids.length}`);
    assert.ok(pids.every(alive));
    await own.stop();
    assert.deepEqual(pids.filter(alive), []);
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`leaves no process behind when its owner gets ${signal}`, async () => {
      const script = fileURLToPath(new URL("./testdata/hold-fleet.ts", import.meta.url));
      const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const pids = await new Promise<number[]>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split("\n").find((l) => l.startsWith("pids "));
          if (line) resolve(line.slice(5).split(",").map(Number));
        });
        child.once("exit", (code) => reject(new Error(`hold-fleet exited early with ${code}`)));
      });
      assert.ok(pids.length >= 5 && pids.every(alive));
      child.kill(signal);
      await exited;
      const left = await eventually(
        "fleet processes gone",
        async () => pids.filter(alive),
        (l) => l.length === 0,
        15_000,
      );
      assert.deepEqual(left, []);
    });
  }
});
