/** The plain renderer: every YAML and JSON manifest under a folder, in a stable order. */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { assertNoDuplicates } from "./duplicates.ts";
import { RenderError } from "./errors.ts";
import type { ParsedFile } from "./parse.ts";
import { parseManifestsCached } from "./parse-cache.ts";
import type { IgnoredFile, RenderOptions, RenderResult } from "./types.ts";
import { resolveInside, walk } from "./walk.ts";

/** Files read and parsed at once. */
const concurrency = 16;

/** The largest manifest file read (64 MiB); a bigger one is a FileTooLarge error. */
export const maxManifestFileBytes = 64 * 1024 * 1024;

/**
 * Renders every manifest under `root/path` (default: the whole root), as Flux and Argo CD do
 * for a plain directory source: files in walk order (see walk), documents in file order,
 * `kind: List` expanded. Objects are returned as written: `options.defaultNamespace` is
 * not applied, only used to find duplicates. Non-manifest files are listed in `ignored`.
 * Throws RenderError (the first problem in walk order): ParseError, InvalidManifest,
 * DuplicateObject, PathOutsideRoot, NotFound, FileTooLarge, ReadError.
 */
export async function renderPlain(root: string, path = ".", options: RenderOptions = {}): Promise<RenderResult> {
  const resolved = await resolveInside(root, path);
  const { files, ignored } = await walk(resolved.root, resolved.dir);
  const parsed = await parseFiles(resolved.root, files);
  const objects = parsed.flatMap((p) => p.objects);
  assertNoDuplicates(objects, options.defaultNamespace);
  const passedOver: IgnoredFile[] = [...ignored, ...parsed.flatMap((p) => p.ignored)];
  passedOver.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { objects, ignored: passedOver };
}

/** Reads and parses `files` with bounded concurrency; on failure, throws the error of the earliest file. */
export async function parseFiles(root: string, files: readonly string[]): Promise<ParsedFile[]> {
  const results: ParsedFile[] = new Array(files.length);
  const errors = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    // Stop taking files after a failure; every earlier file has been taken, so the earliest error is known.
    while (next < files.length && errors.size === 0) {
      const index = next++;
      const file = files[index] as string;
      try {
        results[index] = parseManifestsCached(file, await readManifest(root, file));
      } catch (error) {
        errors.set(index, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  if (errors.size > 0) throw errors.get(Math.min(...errors.keys()));
  return results;
}

/** The text of `file` under `root`; FileTooLarge over maxManifestFileBytes, ReadError when the file system refuses. */
export async function readManifest(root: string, file: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(join(root, file), "r");
    const { size } = await handle.stat();
    if (size > maxManifestFileBytes) {
      throw new RenderError("FileTooLarge", { file }, `${size} bytes, over the ${maxManifestFileBytes}-byte limit`);
    }
    return await handle.readFile("utf8");
  } catch (error) {
    if (error instanceof RenderError) throw error;
    throw new RenderError("ReadError", { file, cause: error }, `cannot read: ${String(error)}`);
  } finally {
    await handle?.close();
  }
}
