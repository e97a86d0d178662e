/**
 * Lease leader election against a real apiserver: one leader among candidates, failover after the lease
 * expires, immediate takeover after a graceful release, a leader that stops when it can no longer renew,
 * and expiry judged by the local clock rather than the Lease's renewTime.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { KubeApi } from "../src/kube/api.ts";
import { ConflictError } from "../src/kube/errors.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { Informer } from "../src/runtime/informer.ts";
import { type LeaderElectionOptions, LeaderElector, microTime } from "../src/runtime/leader-election.ts";
import { useFleet } from "./support/fleet.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(1);
const Lease = gvk("coordination.k8s.io/v1", "Lease");
const namespace = "default";
const timings = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 } as const;
/** The longest a candidate waits between attempts: retryPeriod × 2.2. */
const maxRetryWait = timings.retryPeriodMs * 2.2;
const microTimePattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
type LeaseObject = KubeObject & { spec?: LeaseSpec };

// Everything started here is stopped after the tests, even when one fails, so the file's process exits.
const controllers: AbortController[] = [];
const pending: Promise<unknown>[] = [];
const apis: KubeApi[] = [];

function newApi(): KubeApi {
  const api = KubeApi.load({ path: fleet().clusters[0]?.kubeconfigPath ?? "" });
  apis.push(api);
  return api;
}

/** A candidate whose callbacks are recorded in `events`, with acquire()/renewUntil() wrappers that track their outcome. */
function candidate(lease: string, identity: string, options: Partial<LeaderElectionOptions> = {}) {
  const events: string[] = [];
  const elector = new LeaderElector({
    api: newApi(),
    namespace,
    name: lease,
    identity,
    ...timings,
    // LEADER_ELECTION_DEBUG=1 prints the electors' logs.
    ...(process.env.LEADER_ELECTION_DEBUG ? { logger: pino({ level: "info" }) } : {}),
    onStartedLeading: () => events.push("started"),
    onStoppedLeading: () => events.push("stopped"),
    onNewLeader: (id) => events.push(`leader ${id}`),
    onLeaderStatus: (leading) => events.push(`status ${leading}`),
    ...options,
  });
  const acquiring = new AbortController();
  const renewing = new AbortController();
  controllers.push(acquiring, renewing);
  const state = { acquiredAt: 0, outcome: undefined as "released" | "lost" | undefined, outcomeAt: 0 };
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.push(p.catch(() => {}));
    return p;
  };
  return {
    elector,
    events,
    state,
    acquire: (): Promise<boolean> =>
      track(
        elector.acquire(acquiring.signal).then((ok) => {
          if (ok) state.acquiredAt = performance.now();
          return ok;
        }),
      ),
    renew: (): Promise<"released" | "lost"> =>
      track(
        elector.renewUntil(renewing.signal).then((outcome) => {
          state.outcome = outcome;
          state.outcomeAt = performance.now();
          return outcome;
        }),
      ),
    /** Acquires, then renews in the background; resolves once leading, with the renewal's outcome to come. */
    lead: async function (): Promise<{ renewal: Promise<"released" | "lost"> }> {
      assert.equal(await this.acquire(), true, `${identity} should lead`);
      return { renewal: this.renew() };
    },
    stopAcquiring: () => acquiring.abort(),
    stopRenewing: () => renewing.abort(),
  };
}

