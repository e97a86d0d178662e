import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import { expandImage, identityOf, workloadOf } from "./workload.ts";

const containers = (...images: string[]) => images.map((image, i) => ({ name: `c${i}`, image }));

describe("workloadOf", () => {
  it("names the service by app.kubernetes.io/name, else the object, and versions it by label, else the tag", () => {
    const labelled: KubeObject = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db-0", labels: { "app.kubernetes.io/name": "db", "app.kubernetes.io/version": "15.2" } },
      spec: { template: { spec: { containers: containers("postgres:15") } } },
    };
    assert.deepEqual([workloadOf(labelled)?.service, workloadOf(labelled)?.version], ["db", "15.2"]);
    const plain: KubeObject = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "agent" },
      spec: { template: { spec: { containers: containers("registry.local:5000/ops/agent:3.1@sha256:ff") } } },
    };
    const agent = workloadOf(plain);
    assert.deepEqual([agent?.service, agent?.version], ["agent", "3.1"]);
    assert.deepEqual(agent?.images, [{ container: "c0", image: "registry.local:5000/ops/agent:3.1@sha256:ff" }]);
    assert.deepEqual(agent?.images.map(expandImage), [
      {
        container: "c0",
        init: false,
        image: "registry.local:5000/ops/agent:3.1@sha256:ff",
        registry: "registry.local:5000",
        repository: "ops/agent",
        tag: "3.1",
        digest: "sha256:ff",
      },
    ]);
  });

  it("reads labels from the pod template, and the version from the default container's digest or latest", () => {
    const object: KubeObject = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "report-nightly" },
      spec: {
        jobTemplate: {
          spec: {
            template: {
              metadata: {
                labels: { "app.kubernetes.io/name": "report" },
                annotations: { "kubectl.kubernetes.io/default-container": "main" },
              },
              spec: {
                initContainers: [{ name: "migrate", image: "migrate:9" }],
                containers: [
                  { name: "proxy", image: "envoy:1.30" },
                  { name: "main", image: "acme/report@sha256:abc" },
                ],
              },
            },
          },
        },
      },
    };
    const report = workloadOf(object);
    assert.deepEqual([report?.service, report?.version], ["report", "sha256:abc"]);
    assert.deepEqual(
      report?.images.map(expandImage).map((i) => [i.container, i.init, i.registry]),
      [
        ["migrate", true, "docker.io"],
        ["proxy", false, "docker.io"],
        ["main", false, "docker.io"],
      ],
    );
    const bare = { ...object, spec: { template: { spec: { containers: containers("nginx") } } } };
    assert.equal(workloadOf(bare)?.version, "latest");
  });

  it("takes any kind with a pod template (an Argo Rollout) and ignores objects without one", () => {
    const rollout: KubeObject = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "checkout", namespace: "shop" },
      spec: { template: { spec: { containers: containers("ghcr.io/acme/checkout:4.0.1") } } },
    };
    assert.equal(workloadOf(rollout)?.version, "4.0.1");
    assert.equal(identityOf(rollout).ref, "argoproj.io/Rollout/shop/checkout");
    const byRef = { ...rollout, spec: { workloadRef: { kind: "Deployment", name: "checkout" } } };
    assert.equal(workloadOf(byRef), undefined);
    assert.equal(workloadOf({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: {} }), undefined);
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "debug" },
      spec: { containers: containers("busybox:1.36") },
    };
    assert.equal(workloadOf(pod)?.version, "1.36");
    assert.equal(identityOf(pod).ref, "/Pod//debug");
  });
});
