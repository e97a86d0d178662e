/** Walks a manifest folder in sorted order, honouring .kaikaignore files and refusing escapes from the root. */
import type { Dirent } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, normalize, relative, sep } from "node:path";
import ignore, { type Ignore } from "ignore";
import { RenderError } from "./errors.ts";
import type { IgnoredFile } from "./types.ts";

/** The name of the ignore files, gitignore syntax, applying to their folder and below. */
export const ignoreFileName = ".kaikaignore";

const manifestName = /\.(ya?ml|json)$/i;

/** Manifest files to read (paths relative to the root, posix), and what was passed over and why. */
export interface WalkResult {
  readonly files: string[];
  readonly ignored: IgnoredFile[];
}

/** The render root and the folder to walk, both resolved. */
export interface ResolvedPath {
  /** The root with symlinks resolved. */
  readonly root: string;
  /** The folder to walk, below `root` as written (symlinks kept, so reported paths match the repository). */
  readonly dir: string;
}

const toPosix = (p: string): string => p.split(sep).join("/");
const inside = (real: string, root: string): boolean => real === root || real.startsWith(root + sep);
const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Resolves `path` (default ".") below `root`. A leading "/" is read as the root, as Flux does.
 * Throws RenderError PathOutsideRoot when `path` climbs out with `..` or through a symlink,
 * NotFound when the root or path is missing or not a folder.
 */
export async function resolveInside(root: string, path = "."): Promise<ResolvedPath> {
  const shown = toPosix(path);
  const rel = normalize(`./${path}`);
  if (rel === ".." || rel.startsWith(`..${sep}`)) {
    throw new RenderError("PathOutsideRoot", { file: shown }, "the path leads outside the render root");
  }
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (error) {
    throw new RenderError("NotFound", { file: ".", cause: error }, `the render root ${root} does not exist`);
  }
  const dir = join(realRoot, rel);
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    throw new RenderError("NotFound", { file: shown, cause: error }, "no such folder");
  }
  if (!inside(real, realRoot)) {
    throw new RenderError(
      "PathOutsideRoot",
      { file: shown },
      "the path leads outside the render root through a symlink",
    );
  }
  if (!(await stat(real)).isDirectory()) throw new RenderError("NotFound", { file: shown }, "not a folder");
  return { root: realRoot, dir };
}

interface Rules {
  readonly base: string;
  readonly ig: Ignore;
}

/**
 * Lists the manifest files (`*.yaml`, `*.yml`, `*.json`) under `dir`, depth first, each
 * folder's entries sorted by name (code units, locale-free). Skips dot-folders silently;
 * lists dot-files, other files and paths matched by a .kaikaignore (in `dir`, below it, or
 * in a folder between `root` and `dir`; deeper files may re-include with `!`) as ignored.
 * `dir` itself is always walked. Symlinks are followed inside the root; one leading out
 * throws PathOutsideRoot unless it is a file kaika would not read anyway; a broken one
 * to a manifest throws NotFound; a folder loop is ignored.
 */
export async function walk(root: string, dir: string): Promise<WalkResult> {
  const rules: Rules[] = [];
  const above = relative(root, dir);
  let folder = root;
  for (const part of above ? above.split(sep) : []) {
    await loadRules(folder, rules);
    folder = join(folder, part);
  }
  const files: string[] = [];
  const ignored: IgnoredFile[] = [];
  await visit(root, dir, await realpath(dir), rules, new Set(), files, ignored);
  return { files, ignored };
}

async function loadRules(folder: string, rules: Rules[], entries?: Dirent[]): Promise<Rules[]> {
  if (entries && !entries.some((e) => e.name === ignoreFileName)) return rules;
  let text: string;
  try {
    text = await readFile(join(folder, ignoreFileName), "utf8");
  } catch {
    return rules;
  }
  rules.push({ base: folder, ig: ignore().add(text) });
  return rules;
}

/** Whether the rules, outermost first, leave `full` ignored (a deeper match overrides). */
function isIgnored(rules: readonly Rules[], full: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { base, ig } of rules) {
    const local = toPosix(relative(base, full));
    const result = ig.test(isDir ? `${local}/` : local);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

async function visit(
  root: string,
  folder: string,
  realFolder: string,
  parentRules: readonly Rules[],
  ancestors: ReadonlySet<string>,
  files: string[],
  ignored: IgnoredFile[],
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = (await readdir(folder, { withFileTypes: true })).sort(byName);
  } catch (error) {
    throw new RenderError("ReadError", { file: toPosix(relative(root, folder)) || ".", cause: error }, String(error));
  }
  const rules = await loadRules(folder, [...parentRules], entries);
  const onPath = new Set(ancestors).add(realFolder);
  for (const entry of entries) {
    const full = join(folder, entry.name);
    const rel = toPosix(relative(root, full));
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    let real = join(realFolder, entry.name);
    if (entry.name.startsWith(".")) {
      if (!isDir && entry.name !== ignoreFileName) ignored.push({ file: rel, reason: "hidden file" });
      continue;
    }
    if (entry.isSymbolicLink()) {
      const target = await realpath(full).catch(() => undefined);
      if (target === undefined) {
        if (isIgnored(rules, full, false)) ignored.push({ file: rel, reason: `matched ${ignoreFileName}` });
        else if (manifestName.test(entry.name)) throw new RenderError("NotFound", { file: rel }, "broken symlink");
        else ignored.push({ file: rel, reason: "broken symlink" });
        continue;
      }
      const info = await stat(target);
      isDir = info.isDirectory();
      isFile = info.isFile();
      real = target;
    }
    const skip = isIgnored(rules, full, isDir);
    // Reading or descending through a link that leaves the root would render files from elsewhere.
    if (!skip && !inside(real, root) && (isDir || manifestName.test(entry.name))) {
      throw new RenderError("PathOutsideRoot", { file: rel }, "symlink leads outside the render root");
    }
    if (skip) {
      ignored.push({ file: rel, reason: `matched ${ignoreFileName}` });
    } else if (isDir) {
      if (onPath.has(real)) ignored.push({ file: rel, reason: "symlink loop" });
      else await visit(root, full, real, rules, onPath, files, ignored);
    } else if (!manifestName.test(entry.name)) {
      ignored.push({ file: rel, reason: "not a YAML or JSON file" });
    } else if (!isFile) {
      ignored.push({ file: rel, reason: "not a regular file" });
    } else {
      files.push(rel);
    }
  }
}
