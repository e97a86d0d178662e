/**
 * Lease-based leader election with client-go's leaderelection semantics: a candidate takes the
 * coordination.k8s.io/v1 Lease when it is free or has expired, the leader renews it every retry period,
 * and stops leading when it cannot renew within the renew deadline.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";

const Lease = gvk("coordination.k8s.io/v1", "Lease");

/** client-go's JitterFactor: candidates retry after retryPeriod × [1, 2.2). */
const JITTER_FACTOR = 1.2;

/** The logger calls the elector makes; a pino Logger fits. Messages carry the Lease, identities and errors, never credentials. */
export interface LeaderElectionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options of a {@link LeaderElector}. */
export interface LeaderElectionOptions {
  readonly api: KubeApi;
  /** Namespace of the Lease (must exist). */
  readonly namespace: string;
  /** Name of the Lease; created on first acquisition. */
  readonly name: string;
  /** This candidate's identity, unique among candidates. Default `${hostname}_${randomUUID()}`. */
  readonly identity?: string;
  /**
   * How long standbys wait, from when they last saw the Lease change, before taking it over.
   * Default 15000; at least 1000, since the Lease stores whole seconds; must exceed renewDeadlineMs.
   */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps retrying a failing renewal before it stops leading. Default 10000; must exceed 1.2 × retryPeriodMs. */
  readonly renewDeadlineMs?: number;
  /** Time between renewals, and (jittered to ×[1, 2.2)) between acquisition attempts. Default 2000. */
  readonly retryPeriodMs?: number;
  /** Clear the Lease when renewUntil's signal aborts, so a standby takes over at once. Default true. */
  readonly releaseOnCancel?: boolean;
  /** Called when this candidate becomes leader. Default: nothing. */
  readonly onStartedLeading?: () => void;
  /** Called when this candidate stops leading, lost or released (after the release). Default: nothing. */
  readonly onStoppedLeading?: () => void;
  /** Called when the observed holder changes, with the new holder ("" when the Lease was released). Default: nothing. */
  readonly onNewLeader?: (identity: string) => void;
  /** Called with true on becoming leader and false on stopping or while standing by: client-go's leader_election_master_status. Default: nothing. */
  readonly onLeaderStatus?: (leading: boolean) => void;
  /** Default: no logging. */
  readonly logger?: LeaderElectionLogger;
}

/** client-go's LeaderElectionRecord: the Lease spec fields the election uses. */
interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

interface LeaseObject extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** A metav1.MicroTime as the API writes it: RFC 3339 in UTC with six fractional digits, e.g. 2026-11-25T22:00:00.123000Z. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, "000Z");
}

function recordOf(lease: LeaseObject): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? "",
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime ?? "",
    renewTime: spec.renewTime ?? "",
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

/** The spec client-go writes (LeaderElectionRecordToLeaseSpec). */
function specOf(record: LeaseRecord): LeaseObject["spec"] {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}),
    ...(record.renewTime ? { renewTime: record.renewTime } : {}),
    leaseTransitions: record.leaseTransitions,
  };
}

/** Waits `ms`, or less if `signal` aborts; never rejects. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One candidate for a Lease. Use it as client-go's LeaderElector.Run does:
 *
 *     if (await elector.acquire(shutdown)) {   // false: shut down before leading
 *       startControllers();
 *       const outcome = await elector.renewUntil(stopLeading); // "lost" or "released"
 *     }
 *
 * Abort renewUntil's signal only once the controllers have stopped, so that two leaders never work at once.
 * Expiry is judged with the local monotonic clock from when this candidate last saw the Lease record change,
 * never by comparing the Lease's renewTime with the local time, so clock skew between nodes does not matter.
 */
