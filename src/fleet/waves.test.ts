import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ClusterRun, type PlanInput, planRollout, type RolloutSpec } from "./waves.ts";

const clusters = [
  { name: "stage-1", labels: { env: "staging" } },
  { name: "prod-1", labels: { env: "prod", canary: "true" } },
  { name: "prod-2", labels: { env: "prod" } },
  { name: "prod-3", labels: { env: "prod" } },
];
const rollout: RolloutSpec = {
  waves: [
    { name: "staging", clusterSelector: { matchLabels: { env: "staging" } }, soak: "60s" },
    { name: "canary", clusterSelector: { matchLabels: { canary: "true" } }, soak: "0s" },
  ],
};
const R0 = "main@sha1:0000";
const R1 = "main@sha1:1111";

function input(runs: Record<string, ClusterRun>, extra: Partial<PlanInput> = {}): PlanInput {
  return {
    rollout,
    clusters,
    revision: R1,
    previous: undefined,
    runs: new Map(Object.entries(runs)),
    now: 0,
    ...extra,
  };
}

const desired = (plan: ReturnType<typeof planRollout>) => Object.fromEntries(plan.desired);

describe("planRollout", () => {
  it("puts clusters in the first wave that selects them and the rest last", () => {
    const plan = planRollout(input({}));
    assert.deepEqual(
      plan.rollout.waves.map((w) => [w.name, w.clusters]),
      [
        ["staging", ["stage-1"]],
        ["canary", ["prod-1"]],
        ["rest", ["prod-2", "prod-3"]],
      ],
    );
  });

  it("starts with the first wave only; later waves keep what they run", () => {
    const runs = { "stage-1": { revision: R0 }, "prod-1": { revision: R0 }, "prod-2": { revision: R0 } };
    const plan = planRollout(input(runs));
    assert.deepEqual(desired(plan), { "stage-1": R1, "prod-1": R0, "prod-2": R0 });
    assert.equal(plan.rollout.phase, "Progressing");
  });

  it("soaks a healthy wave, then moves on", () => {
    const runs = { "stage-1": { revision: R1 }, "prod-1": { revision: R0 } };
    const first = planRollout(input(runs, { now: 1000 }));
    assert.equal(first.rollout.phase, "Soaking");
    assert.equal(first.recheckAfterMs, 60_000);
    assert.equal(desired(first)["prod-1"], R0);
    const later = planRollout(input(runs, { now: 61_000, previous: first.rollout }));
    assert.equal(later.rollout.wave, 1);
    assert.equal(desired(later)["prod-1"], R1);
    assert.ok(later.events.some((e) => e.reason === "WaveDone"));
  });

  it("halts on a failure in the current wave and keeps later waves on the previous revision", () => {
    const runs = {
      "stage-1": { revision: R0, failed: { revision: R1, message: "Deployment/web: timed out" } },
      "prod-1": { revision: R0 },
      "prod-2": { revision: R0 },
    };
    const plan = planRollout(input(runs, { previous: { revision: R0, phase: "Complete", wave: 2, waves: [] } }));
    assert.equal(plan.rollout.phase, "Halted");
    assert.match(plan.rollout.message ?? "", /stage-1.*timed out/);
    assert.equal(plan.rollout.previousRevision, R0);
    assert.deepEqual(desired(plan), { "stage-1": R1, "prod-1": R0, "prod-2": R0, "prod-3": R0 });
    assert.ok(plan.events.some((e) => e.reason === "RolloutHalted"));
  });

  it("promote skips a failed wave; retry re-attempts it", () => {
    const runs = { "stage-1": { failed: { revision: R1, message: "x" } } };
    const halted = planRollout(input(runs)).rollout;
    const promoted = planRollout(input(runs, { previous: halted, promote: true }));
    assert.equal(promoted.rollout.wave, 1);
    assert.equal(desired(promoted)["prod-1"], R1);
    const retried = planRollout(input({ "stage-1": {} }, { previous: halted, retry: true }));
    assert.equal(retried.rollout.phase, "Progressing");
    assert.equal(desired(retried)["stage-1"], R1);
  });

  it("lifts a halt once the failed cluster's retry succeeds, but not an SLO gate's halt", () => {
    const halted = planRollout(input({ "stage-1": { failed: { revision: R1, message: "x" } } })).rollout;
    assert.equal(halted.phase, "Halted");
    const recovered = planRollout(input({ "stage-1": { revision: R1 } }, { previous: halted }));
    assert.notEqual(recovered.rollout.phase, "Halted");
    const spec: RolloutSpec = {
      waves: [{ name: "staging", clusterSelector: { matchLabels: { env: "staging" } }, sloGate: { maxBurnRate: 1 } }],
    };
    const runs = { "stage-1": { revision: R1 } };
    const gateHalt = planRollout(
      input(runs, { rollout: spec, gates: new Map([["staging", { ok: false, reason: "burning" }]]) }),
    ).rollout;
    const still = planRollout(input(runs, { rollout: spec, previous: gateHalt }));
    assert.equal(still.rollout.phase, "Halted");
    const retried = planRollout(input(runs, { rollout: spec, previous: gateHalt, retry: true }));
    assert.equal(retried.gateNeeded?.name, "staging", "a retry checks the gate again");
  });

  it("does not let an unreachable cluster hold a wave back", () => {
    const runs = { "stage-1": { unreachable: true }, "prod-1": { revision: R1 } };
    const plan = planRollout(
      input(runs, { rollout: { waves: [{ name: "staging", clusterSelector: { matchLabels: { env: "staging" } } }] } }),
    );
    assert.equal(plan.rollout.waves[0]?.state, "Done");
    assert.equal(desired(plan)["stage-1"], R1, "it gets the revision when it comes back");
  });

  it("starts at most maxUnavailable clusters of a wave at once", () => {
    const spec: RolloutSpec = { waves: [{ name: "all", clusterSelector: {}, maxUnavailable: 2 }] };
    const plan = planRollout(input({}, { rollout: spec }));
    assert.equal(plan.desired.size, 2);
    const next = planRollout(
      input({ "prod-1": { applying: R1 }, "prod-2": { revision: R1 } }, { rollout: spec, previous: plan.rollout }),
    );
    assert.deepEqual(Object.keys(desired(next)).sort(), ["prod-1", "prod-2", "prod-3"]);
  });

  it("pauses between waves and waits for promotion where asked", () => {
    const soaked = {
      revision: R1,
      phase: "Soaking",
      wave: 0,
      waves: [{ name: "staging", clusters: ["stage-1"], state: "Soaking", healthyAt: new Date(0).toISOString() }],
    };
    const paused = planRollout(
      input({ "stage-1": { revision: R1 } }, { now: 120_000, previous: soaked, rollout: { ...rollout, paused: true } }),
    );
    assert.equal(paused.rollout.phase, "Paused");
    assert.equal(paused.rollout.wave, 0);
    const spec: RolloutSpec = {
      waves: [{ name: "staging", clusterSelector: { matchLabels: { env: "staging" } }, requirePromotion: true }],
    };
    const waiting = planRollout(input({ "stage-1": { revision: R1 } }, { rollout: spec }));
    assert.equal(waiting.rollout.phase, "WaitingForPromotion");
    const promoted = planRollout(
      input({ "stage-1": { revision: R1 } }, { rollout: spec, previous: waiting.rollout, promote: true }),
    );
    assert.equal(promoted.rollout.wave, 1);
  });

  it("asks for the SLO gate of a soaked wave and halts when it fails", () => {
    const spec: RolloutSpec = {
      waves: [{ name: "staging", clusterSelector: { matchLabels: { env: "staging" } }, sloGate: { maxBurnRate: 2 } }],
    };
    const runs = { "stage-1": { revision: R1 } };
    const asking = planRollout(input(runs, { rollout: spec }));
    assert.equal(asking.gateNeeded?.name, "staging");
    const failed = planRollout(
      input(runs, { rollout: spec, gates: new Map([["staging", { ok: false, reason: "burn rate 9.1 > 2" }]]) }),
    );
    assert.equal(failed.rollout.phase, "Halted");
    assert.match(failed.rollout.message ?? "", /burn rate 9.1/);
    const passed = planRollout(input(runs, { rollout: spec, gates: new Map([["staging", { ok: true, reason: "" }]]) }));
    assert.equal(passed.rollout.wave, 1);
  });

  it("with rollback, puts a wave whose gate failed back on the previous revision, and keeps it there", () => {
    const spec: RolloutSpec = {
      waves: [
        {
          name: "staging",
          clusterSelector: { matchLabels: { env: "staging" } },
          sloGate: { maxBurnRate: 2, rollback: true },
        },
      ],
    };
    const complete = planRollout(input({}, { rollout: spec, revision: R0 })).rollout;
    const start = { ...complete, phase: "Complete" as const };
    const failed = planRollout(
      input(
        { "stage-1": { revision: R1 } },
        { rollout: spec, previous: start, gates: new Map([["staging", { ok: false, reason: "burning" }]]) },
      ),
    );
    assert.equal(failed.rollout.phase, "Halted");
    assert.equal(failed.rollout.previousRevision, R0);
    assert.equal(desired(failed)["stage-1"], R0, "rolled back");
    // The next passes (the cluster still on R1, then back on R0) keep the rollback while the halt holds.
    for (const revisionNow of [R1, R0]) {
      const later = planRollout(
        input({ "stage-1": { revision: revisionNow } }, { rollout: spec, previous: failed.rollout }),
      );
      assert.equal(later.rollout.phase, "Halted");
      assert.equal(desired(later)["stage-1"], R0, `with the cluster on ${revisionNow}`);
    }
    // Without rollback the wave keeps the failing revision.
    const kept = planRollout(
      input(
        { "stage-1": { revision: R1 } },
        {
          rollout: {
            waves: [{ ...(spec.waves?.[0] as NonNullable<RolloutSpec["waves"]>[number]), sloGate: { maxBurnRate: 2 } }],
          },
          previous: start,
          gates: new Map([["staging", { ok: false, reason: "burning" }]]),
        },
      ),
    );
    assert.equal(desired(kept)["stage-1"], R1);
  });

  it("completes when every wave runs the revision", () => {
    const all = Object.fromEntries(clusters.map((c) => [c.name, { revision: R1 }]));
    const plan = planRollout(input(all, { rollout: { waves: [] } }));
    assert.equal(plan.rollout.phase, "Complete");
    assert.ok(plan.events.some((e) => e.reason === "RolloutComplete"));
  });
});
