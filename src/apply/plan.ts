/** Plans: what an apply would do to each object, from a server-side dry run compared with the live object. */
import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import type { KubeObject } from "../kube/types.ts";

/** What applying one object does. */
export type Action = "create" | "configure" | "unchanged";

/** The object without status and the metadata the server owns or bumps: comparing those would make every object look changed. */
export function normalize(object: KubeObject): Record<string, unknown> {
  const { managedFields, resourceVersion, generation, uid, creationTimestamp, selfLink, ...metadata } =
    object.metadata as KubeObject["metadata"] & { selfLink?: string };
  const { status, ...rest } = object;
  return { ...rest, metadata };
}

/** Compares the live object (undefined if absent) with the dry-run result of applying the desired one. */
export function planAction(live: KubeObject | undefined, dryRun: KubeObject): Action {
  if (!live) return "create";
  return JSON.stringify(normalize(live)) === JSON.stringify(normalize(dryRun)) ? "unchanged" : "configure";
}

/**
 * A unified diff of live → after-apply as YAML, without managedFields,
 * resourceVersion, generation or status. Defaulted fields are on both
 * sides (both come from the server), so they make no noise.
 */
export function planDiff(ref: string, live: KubeObject | undefined, dryRun: KubeObject): string {
  const before = live ? stringify(normalize(live), { sortMapEntries: true }) : "";
  const after = stringify(normalize(dryRun), { sortMapEntries: true });
  return createTwoFilesPatch(live ? `live/${ref}` : "/dev/null", `git/${ref}`, before, after, "", "", { context: 3 });
}
