/** Selection: which desired objects a sync must dry-run, from the inventory's hashes and the live cache. */
import type { InventoryEntry } from "./inventory.ts";
import type { LiveRecord } from "./live-cache.ts";

/**
 * Why an object must be validated and maybe applied:
 * - `new`: the inventory has no hashes for it (never applied, or an inventory older than hashes);
 * - `changed`: its desired hash differs from the one last applied (the commit changed it);
 * - `unwatched`: the live cache cannot tell (its kind is not watched or not listed yet);
 * - `missing`: the watch saw it deleted;
 * - `drifted`: the watch saw it change since it was last applied;
 * - `full`: every object is checked (a full resync, or no live cache).
 */
export type ChangeReason = "new" | "changed" | "unwatched" | "missing" | "drifted" | "full";

/**
 * The reason an object must be dry-run, or undefined when neither Git nor the cluster changed it
 * since it was last applied (`entry` is its inventory entry, `hash` its desired hash now, `live` what
 * the watch last saw: null when gone, undefined when unknown).
 */
export function changeReason(
  entry: InventoryEntry | undefined,
  hash: string,
  live: LiveRecord | null | undefined,
): ChangeReason | undefined {
  if (!entry?.desired || !entry.live) return "new";
  if (entry.desired !== hash) return "changed";
  if (live === undefined) return "unwatched";
  if (live === null) return "missing";
  if (live.hash !== entry.live) return "drifted";
  return undefined;
}
