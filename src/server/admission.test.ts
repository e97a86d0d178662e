import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import { review } from "./admission.ts";

const pod = (image: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p" },
  spec: {
    containers: [
      { name: "c", image, resources: { requests: { cpu: "1m", memory: "1Mi" }, limits: { memory: "1Mi" } } },
    ],
  },
});

describe("admission review", () => {
  it("answers with the request's uid, denying critical findings and naming the check and fix", () => {
    const answer = review({ request: { uid: "u1", namespace: "shop", object: pod("nginx") } });
    assert.equal(answer.response.uid, "u1");
    assert.equal(answer.response.allowed, false);
    assert.equal(answer.response.status?.code, 403);
    assert.match(
      answer.response.status?.message ?? "",
      /images\.tag-mutable at spec\.containers\[c\]\.image: .*\(fix: /,
    );
  });

  it("allows with at most 10 short warnings, and allows requests without an object (deletes)", () => {
    const answer = review({ request: { uid: "u2", object: pod("registry.example/app:1.0.0") } });
    assert.equal(answer.response.allowed, true);
    assert.ok((answer.response.warnings?.length ?? 0) > 0 && (answer.response.warnings?.length ?? 0) <= 10);
    assert.ok(answer.response.warnings?.every((w) => w.length <= 240));
    assert.deepEqual(review({ request: { uid: "u3" } }).response, { uid: "u3", allowed: true });
  });
});
