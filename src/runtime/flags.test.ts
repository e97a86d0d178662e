import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManagerFlags } from "./flags.ts";

describe("manager flags", () => {
  it("has controller-runtime's defaults", () => {
    const { flags } = parseManagerFlags([]);
    assert.equal(flags.metricsBindAddress, "127.0.0.1:8080");
    assert.equal(flags.healthProbeBindAddress, "127.0.0.1:8081");
    assert.equal(flags.leaderElect, false);
    assert.equal(flags.leaderElectionNamespace, "kaika-system");
  });

  it("parses every flag and leaves the rest alone", () => {
    const { flags, rest } = parseManagerFlags([
      "--kubeconfig=/k",
      "--context",
      "c",
      "--metrics-bind-address=0",
      "--health-probe-bind-address",
      "127.0.0.1:0",
      "--leader-elect",
      "--leader-election-namespace=ns",
      "--leader-election-id=id",
      "--other=1",
      "word",
    ]);
    assert.deepEqual(flags, {
      kubeconfig: "/k",
      context: "c",
      metricsBindAddress: "0",
      healthProbeBindAddress: "127.0.0.1:0",
      leaderElect: true,
      leaderElectionNamespace: "ns",
      leaderElectionId: "id",
    });
    assert.deepEqual(rest, ["--other=1", "word"]);
  });
});
