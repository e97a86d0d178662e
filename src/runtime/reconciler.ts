/** The reconciler contract: what a controller calls, and what each outcome does to the queue. */
import type { Logger } from "./log.ts";

/** What to reconcile: the object's namespace (absent when cluster-scoped) and name. */
export interface Request {
  readonly namespace?: string;
  readonly name: string;
}

/** The outcome of a successful reconcile. */
export interface Result {
  /** Reconcile this request again after this many milliseconds (e.g. to poll something external). */
  readonly requeueAfter?: number;
}

/** Passed to every reconcile. */
export interface ReconcileContext {
  /** A child logger carrying controller, key and reconcileID. */
  readonly log: Logger;
  /** Aborted when the manager shuts down; long work should stop at it. */
  readonly signal: AbortSignal;
  /** A unique id of this reconcile, also in the log lines. */
  readonly id: string;
}

/**
 * Brings the world in line with the object named by the request.
 *
 * - Resolves with nothing (or requeueAfter ≤ 0): success; the request's
 *   backoff is forgotten and it is reconciled again only when it changes.
 * - Resolves with `{ requeueAfter }`: success; reconciled again after that
 *   delay (earlier if it changes meanwhile); the backoff is forgotten.
 * - Throws: failure; logged, counted, and retried with per-request
 *   exponential backoff (5 ms doubling to 1000 s) under the controller's
 *   overall rate limit (10 qps, burst 100).
 * - Throws TerminalError: failure that retrying will not fix (an invalid
 *   spec); logged and counted, not retried until the object changes.
 *
 * A request is never reconciled by two workers at once, and a change that
 * arrives during a reconcile queues exactly one more reconcile.
 * The object may be gone (deleted): reconcile must handle NotFound.
 */
export interface Reconciler {
  reconcile(request: Request, context: ReconcileContext): Promise<Result | undefined>;
}

/** An error retrying will not fix: the controller does not requeue it. */
export class TerminalError extends Error {
  readonly code = "Terminal";
}
