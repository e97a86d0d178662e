/**
 * Watches that survive: list, then watch from the list's resourceVersion with
 * bookmarks; on a dropped connection resume from the last resourceVersion
 * seen; on 410 Gone relist and emit only the difference; reconnect with
 * backoff and jitter; abort a connection that has gone silent.
 */
import type { KubeApi, ListOptions } from "./api.ts";
import { GoneError, KubeApiError } from "./errors.ts";
import { type GroupVersionKind, type KubeObject, objectKey } from "./types.ts";

/** A change to one object, or a marker of the reflector's own progress. */
export type ReflectorEvent<T extends KubeObject = KubeObject> =
  | { readonly type: "ADDED" | "MODIFIED"; readonly object: T }
  /** On a relist the deleted object is only known by key: `object` then carries just its metadata name/namespace. */
  | { readonly type: "DELETED"; readonly object: T }
  /** The initial list (or a relist) has been delivered in full. */
  | { readonly type: "SYNCED"; readonly resourceVersion: string }
  /** The watch had to restart: "gone" relisted, "error"/"inactive"/"closed" resumed. */
  | { readonly type: "RESTART"; readonly reason: "gone" | "error" | "inactive" | "closed"; readonly error?: unknown };

/** Options of reflect(). */
export interface ReflectOptions extends ListOptions {
  /** Abort a watch connection that sent nothing, not even a bookmark, for this long; default 150 s. */
  readonly inactivityMs?: number;
  /** First reconnect delay; doubles up to maxBackoffMs, with jitter; default 500 ms. */
  readonly initialBackoffMs?: number;
  /** Default 30 s. */
  readonly maxBackoffMs?: number;
  /** Server-side watch timeout, randomised in [t, 2t) as client-go does; default 300 s. */
  readonly watchTimeoutSeconds?: number;
}

interface WatchLine {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

class InactiveError extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Lists and watches `kind` until `signal` aborts, yielding each change once.
 * It never ends on its own: errors become RESTART events and the reflector
 * carries on, so a consumer's cache converges to the server's state.
 */
export async function* reflect<T extends KubeObject = KubeObject>(
  api: KubeApi,
  kind: GroupVersionKind,
  signal: AbortSignal,
  options: ReflectOptions = {},
): AsyncGenerator<ReflectorEvent<T>> {
  const initialBackoff = options.initialBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const inactivityMs = options.inactivityMs ?? 150_000;
  const timeoutSeconds = options.watchTimeoutSeconds ?? 300;
  // What we have told the consumer exists: key → resourceVersion. Lets a relist emit only the difference.
  const known = new Map<string, string>();
  let resourceVersion: string | undefined;
  let backoff = initialBackoff;

  const wait = async (): Promise<void> => {
    // Full jitter over [backoff/2, backoff): many informers must not reconnect in step.
    await sleep(backoff / 2 + Math.random() * (backoff / 2), signal);
    backoff = Math.min(backoff * 2, maxBackoff);
  };

  while (!signal.aborted) {
    if (resourceVersion === undefined) {
      let listed: { items: T[]; resourceVersion: string };
      try {
        listed = await api.list<T>(kind, options);
      } catch (error) {
        if (signal.aborted) return;
        yield { type: "RESTART", reason: "error", error };
        await wait();
        continue;
      }
      const seen = new Set<string>();
      for (const object of listed.items) {
        const key = objectKey(object);
        seen.add(key);
        const previous = known.get(key);
        known.set(key, object.metadata.resourceVersion ?? "");
        if (previous === undefined) yield { type: "ADDED", object };
        else if (previous !== object.metadata.resourceVersion) yield { type: "MODIFIED", object };
      }
      for (const key of [...known.keys()]) {
        if (seen.has(key)) continue;
        known.delete(key);
        const slash = key.indexOf("/");
        const metadata = slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
        yield { type: "DELETED", object: { apiVersion: "", kind: kind.kind, metadata } as unknown as T };
      }
      resourceVersion = listed.resourceVersion;
      yield { type: "SYNCED", resourceVersion };
    }

    const connection = new AbortController();
    const abortConnection = (): void => connection.abort();
    signal.addEventListener("abort", abortConnection, { once: true });
    let watchdog: NodeJS.Timeout | undefined;
    const armWatchdog = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => connection.abort(new InactiveError()), inactivityMs);
    };
    let delivered = false;
    try {
      const path = await api.path(kind, options.namespace);
      armWatchdog();
      const lines = api.client.lines(
        path,
        {
          watch: 1,
          resourceVersion,
          allowWatchBookmarks: true,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          timeoutSeconds: Math.floor(timeoutSeconds * (1 + Math.random())),
        },
        connection.signal,
      );
      for await (const line of lines) {
        armWatchdog();
        const event = JSON.parse(line) as WatchLine;
        if (event.type === "ERROR") {
          const status = event.object;
          if (status.code === 410 || status.reason === "Expired" || status.reason === "Gone") {
            throw new GoneError("GET", path, 410, {
              message: status.message ?? "",
              reason: status.reason ?? "Expired",
            });
          }
          throw new KubeApiError("GET", path, status.code ?? 500, {
            message: status.message ?? "",
            reason: status.reason ?? "",
          });
        }
        resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
        if (event.type === "BOOKMARK") continue;
        delivered = true;
        backoff = initialBackoff;
        const object = event.object as unknown as T;
        const key = objectKey(object);
        if (event.type === "DELETED") known.delete(key);
        else known.set(key, object.metadata.resourceVersion ?? "");
        yield { type: event.type, object };
      }
      // The server ended the watch (its timeout): resume at once.
      if (!signal.aborted) yield { type: "RESTART", reason: "closed" };
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof GoneError) {
        resourceVersion = undefined;
        yield { type: "RESTART", reason: "gone", error };
        continue;
      }
      const inactive = connection.signal.reason instanceof InactiveError;
      yield { type: "RESTART", reason: inactive ? "inactive" : "error", error };
      if (!delivered) await wait();
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", abortConnection);
      connection.abort();
    }
  }
}
