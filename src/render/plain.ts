/** The plain renderer: every YAML and JSON manifest under a folder, in a stable order. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gvk } from "../kube/types.ts";
import { RenderError } from "./errors.ts";
import { parseManifests } from "./parse.ts";
import { objectRef, type RenderedObject, type RenderResult } from "./types.ts";
import { resolveInside, walk } from "./walk.ts";

/** Files read at once. */
const concurrency = 32;

/**
 * Renders the manifests under `root/path` (default the root). Throws
 * RenderError naming file, line and field on the first problem; two objects
 * with the same group, kind, namespace and name are a DuplicateObject.
 */
export async function renderPlain(root: string, path = "."): Promise<RenderResult> {
  const dir = await resolveInside(root, path);
  const { files, ignored } = await walk(root, dir);
  const parsed: (RenderedObject[] | undefined)[] = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, files.length) }, async () => {
      while (next < files.length) {
        const index = next++;
        const file = files[index] ?? "";
        const result = parseManifests(file, await readFile(join(root, file), "utf8"));
        if ("skip" in result) ignored.push({ file, reason: result.skip });
        else parsed[index] = result.objects;
      }
    }),
  );
  const objects = parsed.flatMap((o) => o ?? []);
  const seen = new Map<string, RenderedObject>();
  for (const item of objects) {
    const { object } = item;
    if (!object.metadata.name) continue;
    const key = `${gvk(object.apiVersion, object.kind).group}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      throw new RenderError(
        "DuplicateObject",
        { file: item.source.file, line: item.source.line, object: objectRef(object) },
        `also defined at ${first.source.file}:${first.source.line}`,
      );
    }
    seen.set(key, item);
  }
  return { objects, ignored: ignored.sort((a, b) => (a.file < b.file ? -1 : 1)) };
}
