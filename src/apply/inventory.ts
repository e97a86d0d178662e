/**
 * The inventory: which objects an apply owns, so that what leaves Git can be
 * pruned. Kept in ConfigMaps of up to 4,000 ids each, so ten thousand objects
 * never make one object near etcd's size limit.
 */
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import { formatId, type ObjectId, parseId } from "./refs.ts";

const ConfigMap = gvk("v1", "ConfigMap");
const idsPerChunk = 4000;
const label = "kaika.dev/inventory";

const dataOf = (o: KubeObject): Record<string, string | undefined> => (o.data as Record<string, string>) ?? {};

/** Reads and writes one owner's inventory. */
export interface InventoryStore {
  /** The recorded ids, or undefined when there is no inventory yet. */
  read(): Promise<ObjectId[] | undefined>;
  /** Replaces the recorded ids. */
  write(ids: readonly ObjectId[]): Promise<void>;
}

/** Where an inventory lives: ConfigMaps `kaika-inventory-<name>[-N]` in `namespace`. */
export interface InventoryLocation {
  readonly namespace: string;
  readonly name: string;
}

/** An inventory kept in ConfigMaps, written with server-side apply as field manager `kaika`. */
export function configMapInventory(api: KubeApi, location: InventoryLocation): InventoryStore {
  const base = `kaika-inventory-${location.name}`;
  const chunkName = (i: number): string => (i === 0 ? base : `${base}-${i}`);
  return {
    async read() {
      let head: KubeObject;
      try {
        head = await api.get(ConfigMap, base, location.namespace);
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
      const chunks = Number(dataOf(head).chunks ?? "1");
      const lines: string[] = [];
      for (let i = 0; i < chunks; i++) {
        const chunk = i === 0 ? head : await api.get(ConfigMap, chunkName(i), location.namespace);
        lines.push(...(dataOf(chunk).entries ?? "").split("\n").filter(Boolean));
      }
      return lines.map(parseId);
    },
    async write(ids) {
      const lines = [...new Set(ids.map(formatId))].sort();
      const count = Math.max(1, Math.ceil(lines.length / idsPerChunk));
      // Chunks after the head first: a reader that sees the new head finds its chunks.
      for (let i = count - 1; i >= 0; i--) {
        const entries = lines.slice(i * idsPerChunk, (i + 1) * idsPerChunk).join("\n");
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
      // Drop chunks a larger inventory left behind.
      for (let i = count; ; i++) {
        try {
          await api.delete(ConfigMap, chunkName(i), location.namespace);
        } catch (error) {
          if (error instanceof NotFoundError) break;
          throw error;
        }
      }
    },
  };
}
