/**
 * The last render of each Sync, reused while nothing it depends on changed
 * (revision, spec, readiness policies, cluster version): a sync woken by
 * drift, an interval or a reconcile request renders and gates nothing again.
 */
import type { RenderedObject } from "../render/types.ts";
import type { GateVerdict } from "./gate.ts";

/** A render and its readiness verdict. */
export interface Rendered {
  readonly objects: RenderedObject[];
  readonly gate: GateVerdict;
}

/** One entry per Sync ("namespace/name"); a new key replaces the old entry. */
export class RenderMemo {
  readonly #last = new Map<string, { readonly key: string; readonly value: Rendered }>();

  /** The render stored for `owner` under `key`, or undefined when there is none or its key differs. */
  get(owner: string, key: string): Rendered | undefined {
    const last = this.#last.get(owner);
    return last?.key === key ? last.value : undefined;
  }

  set(owner: string, key: string, value: Rendered): void {
    this.#last.set(owner, { key, value });
  }

  forget(owner: string): void {
    this.#last.delete(owner);
  }
}
