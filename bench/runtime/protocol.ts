/** Messages between bench/runtime.ts and its informer child processes, and small helpers both use. */

/** Which informer a child runs. */
export type Side = "kaika" | "client-node";

/** Resident set size and V8 heap in use, in bytes. */
export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
}

/** Event-to-reconcile latency summary, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Parent → child. */
export type ParentMessage = { readonly type: "start" } | { readonly type: "stats" } | { readonly type: "finish" };

/** Child → parent. */
export type ChildMessage =
  | { readonly type: "baseline"; readonly memory: Memory }
  | { readonly type: "synced"; readonly memory: Memory; readonly cached: number; readonly syncMs: number }
  | { readonly type: "stats"; readonly events: number; readonly reconciles: number }
  | {
      readonly type: "result";
      readonly events: number;
      readonly reconciles: number;
      readonly errors: number;
      readonly latency: LatencySummary;
    }
  | { readonly type: "error"; readonly message: string };

/** Nearest-rank percentile `p` (0–100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** p50, p99 and max of `values` (sorted in place). */
export function summarize(values: number[]): LatencySummary {
  values.sort((a, b) => a - b);
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.at(-1) ?? Number.NaN,
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
