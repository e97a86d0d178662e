/** Walks a manifest folder in sorted order, honouring .kaikaignore files and refusing escapes from the root. */
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import ignore, { type Ignore } from "ignore";
import { RenderError } from "./errors.ts";

const manifestExtensions = /\.(ya?ml|json)$/i;

/** Files under `root/path`: manifests to read, and the rest with why they were skipped. */
export interface WalkResult {
  readonly files: string[];
  readonly ignored: { file: string; reason: string }[];
}

const toPosix = (p: string): string => p.split(sep).join("/");

/** Resolves `path` inside `root`, refusing `..` and symlinks that lead out. */
export async function resolveInside(root: string, path: string): Promise<string> {
  const realRoot = await realpath(root);
  const target = join(realRoot, path);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    throw new RenderError("NotFound", { file: toPosix(path) }, "no such folder in the repository");
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new RenderError("PathOutsideRoot", { file: toPosix(path) }, "leads outside the repository");
  }
  return real;
}

/** Lists manifest files under `dir` (relative to `root`), sorted, skipping dot-folders and ignored paths. */
export async function walk(root: string, dir: string): Promise<WalkResult> {
  const realRoot = await realpath(root);
  const files: string[] = [];
  const ignored: { file: string; reason: string }[] = [];
  const visit = async (folder: string, rules: { base: string; ig: Ignore }[]): Promise<void> => {
    let scoped = rules;
    try {
      const text = await readFile(join(folder, ".kaikaignore"), "utf8");
      scoped = [...rules, { base: folder, ig: ignore().add(text) }];
    } catch {
      // no .kaikaignore here
    }
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = join(folder, entry.name);
      const rel = toPosix(relative(realRoot, full));
      if (entry.name.startsWith(".")) continue;
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const real = await realpath(full).catch(() => undefined);
        if (!real || (real !== realRoot && !real.startsWith(realRoot + sep))) {
          throw new RenderError("PathOutsideRoot", { file: rel }, "symlink leads outside the repository");
        }
        isDir = (await stat(real)).isDirectory();
      }
      const ignoredBy = scoped.find((r) => {
        const local = toPosix(relative(r.base, full));
        return r.ig.ignores(isDir ? `${local}/` : local);
      });
      if (ignoredBy) {
        ignored.push({ file: rel, reason: "matched .kaikaignore" });
        continue;
      }
      if (isDir) await visit(full, scoped);
      else if (manifestExtensions.test(entry.name)) files.push(rel);
      else ignored.push({ file: rel, reason: "not a YAML or JSON file" });
    }
  };
  await visit(dir, []);
  return { files, ignored };
}