export class LeaderElector {
  /** This candidate's holderIdentity. */
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly #options: LeaderElectionOptions;
  readonly #api: KubeApi;
  readonly #describe: string;
  /** The Lease as last read or written: its resourceVersion makes updates optimistic. */
  #lease: LeaseObject | undefined;
  #observed: LeaseRecord = recordOf({ apiVersion: "", kind: "", metadata: {} });
  /** performance.now() when #observed was last set. */
  #observedAt = 0;
  /** The record as last read, to notice changes (client-go's observedRawRecord). */
  #observedRaw = "";
  #reportedLeader = "";
  #leading = false;
  #busy = false;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#api = options.api;
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!options.namespace || !options.name)
      throw new Error("leader election: the Lease namespace and name are required");
    if (!this.identity) throw new Error("leader election: identity must not be empty");
    if (!(this.retryPeriodMs > 0)) throw new Error("leader election: retryPeriodMs must be greater than zero");
    if (!(this.leaseDurationMs >= 1000)) throw new Error("leader election: leaseDurationMs must be at least 1000");
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) {
      throw new Error("leader election: leaseDurationMs must be greater than renewDeadlineMs");
    }
    if (!(this.renewDeadlineMs > JITTER_FACTOR * this.retryPeriodMs)) {
      throw new Error(`leader election: renewDeadlineMs must be greater than ${JITTER_FACTOR} × retryPeriodMs`);
    }
    this.#describe = `${options.namespace}/${options.name}`;
  }

  /** True while this candidate leads: it acquired the Lease, has not stopped, and last saw itself as the holder. */
  isLeader(): boolean {
    return this.#leading && this.#holdsObserved();
  }

  /**
   * Tries to take the Lease right away, then every retryPeriod × [1, 2.2), until it leads (resolves true, after
   * onStartedLeading) or `signal` aborts (resolves false). Never rejects for API errors: they are logged and retried.
   * When it resolves true, call renewUntil() next, even if `signal` has aborted meanwhile, so the Lease is kept or released.
   */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.#enter();
    try {
      if (this.#leading) return true;
      this.#call("onLeaderStatus", () => this.#options.onLeaderStatus?.(false));
      this.#log("info", {}, "attempting to acquire leader lease");
      while (!signal.aborted) {
        const acquired = await this.#tryAcquireOrRenew(signal);
        this.#reportTransition();
        if (acquired) {
          this.#leading = true;
          this.#log("info", {}, "successfully acquired lease");
          this.#call("onLeaderStatus", () => this.#options.onLeaderStatus?.(true));
          this.#call("onStartedLeading", () => this.#options.onStartedLeading?.());
          return true;
        }
        await sleep(this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR), signal);
      }
      return false;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Renews the Lease every retryPeriod while leading. Resolves "released" once `signal` aborts (the Lease is
   * cleared first if releaseOnCancel and still ours), or "lost" when no renewal succeeded within renewDeadline
   * (another holder took it, or the apiserver was unreachable). Either way onLeaderStatus(false) and then
   * onStoppedLeading are called before it resolves. Requires leadership from acquire().
   */
  async renewUntil(signal: AbortSignal): Promise<"released" | "lost"> {
    this.#enter();
    try {
      if (!this.#leading) throw new Error("renewUntil() needs leadership: call acquire() first");
      const outcome = await this.#renewLoop(signal);
      this.#leading = false;
      this.#call("onLeaderStatus", () => this.#options.onLeaderStatus?.(false));
      if (this.#options.releaseOnCancel ?? true) await this.#release();
      this.#call("onStoppedLeading", () => this.#options.onStoppedLeading?.());
      return outcome;
    } finally {
      this.#busy = false;
    }
  }

  /** client-go's renew(): wait.Until(PollUntilContextTimeout(retryPeriod, renewDeadline, tryAcquireOrRenew), retryPeriod). */
  async #renewLoop(signal: AbortSignal): Promise<"released" | "lost"> {
    while (!signal.aborted) {
      const deadline = performance.now() + this.renewDeadlineMs;
      // Requests still in flight at the deadline are cut off, as client-go's context does.
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(this.renewDeadlineMs)]);
      for (;;) {
        const tick = performance.now();
        const renewed = await this.#tryAcquireOrRenew(attempt);
        this.#reportTransition();
        if (renewed) break;
        if (signal.aborted) return "released";
        if (performance.now() >= deadline) return this.#lost();
        await sleep(Math.min(tick + this.retryPeriodMs, deadline) - performance.now(), signal);
        if (signal.aborted) return "released";
        if (performance.now() >= deadline) return this.#lost();
      }
      await sleep(this.retryPeriodMs, signal);
    }
    return "released";
  }

  #lost(): "lost" {
    this.#log(
      "warn",
      { holder: this.#observed.holderIdentity },
      `failed to renew lease within ${this.renewDeadlineMs} ms`,
    );
    return "lost";
  }

  /** client-go's tryAcquireOrRenew: true when this candidate holds the Lease after the call. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = performance.now();
    const stamp = microTime(new Date());
    const desired: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    };

    // 1. Fast path: the leader updates optimistically, assuming the Lease it last saw is current.
    if (this.#holdsObserved() && this.#leaseValid(now) && this.#lease) {
      desired.acquireTime = this.#observed.acquireTime;
      desired.leaseTransitions = this.#observed.leaseTransitions;
      try {
        this.#lease = await this.#update(this.#lease, desired, signal);
        this.#setObserved(desired);
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        this.#log("warn", { err: message(error) }, "failed to update lease optimistically, falling back to slow path");
      }
    }

    // 2. Read the Lease, or create it.
    let current: LeaseObject;
    try {
      current = await this.#request<LeaseObject>("GET", undefined, signal);
    } catch (error) {
      if (!(error instanceof NotFoundError)) {
        if (!signal.aborted) this.#log("warn", { err: message(error) }, "error retrieving lease");
        return false;
      }
      try {
        this.#lease = await this.#request<LeaseObject>(
          "POST",
          {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: this.#options.name, namespace: this.#options.namespace },
            spec: specOf(desired),
          },
          signal,
        );
      } catch (createError) {
        if (!signal.aborted) this.#log("warn", { err: message(createError) }, "error initially creating lease");
        return false;
      }
      this.#setObserved(desired);
      return true;
    }
    this.#lease = current;

    // 3. Note a change of the record (restarting the expiry clock), then check holder and expiry.
    const record = recordOf(current);
    const raw = JSON.stringify(record);
    if (raw !== this.#observedRaw) {
      this.#setObserved(record);
      this.#observedRaw = raw;
    }
    const hasValidLeader = record.holderIdentity !== "" && this.#leaseValid(now);
    if (hasValidLeader && !this.#holdsObserved()) return false;

    // 4. Take it over, or renew it on the slow path.
    if (this.#holdsObserved()) {
      desired.acquireTime = record.acquireTime;
      desired.leaseTransitions = record.leaseTransitions;
    } else {
      desired.leaseTransitions = record.leaseTransitions + 1;
    }
    try {
      this.#lease = await this.#update(current, desired, signal);
    } catch (error) {
      if (!signal.aborted) this.#log("warn", { err: message(error) }, "failed to update lease");
      return false;
    }
    this.#setObserved(desired);
    return true;
  }

  /** client-go's release(): clears holderIdentity if the Lease is still ours. */
  async #release(): Promise<void> {
    let current: LeaseObject;
    try {
      current = await this.#request<LeaseObject>("GET", undefined, AbortSignal.timeout(this.renewDeadlineMs));
    } catch (error) {
      if (error instanceof NotFoundError) this.#log("info", {}, "lease not found; nothing to release");
      else this.#log("warn", { err: message(error) }, "error retrieving lease to release it");
      return;
    }
    this.#lease = current;
    const record = recordOf(current);
    if (record.holderIdentity !== this.identity) return;
    const stamp = microTime(new Date());
    const released: LeaseRecord = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: record.leaseTransitions,
    };
    try {
      this.#lease = await this.#update(current, released, AbortSignal.timeout(this.renewDeadlineMs));
    } catch (error) {
      this.#log("warn", { err: message(error) }, "failed to release lease");
      return;
    }
    this.#setObserved(released);
    this.#log("info", {}, "released lease");
  }

  #holdsObserved(): boolean {
    return this.#observed.holderIdentity === this.identity;
  }

  /** The observed record has not expired: observedTime + its leaseDurationSeconds is after `now`. */
  #leaseValid(now: number): boolean {
    return this.#observedAt + this.#observed.leaseDurationSeconds * 1000 > now;
  }

  #setObserved(record: LeaseRecord): void {
    this.#observed = record;
    this.#observedAt = performance.now();
  }

  #reportTransition(): void {
    const holder = this.#observed.holderIdentity;
    if (holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    this.#log("info", { holder }, "new leader observed");
    this.#call("onNewLeader", () => this.#options.onNewLeader?.(holder));
  }

  /** PUT `record` as the spec of `lease`, with lease's resourceVersion: a stale copy fails with ConflictError. */
  #update(lease: LeaseObject, record: LeaseRecord, signal: AbortSignal): Promise<LeaseObject> {
    const { managedFields: _omit, ...metadata } = lease.metadata;
    return this.#request<LeaseObject>("PUT", { ...lease, metadata, spec: specOf(record) }, signal);
  }

  /** One request on the Lease through KubeApi's client, so that a deadline or shutdown can cut it off. */
  async #request<T>(method: "GET" | "POST" | "PUT", body: KubeObject | undefined, signal: AbortSignal): Promise<T> {
    const { namespace, name } = this.#options;
    const path = await this.#api.path(Lease, namespace, method === "POST" ? undefined : name);
    return this.#api.client.request<T>(method, path, { ...(body ? { body } : {}), signal });
  }

  #enter(): void {
    if (this.#busy) throw new Error("leader election: acquire() or renewUntil() is already running");
    this.#busy = true;
  }

  #call(what: string, callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#log("warn", { err: message(error) }, `leader election ${what} callback threw`);
    }
  }

  #log(level: "info" | "warn", fields: object, msg: string): void {
    this.#options.logger?.[level]({ lease: this.#describe, identity: this.identity, ...fields }, msg);
  }
}
