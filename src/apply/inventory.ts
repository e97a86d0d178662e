/**
 * The inventory: which objects an apply owns, so that what leaves Git can be
 * pruned, and for each the fingerprints of what was applied (the desired
 * hash) and of what the cluster held right after (the live hash), so that a
 * later sync can skip what changed neither in Git nor in the cluster. Kept
 * in ConfigMaps of up to 512 KiB of entries each, so ten thousand objects
 * never make one object near etcd's size limit.
 */
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import { formatId, type ObjectId, parseId } from "./refs.ts";

const ConfigMap = gvk("v1", "ConfigMap");
const bytesPerChunk = 512 * 1024;
const label = "kaika.dev/inventory";

const dataOf = (o: KubeObject): Record<string, string | undefined> => (o.data as Record<string, string>) ?? {};

/** One owned object; the hashes are absent in inventories written before kaika recorded them. */
export interface InventoryEntry extends ObjectId {
  /** desiredHash() of the object as last applied. */
  readonly desired?: string | undefined;
  /** liveHash() of the object right after that apply (or when a dry run last found it unchanged). */
  readonly live?: string | undefined;
}

/** Reads and writes one owner's inventory. */
export interface InventoryStore {
  /** The recorded entries, or undefined when there is no inventory yet. */
  read(): Promise<InventoryEntry[] | undefined>;
  /** Replaces the recorded entries (plain ids are entries without hashes). */
  write(entries: readonly InventoryEntry[]): Promise<void>;
}

/** Where an inventory lives: ConfigMaps `kaika-inventory-<name>[-N]` in `namespace`. */
export interface InventoryLocation {
  readonly namespace: string;
  readonly name: string;
}

/** "id desired live" when hashes are known, else the id alone (the format before hashes). */
export function formatEntry(entry: InventoryEntry): string {
  const id = formatId(entry);
  return entry.desired && entry.live ? `${id} ${entry.desired} ${entry.live}` : id;
}

/** Parses formatEntry's output. */
export function parseEntry(line: string): InventoryEntry {
  const [id = "", desired, live] = line.split(" ");
  return { ...parseId(id), ...(desired && live ? { desired, live } : {}) };
}

/** Lines grouped into chunks of at most bytesPerChunk, in order. */
function chunksOf(lines: readonly string[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (current.length > 0 && size + line.length + 1 > bytesPerChunk) {
      chunks.push(current.join("\n"));
      current = [];
      size = 0;
    }
    current.push(line);
    size += line.length + 1;
  }
  chunks.push(current.join("\n"));
  return chunks;
}

/**
 * An inventory kept in ConfigMaps, written with server-side apply as field manager `kaika`. A write
 * rewrites only the chunks whose entries changed since this store's last read or write.
 */
export function configMapInventory(api: KubeApi, location: InventoryLocation): InventoryStore {
  const base = `kaika-inventory-${location.name}`;
  const chunkName = (i: number): string => (i === 0 ? base : `${base}-${i}`);
  // What each chunk held when last read or written, and how many chunks there were.
  let known: { chunks: string[]; count: number } | undefined;
  return {
    async read() {
      let head: KubeObject;
      try {
        head = await api.get(ConfigMap, base, location.namespace);
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
      const count = Number(dataOf(head).chunks ?? "1");
      const chunks: string[] = [];
      for (let i = 0; i < count; i++) {
        const chunk = i === 0 ? head : await api.get(ConfigMap, chunkName(i), location.namespace);
        chunks.push(dataOf(chunk).entries ?? "");
      }
      known = { chunks, count };
      return chunks.flatMap((c) => c.split("\n").filter(Boolean)).map(parseEntry);
    },
    async write(entries) {
      const byId = new Map(entries.map((e) => [formatId(e), formatEntry(e)]));
      const lines = [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, line]) => line);
      const chunks = chunksOf(lines);
      const count = chunks.length;
      // Chunks after the head first: a reader that sees the new head finds its chunks.
      for (let i = count - 1; i >= 0; i--) {
        const entries = chunks[i] ?? "";
        if (known && known.count === count && known.chunks[i] === entries) continue;
        await api.apply(
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: chunkName(i), namespace: location.namespace, labels: { [label]: location.name } },
            data: i === 0 ? { entries, chunks: String(count) } : { entries },
          },
          { fieldManager: "kaika", force: true },
        );
      }
      // Drop chunks a larger inventory left behind (known: only when there were more).
      for (let i = count; !known || known.count > i; i++) {
        try {
          await api.delete(ConfigMap, chunkName(i), location.namespace);
        } catch (error) {
          if (error instanceof NotFoundError) break;
          throw error;
        }
      }
      known = { chunks, count };
    },
  };
}
