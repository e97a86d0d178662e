/** React hooks over the API: a resource that loads, refetches on live events, and keeps its last good data. */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { ApiRequestError } from "./client.ts";
import { type LiveStatus, live } from "./events.ts";
import type { ChangeEvent } from "./types.ts";

/** A resource's state; `data` stays while a refetch runs or after a later failure. */
export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: ApiRequestError | undefined;
  /** True until the first answer (or error). */
  readonly loading: boolean;
  readonly reload: () => void;
}

export interface ResourceOptions<T> {
  /** Kinds whose change events concern this resource (Sync, Cluster, GitSource, ServiceLevelObjective, ReadinessPolicy). */
  readonly kinds?: readonly string[];
  /** Applies an event to the data in place; return undefined to refetch instead. */
  readonly patch?: (data: T, event: ChangeEvent) => T | undefined;
  /** Refetch every this many ms as well (for data without events, such as Prometheus readings). */
  readonly pollMs?: number;
}

// Events come in bursts (a rollout touches every Cluster): refetch once per burst.
const coalesceMs = 400;
const retryMs = 5000;

function asApiError(e: unknown): ApiRequestError {
  return e instanceof ApiRequestError ? e : new ApiRequestError(0, e instanceof Error ? e.message : String(e));
}

/**
 * Loads `fetcher` now and whenever `key` changes; refetches (coalesced) on events of `options.kinds`
 * and after the event stream reconnects.
 */
export function useResource<T>(
  key: string,
  fetcher: (signal: AbortSignal) => Promise<T>,
  options: ResourceOptions<T> = {},
): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: ApiRequestError; loading: boolean }>({
    key,
    loading: true,
  });
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const dataRef = useRef<T | undefined>(undefined);
  dataRef.current = state.data;
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  // A new key starts from scratch (loading), a reload keeps showing the old data.
  if (state.key !== key) setState({ key, loading: true });

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation is the reload trigger
  useEffect(() => {
    const ctl = new AbortController();
    fetcherRef.current(ctl.signal).then(
      (data) => {
        if (!ctl.signal.aborted) setState({ key, data, loading: false });
      },
      (e: unknown) => {
        if (!ctl.signal.aborted) setState((s) => ({ ...s, key, error: asApiError(e), loading: false }));
      },
    );
    return () => ctl.abort();
  }, [key, generation]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(reload, coalesceMs);
    };
    const unsubscribe = live.subscribe((message) => {
      if (message.type === "resync") return later();
      const { kinds, patch } = optionsRef.current;
      if (!kinds?.includes(message.event.kind)) return;
      const current = dataRef.current;
      const next = patch && current !== undefined ? patch(current, message.event) : undefined;
      if (next !== undefined) {
        dataRef.current = next;
        setState((s) => ({ ...s, data: next }));
        return;
      }
      later();
    });
    const poll = options.pollMs ? setInterval(reload, options.pollMs) : undefined;
    return () => {
      unsubscribe();
      clearTimeout(timer);
      clearInterval(poll);
    };
  }, [reload, options.pollMs]);

  // Not connected or a server error: try again in a while (the live stream's reconnect also refetches).
  const retryAfter = state.error && (state.error.offline || state.error.status >= 500) ? state.error : undefined;
  useEffect(() => {
    if (!retryAfter) return;
    const t = setTimeout(reload, retryMs);
    return () => clearTimeout(t);
  }, [retryAfter, reload]);

  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** The live connection's status, for the indicator. */
export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(live.onStatus, live.getStatus);
}
