/** Waiting after an apply: for CRDs to be Established, and for objects to become healthy. */
import type { KubeApi } from "../kube/api.ts";
import { NoKindMatchError } from "../kube/discovery.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvkOf, type KubeObject } from "../kube/types.ts";
import { ApplyError, type Origin } from "./errors.ts";
import { computeHealth, type Health } from "./health.ts";

/** An object to wait for, with its health when already known (from an apply answer or the live cache). */
export interface WaitItem {
  readonly desired: KubeObject;
  readonly ref: string;
  readonly source: Origin | undefined;
  health?: Health | undefined;
}

/** What waitHealthy reports: each health change, and each object that failed or timed out. */
export type WaitEvent =
  | { readonly type: "health"; readonly ref: string; readonly health: Health }
  | { readonly type: "failed"; readonly ref: string; readonly phase: "wait"; readonly error: ApplyError };

/** Waits until the CRDs among `items` are Established (60 s at most), then refreshes discovery. */
export async function waitEstablished(api: KubeApi, crds: readonly WaitItem[]): Promise<void> {
  if (crds.length === 0) return;
  const deadline = Date.now() + 60_000;
  for (const crd of crds) {
    for (;;) {
      const live = await api.get(gvkOf(crd.desired), crd.desired.metadata.name ?? "");
      if (computeHealth(live).status === "Current") break;
      if (Date.now() > deadline)
        throw new ApplyError(crd.ref, crd.source, new Error("CRD not Established within 60 s"));
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  api.mapper.invalidate();
}

/**
 * Polls health until every object is Current, reporting each change, or fails the stragglers at the
 * deadline. An item's known health stands for the first poll, so what is known Current costs no read.
 */
export async function* waitHealthy(
  api: KubeApi,
  items: readonly WaitItem[],
  timeoutMs: number,
): AsyncGenerator<WaitEvent> {
  const last = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  let pending = [...items];
  let first = true;
  while (pending.length > 0) {
    const still: WaitItem[] = [];
    for (const item of pending) {
      let health = first ? item.health : undefined;
      if (!health) {
        let live: KubeObject | undefined;
        try {
          live = await api.get(gvkOf(item.desired), item.desired.metadata.name ?? "", item.desired.metadata.namespace);
        } catch (error) {
          if (!(error instanceof NotFoundError) && !(error instanceof NoKindMatchError)) throw error;
        }
        health = computeHealth(live);
      }
      if (last.get(item.ref) !== `${health.status}:${health.message}`) {
        last.set(item.ref, `${health.status}:${health.message}`);
        yield { type: "health", ref: item.ref, health };
      }
      if (health.status === "Failed") {
        yield {
          type: "failed",
          ref: item.ref,
          phase: "wait",
          error: new ApplyError(item.ref, item.source, new Error(health.message)),
        };
      } else if (health.status !== "Current") still.push(item);
    }
    first = false;
    pending = still;
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      for (const item of pending) {
        yield {
          type: "failed",
          ref: item.ref,
          phase: "wait",
          error: new ApplyError(
            item.ref,
            item.source,
            new Error(`not healthy within ${timeoutMs / 1000} s: ${last.get(item.ref)}`),
          ),
        };
      }
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
