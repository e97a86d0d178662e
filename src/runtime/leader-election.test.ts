/** LeaderElector without a cluster: option checks, defaults, MicroTime format, misuse, logger shape. */
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { KubeApi } from "../kube/api.ts";
import { UnavailableError } from "../kube/errors.ts";
import { type LeaderElectionLogger, LeaderElector, microTime } from "./leader-election.ts";

/** An API whose every request fails as if the apiserver were down, counting the attempts. */
function downApi(): { api: KubeApi; requests: () => number } {
  let requests = 0;
  const api = {
    path: async () => "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l",
    client: {
      request: async (method: string, path: string) => {
        requests++;
        throw new UnavailableError(method, path, 0, { message: "connection refused" });
      },
    },
  } as unknown as KubeApi;
  return { api, requests: () => requests };
}

describe("LeaderElector", () => {
  it("defaults to client-go's timings and a hostname_uuid identity", () => {
    const elector = new LeaderElector({ api: downApi().api, namespace: "ns", name: "l" });
    assert.equal(elector.leaseDurationMs, 15_000);
    assert.equal(elector.renewDeadlineMs, 10_000);
    assert.equal(elector.retryPeriodMs, 2_000);
    assert.match(elector.identity, new RegExp(`^${hostname()}_[0-9a-f-]{36}$`));
    assert.notEqual(elector.identity, new LeaderElector({ api: downApi().api, namespace: "ns", name: "l" }).identity);
    assert.equal(elector.isLeader(), false);
  });

  it("rejects timings client-go rejects", () => {
    const base = { api: downApi().api, namespace: "ns", name: "l" };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000 }), /greater than renewDeadlineMs/);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_400 }), /1\.2 × retryPeriodMs/);
    assert.throws(() => new LeaderElector({ ...base, retryPeriodMs: 0 }), /retryPeriodMs/);
    assert.throws(
      () => new LeaderElector({ ...base, leaseDurationMs: 900, renewDeadlineMs: 800, retryPeriodMs: 100 }),
      /at least 1000/,
    );
    assert.throws(() => new LeaderElector({ ...base, identity: "" }), /identity/);
    assert.throws(() => new LeaderElector({ ...base, name: "" }), /name are required/);
    new LeaderElector({ ...base, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 });
  });

  it("formats MicroTime with six fractional digits in UTC", () => {
    assert.equal(microTime(new Date(Date.UTC(2026, 10, 25, 22, 0, 0, 123))), "2026-11-25T22:00:00.123000Z");
  });

  it("keeps retrying while the apiserver is down, until the signal aborts", async () => {
    const { api, requests } = downApi();
    const warnings: string[] = [];
    const logger: LeaderElectionLogger = { info: () => {}, warn: (_, msg) => warnings.push(msg) };
    const statuses: boolean[] = [];
    const elector = new LeaderElector({
      api,
      namespace: "ns",
      name: "l",
      identity: "me",
      leaseDurationMs: 1000,
      renewDeadlineMs: 500,
      retryPeriodMs: 20,
      logger,
      onLeaderStatus: (leading) => statuses.push(leading),
    });
    const stop = new AbortController();
    const acquired = elector.acquire(stop.signal);
    await assert.rejects(elector.acquire(stop.signal), /already running/);
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    assert.equal(await acquired, false);
    assert.ok(requests() >= 3, `${requests()} attempts`);
    assert.ok(warnings.every((w) => w === "error retrieving lease"));
    assert.deepEqual(statuses, [false]);
    await assert.rejects(elector.renewUntil(new AbortController().signal), /call acquire\(\) first/);
  });

  it("accepts a pino logger", () => {
    const logger: LeaderElectionLogger = pino({ level: "silent" });
    new LeaderElector({ api: downApi().api, namespace: "ns", name: "l", logger });
  });
});
