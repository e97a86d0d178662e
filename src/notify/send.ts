/** Delivering notifications: POST with a timeout, retried with exponential backoff on failures worth retrying. */
import type { NotificationEvent } from "./events.ts";
import { slackPayload, webhookPayload } from "./payloads.ts";

/** Where to send, and in which format. */
export interface NotifyTarget {
  /** The receiver's URL; it may hold a secret (Slack's do), so it is never logged whole. */
  readonly url: string;
  readonly format: "webhook" | "slack";
  /** Extra headers, e.g. Authorization for a generic webhook. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** How hard to try. */
export interface SendOptions {
  /** Retries after the first attempt; default 3. */
  readonly retries?: number | undefined;
  /** First wait; doubles per retry up to maxBackoffMs. Default 500 ms. */
  readonly backoffMs?: number | undefined;
  /** Default 10 s; a Retry-After answer may ask for up to this. */
  readonly maxBackoffMs?: number | undefined;
  /** Per attempt; default 5 s. */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** A notification was not delivered after all attempts (or the receiver refused it for good). */
export class NotifyError extends Error {
  override readonly name = "NotifyError";
  readonly code = "NotifyFailed";
  /** The receiver's scheme://host[:port], without path or credentials. */
  readonly target: string;
  readonly attempts: number;
  /** The last HTTP status, if any answer came. */
  readonly status: number | undefined;

  constructor(target: string, attempts: number, message: string, status?: number, cause?: unknown) {
    super(`notification to ${target} failed after ${attempts} attempt(s): ${message}`, cause ? { cause } : undefined);
    this.target = target;
    this.attempts = attempts;
    this.status = status;
  }
}

/** The body `target` gets for `event`. */
export function payloadFor(target: Pick<NotifyTarget, "format">, event: NotificationEvent): unknown {
  return target.format === "slack" ? slackPayload(event) : webhookPayload(event);
}

/**
 * POSTs `event` to `target` as JSON. Network errors, timeouts, 408, 429 and
 * 5xx are retried with backoff (Retry-After honoured up to maxBackoffMs);
 * other 4xx fail at once. Resolves with the attempts made; throws NotifyError.
 */
export async function sendNotification(
  target: NotifyTarget,
  event: NotificationEvent,
  options: SendOptions = {},
): Promise<{ attempts: number }> {
  const retries = options.retries ?? 3;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const where = origin(target.url);
  const body = JSON.stringify(payloadFor(target, event));
  let backoff = options.backoffMs ?? 500;
  let attempt = 0;
  for (;;) {
    attempt++;
    let retryAfterMs: number | undefined;
    let failure: { message: string; status?: number; cause?: unknown; final: boolean };
    try {
      const response = await fetch(target.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "kaika", ...(target.headers ?? {}) },
        body,
        signal: AbortSignal.any([
          AbortSignal.timeout(options.timeoutMs ?? 5000),
          ...(options.signal ? [options.signal] : []),
        ]),
      });
      // Drain the body so the connection can be reused; its text helps the message.
      const text = (await response.text()).slice(0, 200);
      if (response.ok) return { attempts: attempt };
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      const after = Number(response.headers.get("retry-after"));
      if (Number.isFinite(after) && after > 0) retryAfterMs = after * 1000;
      failure = {
        message: `HTTP ${response.status}${text ? `: ${text}` : ""}`,
        status: response.status,
        final: !retryable,
      };
    } catch (error) {
      if (options.signal?.aborted) throw new NotifyError(where, attempt, "cancelled", undefined, error);
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      failure = { message: reason, cause: error, final: false };
    }
    if (failure.final || attempt > retries) {
      throw new NotifyError(where, attempt, failure.message, failure.status, failure.cause);
    }
    await sleep(Math.min(retryAfterMs ?? backoff, maxBackoff), options.signal);
    backoff = Math.min(backoff * 2, maxBackoff);
  }
}

/** What became of one target. */
export interface NotifyOutcome {
  readonly target: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly error?: NotifyError | undefined;
}

/** Logs failures; the controller's logger fits. */
export interface NotifyLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Sends every event to every target; never throws, so a dead receiver never fails a reconcile. */
export class Notifier {
  readonly targets: readonly NotifyTarget[];
  readonly #options: SendOptions;
  readonly #log: NotifyLogger | undefined;

  constructor(targets: readonly NotifyTarget[], options: SendOptions & { log?: NotifyLogger | undefined } = {}) {
    this.targets = targets;
    const { log, ...send } = options;
    this.#options = send;
    this.#log = log;
  }

  /** Targets from `kaika run` flags: generic webhook URLs and Slack incoming-webhook URLs. */
  static fromUrls(
    urls: { webhook?: readonly string[] | undefined; slack?: readonly string[] | undefined },
    options: SendOptions & { log?: NotifyLogger | undefined } = {},
  ): Notifier {
    return new Notifier(
      [
        ...(urls.webhook ?? []).map((url) => ({ url, format: "webhook" as const })),
        ...(urls.slack ?? []).map((url) => ({ url, format: "slack" as const })),
      ],
      options,
    );
  }

  /** Sends `event` to all targets at once; resolves when each has succeeded or given up. */
  async notify(event: NotificationEvent): Promise<NotifyOutcome[]> {
    return Promise.all(
      this.targets.map(async (target): Promise<NotifyOutcome> => {
        try {
          const { attempts } = await sendNotification(target, event, this.#options);
          return { target: origin(target.url), ok: true, attempts };
        } catch (error) {
          const e =
            error instanceof NotifyError
              ? error
              : new NotifyError(origin(target.url), 1, String(error), undefined, error);
          this.#log?.warn({ target: e.target, attempts: e.attempts, status: e.status, event: event.type }, e.message);
          return { target: e.target, ok: false, attempts: e.attempts, error: e };
        }
      }),
    );
  }
}

/** scheme://host[:port] of a URL: enough to tell receivers apart without leaking a token in the path. */
export function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "<invalid url>";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
