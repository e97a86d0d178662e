/** Refuses two rendered objects that are the same object in a cluster. */
import { RenderError } from "./errors.ts";
import { identityKey, objectRef } from "./refs.ts";
import type { RenderedObject } from "./types.ts";

/**
 * Throws RenderError DuplicateObject, at the second object's location and naming the first
 * (`conflictsWith`), when two objects share group, kind, namespace and name. A missing
 * namespace counts as `defaultNamespace` when one is given. Objects with only
 * `generateName` are never duplicates.
 */
export function assertNoDuplicates(objects: readonly RenderedObject[], defaultNamespace?: string): void {
  const seen = new Map<string, RenderedObject>();
  for (const item of objects) {
    const key = identityKey(item.object, defaultNamespace);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first) {
      const { file, line } = first.source;
      throw new RenderError(
        "DuplicateObject",
        { ...item.source, object: objectRef(item.object), conflictsWith: first.source },
        `already defined at ${file}:${line}`,
      );
    }
    seen.set(key, item);
  }
}
