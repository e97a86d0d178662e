/** score(): per object and input scores that never round a finding away, and weigh enforced findings more. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Scored, score } from "./scores.ts";
import type { Severity } from "./types.ts";

const f = (object: string, severity: Severity, enforced = false): Scored => ({ object, severity, enforced });

/** n ConfigMaps without findings, to dilute an input. */
const clean = (n: number): string[] => Array.from({ length: n }, (_, i) => `ConfigMap/shop/c${i}`);

describe("score", () => {
  it("gives 100 to a clean input and to each of its objects, and 100 to an empty input", () => {
    assert.deepEqual(score([], ["Deployment/shop/web", "Service/shop/web"]), {
      input: 100,
      objects: { "Deployment/shop/web": 100, "Service/shop/web": 100 },
    });
    assert.deepEqual(score([], []), { input: 100, objects: {} });
  });

  it("takes 20 per critical, 5 per warning, 1 per info finding off the object, twice that when enforced", () => {
    const objects = ["Deployment/shop/a", "Deployment/shop/b", "Deployment/shop/c"];
    const result = score(
      [
        f("Deployment/shop/a", "critical"),
        f("Deployment/shop/a", "warning"),
        f("Deployment/shop/a", "info"),
        f("Deployment/shop/b", "critical", true),
        f("Deployment/shop/c", "warning", true),
      ],
      objects,
    );
    assert.deepEqual(result.objects, { "Deployment/shop/a": 74, "Deployment/shop/b": 60, "Deployment/shop/c": 90 });
    // (74 + 60 + 90) / 3 = 74.67, rounded down.
    assert.equal(result.input, 74);
  });

  it("scores an object with any finding at most 99, and never below 0", () => {
    const result = score(
      [f("Deployment/shop/a", "info"), ...Array.from({ length: 4 }, () => f("Deployment/shop/b", "critical", true))],
      ["Deployment/shop/a", "Deployment/shop/b"],
    );
    assert.deepEqual(result.objects, { "Deployment/shop/a": 99, "Deployment/shop/b": 0 });
  });

  it("keeps the input at 99 or less with any finding, however many clean objects dilute it", () => {
    // An enforced critical among 999 clean objects: the mean is 99.96; it used to round to 100.
    const objects = [...clean(999), "Deployment/shop/web"];
    const critical = score([f("Deployment/shop/web", "critical", true)], objects);
    assert.equal(critical.objects["Deployment/shop/web"], 60);
    assert.equal(critical.input, 99);
    const info = score([f("Deployment/shop/web", "info")], objects);
    assert.equal(info.input, 99);
    // Rounded down, not to the nearest: 34 objects, one enforced critical: 98.8 → 98.
    assert.equal(score([f("Deployment/shop/web", "critical", true)], [...clean(33), "Deployment/shop/web"]).input, 98);
  });

  it("weighs an enforced finding more than the same finding as a warning-only mode", () => {
    const objects = [...clean(3), "Deployment/shop/web"];
    const warned = score([f("Deployment/shop/web", "warning")], objects);
    const enforced = score([f("Deployment/shop/web", "warning", true)], objects);
    assert.ok(enforced.objects["Deployment/shop/web"]! < warned.objects["Deployment/shop/web"]!);
    assert.ok(enforced.input < warned.input);
  });

  it("counts an object named twice once, and adds an object only findings name", () => {
    const result = score([f("Role/shop/r", "warning")], ["Service/shop/web", "Service/shop/web"]);
    assert.deepEqual(result.objects, { "Service/shop/web": 100, "Role/shop/r": 95 });
    assert.equal(result.input, 97);
  });
});