let admin: KubeApi;
const getLease = (name: string): Promise<LeaseObject> => admin.get<LeaseObject>(Lease, name, namespace);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("leader election", () => {
  before(() => {
    admin = newApi();
  });
  after(async () => {
    for (const c of controllers) c.abort();
    await Promise.all(pending);
    await Promise.all(apis.map((a) => a.close()));
  });

  it("elects exactly one leader, which keeps renewing the Lease while the other stands by", {
    timeout: 30_000,
  }, async () => {
    const a = candidate("one-leader", "alpha");
    const b = candidate("one-leader", "beta");
    const first = await Promise.race([a.acquire().then(() => a), b.acquire().then(() => b)]);
    const [leader, standby] = first === a ? [a, b] : [b, a];
    const renewal = leader.renew();
    const leaderId = leader.elector.identity;

    assert.equal(leader.elector.isLeader(), true);
    assert.equal(standby.elector.isLeader(), false);
    const lease = await getLease("one-leader");
    assert.equal(lease.spec?.holderIdentity, leaderId);
    assert.equal(lease.spec?.leaseDurationSeconds, 3);
    assert.equal(lease.spec?.leaseTransitions, 0, "creating the Lease is not a transition");
    assert.match(lease.spec?.acquireTime ?? "", microTimePattern);
    assert.match(lease.spec?.renewTime ?? "", microTimePattern);

    // Longer than the lease duration: renewals keep the standby out.
    await sleep(timings.leaseDurationMs + 1000);
    assert.equal(leader.elector.isLeader(), true);
    assert.equal(standby.elector.isLeader(), false);
    assert.equal(standby.state.acquiredAt, 0, "the standby never acquired");
    const later = await getLease("one-leader");
    assert.equal(later.spec?.holderIdentity, leaderId);
    assert.equal(later.spec?.acquireTime, lease.spec?.acquireTime, "renewals keep acquireTime");
    assert.ok((later.spec?.renewTime ?? "") > (lease.spec?.renewTime ?? ""), "renewTime advances");
    assert.equal(later.spec?.leaseTransitions, 0);

    assert.deepEqual(leader.events, ["status false", `leader ${leaderId}`, "status true", "started"]);
    assert.deepEqual(standby.events, ["status false", `leader ${leaderId}`]);

    standby.stopAcquiring();
    leader.stopRenewing();
    assert.equal(await renewal, "released");
  });

  it("fails over to the standby once the unreleased lease has expired", { timeout: 30_000 }, async () => {
    const a = candidate("failover", "alpha", { releaseOnCancel: false });
    const b = candidate("failover", "beta");
    const { renewal } = await a.lead();
    const acquired = b.acquire();
    // Let the standby observe a few renewals.
    await sleep(1500);
    assert.equal(b.state.acquiredAt, 0);
    const before = await getLease("failover");
    assert.equal(before.spec?.holderIdentity, "alpha");

    // The leader dies without releasing: it simply stops renewing.
    const killedAt = performance.now();
    a.stopRenewing();
    assert.equal(await renewal, "released");
    assert.equal((await getLease("failover")).spec?.holderIdentity, "alpha", "releaseOnCancel=false leaves the Lease");

    assert.equal(await acquired, true);
    const failoverMs = Math.round(b.state.acquiredAt - killedAt);
    console.log(
      `leader election failover: ${failoverMs} ms after the leader stopped renewing (leaseDuration ${timings.leaseDurationMs} ms, retryPeriod ${timings.retryPeriodMs} ms)`,
    );
    // Not before the lease expired as the standby saw it (its last renewal was at most a retry period before the kill)…
    assert.ok(
      failoverMs >= timings.leaseDurationMs - timings.retryPeriodMs - 300,
      `failover too early: ${failoverMs} ms`,
    );
    // …and within leaseDuration plus one jittered retry (and request slack).
    assert.ok(failoverMs <= timings.leaseDurationMs + maxRetryWait + 1000, `failover too slow: ${failoverMs} ms`);

    const after = await getLease("failover");
    assert.equal(after.spec?.holderIdentity, "beta");
    assert.equal(after.spec?.leaseTransitions, (before.spec?.leaseTransitions ?? 0) + 1);
    assert.equal(b.elector.isLeader(), true);
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.events.slice(-2), ["status false", "stopped"]);
    assert.ok(b.events.includes("leader alpha") && b.events.at(-1) === "started", b.events.join(", "));
    b.renew();
    b.stopRenewing();
  });

  it("hands over almost at once after a graceful release, which clears the holder", { timeout: 30_000 }, async () => {
    // Record every version of the Lease, to see the cleared holder however fast the standby is.
    const watch = new AbortController();
    controllers.push(watch);
    const holders: string[] = [];
    const informer = new Informer<LeaseObject>(newApi(), Lease, {
      namespace,
      fieldSelector: "metadata.name=graceful",
    });
    const record = (l: LeaseObject): void => {
      holders.push(`${l.spec?.holderIdentity ?? "?"}/${l.spec?.leaseDurationSeconds}`);
    };
    informer.addHandler({ onAdd: record, onUpdate: (_, l) => record(l) });
    pending.push(informer.run(watch.signal).catch(() => {}));
    await informer.waitForSync(10_000);

    const a = candidate("graceful", "alpha");
    const b = candidate("graceful", "beta");
    const { renewal } = await a.lead();
    const acquired = b.acquire();
    await sleep(1500);
    const before = await getLease("graceful");

    const stoppedAt = performance.now();
    a.stopRenewing();
    assert.equal(await renewal, "released");
    assert.deepEqual(a.events.slice(-2), ["status false", "stopped"]);
    assert.equal(await acquired, true);
    const handoverMs = Math.round(b.state.acquiredAt - stoppedAt);
    console.log(`leader election handover after release: ${handoverMs} ms`);
    assert.ok(handoverMs < maxRetryWait + 700, `handover took ${handoverMs} ms, leaseDuration is 3000 ms`);

    const after = await getLease("graceful");
    assert.equal(after.spec?.holderIdentity, "beta");
    assert.equal(after.spec?.leaseTransitions, (before.spec?.leaseTransitions ?? 0) + 1);
    await eventually(
      "the watch saw beta take over",
      async () => holders,
      (h) => h.at(-1) === "beta/3",
      5000,
    );
    // alpha's renewals, its release (holder cleared, 1 s), then beta.
    const released = holders.indexOf("/1");
    assert.ok(released > 0, `no release in ${holders.join(", ")}`);
    assert.equal(holders[released - 1], "alpha/3");
    assert.equal(holders[released + 1], "beta/3");
    watch.abort();
    b.renew();
    b.stopRenewing();
  });

  it("stops leading when another writer takes the Lease and renewals fail", { timeout: 30_000 }, async () => {
    const a = candidate("overwritten", "alpha");
    const { renewal } = await a.lead();
    await sleep(700);
    // Another writer forcibly makes itself the holder, racing the leader's renewals.
    let overwrittenAt = 0;
    for (;;) {
      const lease = await getLease("overwritten");
      const now = microTime(new Date());
      try {
        await admin.update({
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: "intruder",
            leaseDurationSeconds: 30,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1,
          },
        });
        overwrittenAt = performance.now();
        break;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }

    assert.equal(await renewal, "lost");
    const lostAfterMs = a.state.outcomeAt - overwrittenAt;
    assert.ok(
      lostAfterMs <= timings.renewDeadlineMs + timings.retryPeriodMs + 1000,
      `stopped ${Math.round(lostAfterMs)} ms after the overwrite`,
    );
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.events.slice(-3), ["leader intruder", "status false", "stopped"]);
    // Losing never writes: the intruder's record stands, and releaseOnCancel did not clear it.
    const lease = await getLease("overwritten");
    assert.equal(lease.spec?.holderIdentity, "intruder");
    assert.equal(lease.spec?.leaseDurationSeconds, 30);
  });

  it("judges expiry by its own clock from when it saw the record change, not by the Lease's renewTime", {
    timeout: 30_000,
  }, async () => {
    // A holder whose clock is far behind: by renewTime, its lease expired decades ago.
    const ancient = "2000-01-01T00:00:00.000000Z";
    await admin.create({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "skewed", namespace },
      spec: {
        holderIdentity: "ghost",
        leaseDurationSeconds: 3,
        acquireTime: ancient,
        renewTime: ancient,
        leaseTransitions: 4,
      },
    });
    const c = candidate("skewed", "gamma");
    const startedAt = performance.now();
    assert.equal(await c.acquire(), true);
    const waitedMs = c.state.acquiredAt - startedAt;
    assert.ok(waitedMs >= timings.leaseDurationMs - 100, `took over after ${Math.round(waitedMs)} ms`);
    assert.ok(waitedMs <= timings.leaseDurationMs + maxRetryWait + 1000, `took over after ${Math.round(waitedMs)} ms`);
    const lease = await getLease("skewed");
    assert.equal(lease.spec?.holderIdentity, "gamma");
    assert.equal(lease.spec?.leaseTransitions, 5);
    assert.deepEqual(c.events, ["status false", "leader ghost", "leader gamma", "status true", "started"]);
  });
});
