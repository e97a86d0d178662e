import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterObject } from "../../controllers/cluster.ts";
import type { GitSourceObject } from "../../controllers/gitsource.ts";
import type { SyncObject } from "../../controllers/sync.ts";
import { type FleetCaches, FleetJson, fleetView } from "./fleet-view.ts";

const cluster = (name: string, rv: string, env: string): ClusterObject => ({
  apiVersion: "kaika.dev/v1alpha1",
  kind: "Cluster",
  metadata: { name, namespace: "kaika-system", resourceVersion: rv, labels: { env } },
  spec: { kubeconfigSecretRef: { name: `${name}-kubeconfig` } },
  status: {
    reachable: true,
    syncs: [
      { sync: "kaika-system/web", revision: "main@sha1:1", state: "Applied", message: "applied", drift: 1 },
      { sync: "kaika-system/db", state: "Failed", message: "boom" },
    ],
  },
});

const sync = (name: string, rv: string): SyncObject => ({
  apiVersion: "kaika.dev/v1alpha1",
  kind: "Sync",
  metadata: { name, namespace: "kaika-system", resourceVersion: rv },
  spec: {
    sourceRef: { name: "fleet" },
    interval: "10m",
    timeout: "5m",
    prune: true,
    selfHeal: true,
    wait: true,
    targets: [{ clusterSelector: {} }],
    rollout: { waves: [{ name: "staging", clusterSelector: {}, soak: "10m" }] },
  },
  status: {
    rollout: {
      revision: "main@sha1:1",
      phase: "Soaking",
      wave: 0,
      waves: [{ name: "staging", clusters: ["a"], state: "Soaking", healthyAt: "2026-03-01T00:00:00Z" }],
    },
  },
});

const source: GitSourceObject = {
  apiVersion: "kaika.dev/v1alpha1",
  kind: "GitSource",
  metadata: { name: "fleet", namespace: "kaika-system", resourceVersion: "9" },
  spec: { url: "https://user:hunter2@git.example.com/fleet.git", interval: "1m" },
};

describe("the fleet view", () => {
  it("is what FleetJson builds, from pieces kept until an object's resourceVersion changes", () => {
    let clusters = [cluster("b", "1", "prod"), cluster("a", "2", "staging")];
    const caches: FleetCaches = {
      clusters: { list: () => clusters },
      syncs: { list: () => [sync("web", "5"), sync("db", "6")] },
      sources: { get: (key) => (key === "kaika-system/fleet" ? source : undefined) },
    };
    const json = new FleetJson();
    const first = json.build(caches, "e.1");
    assert.deepEqual(JSON.parse(first), fleetView(caches, "e.1"));
    const view = fleetView(caches, "e.1");
    assert.deepEqual(
      view.clusters.map((c) => c.name),
      ["a", "b"],
    );
    assert.equal(view.clusters[0]?.syncs[0]?.message, null, "no message when Applied");
    assert.equal(view.clusters[0]?.syncs[1]?.message, "boom");
    assert.equal(view.syncs[0]?.source.url, "https://***@git.example.com/fleet.git", "no credentials");
    assert.equal(view.syncs[1]?.rollout?.waves[0]?.soakEndsAt, "2026-03-01T00:10:00.000Z");

    // A stale piece would survive a change only if it were keyed wrongly: same rv, new content is ignored…
    clusters = [cluster("b", "1", "changed-but-same-rv"), cluster("a", "2", "staging")];
    assert.equal(json.build(caches, "e.1"), first);
    // …and a new resourceVersion is serialized again.
    clusters = [cluster("b", "3", "dev"), cluster("a", "2", "staging")];
    const second = JSON.parse(json.build(caches, "e.2"));
    assert.deepEqual(second, fleetView(caches, "e.2"));
    assert.equal(second.clusters[1]?.env, "dev");
    clusters = [cluster("a", "2", "staging")];
    assert.deepEqual(JSON.parse(json.build(caches, "e.3")).clusters.length, 1, "a deleted Cluster is gone");
  });
});
