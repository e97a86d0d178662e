/** The readiness gate's verdicts (pure: rendered objects in, verdict out). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RenderedObject } from "../render/types.ts";
import { readinessGate } from "./gate.ts";

const hpa: RenderedObject = {
  object: {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "shop" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 2,
      maxReplicas: 4,
    },
  },
  source: { file: "apps/web/hpa.yaml", line: 1 },
};

const apiFindings = (version: string | undefined) =>
  readinessGate([hpa], {}, "main@sha1:abc", [], "shop", version).violations.filter((v) => v.check.startsWith("api."));

describe("readiness gate", () => {
  it("judges apiVersions against the target cluster's own version", () => {
    const [old] = apiFindings("v1.20.15");
    assert.equal(old?.check, "api.unavailable");
    assert.equal(old?.file, "apps/web/hpa.yaml");
    assert.match(old?.message ?? "", /served from Kubernetes 1\.23 \(target 1\.20\)/);
    assert.deepEqual(apiFindings("v1.37.0"), []);
  });

  it("holds the commit back for an old cluster only, and only reports it in warn mode", () => {
    assert.equal(readinessGate([hpa], {}, "main@sha1:abc", [], "shop", "1.37").hold, false);
    const held = readinessGate([hpa], {}, "main@sha1:abc", [], "shop", "1.20");
    assert.equal(held.hold, true);
    assert.match(held.summary ?? "", /apps\/web\/hpa\.yaml:1 HorizontalPodAutoscaler\/shop\/web/);
    const warned = readinessGate([hpa], { policy: { mode: "warn" } }, "main@sha1:abc", [], "shop", "1.20");
    assert.equal(warned.hold, false);
    assert.ok(warned.violations.some((v) => v.check === "api.unavailable"));
  });
});
