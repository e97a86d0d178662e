/** Per-commit artifacts: check the tree, extract it without .git, digest it, make it read-only, publish it atomically. */
import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SourceError } from "./errors.ts";
import type { Git } from "./git.ts";
import { checkLimits, checkSymlinks, type Limits, parseLsTree, type TreeContext, type TreeEntry } from "./tree.ts";

/** What is known about an extracted tree; stored beside it as `<commit>.json`. */
export interface ArtifactMeta {
  readonly commit: string;
  readonly digest: string;
  readonly files: number;
  readonly bytes: number;
  /** The largest file, so a cached artifact can be held to smaller limits later. */
  readonly largest: { readonly path: string; readonly size: number } | undefined;
}

/**
 * The meta of `<artifactsDir>/<commit>` if it is complete, else undefined.
 * A cached tree is held to today's limits: throws `ContentRefused` when it breaks one.
 */
export async function readCachedArtifact(
  artifactsDir: string,
  where: TreeContext,
  limits: Limits,
): Promise<ArtifactMeta | undefined> {
  let meta: ArtifactMeta;
  try {
    // The meta file is written before the tree is renamed into place: a tree without it is not ours.
    meta = JSON.parse(await readFile(join(artifactsDir, `${where.commit}.json`), "utf8")) as ArtifactMeta;
    if (!(await lstat(join(artifactsDir, where.commit))).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const refuse = (path: string | undefined, why: string, limit: keyof Limits): SourceError =>
    new SourceError("ContentRefused", where.url, `commit ${where.commit}: ${path ? `${path}: ` : ""}${why}`, {
      ref: where.ref,
      path,
      limit,
    });
  if (meta.largest && meta.largest.size > limits.maxFileBytes) {
    const { path, size } = meta.largest;
    throw refuse(path, `the file has ${size} bytes, more than maxFileBytes ${limits.maxFileBytes}`, "maxFileBytes");
  }
  if (meta.files > limits.maxFiles) {
    throw refuse(undefined, `the tree has ${meta.files} files, more than maxFiles ${limits.maxFiles}`, "maxFiles");
  }
  if (meta.bytes > limits.maxTotalBytes) {
    throw refuse(
      undefined,
      `the tree has ${meta.bytes} bytes, more than maxTotalBytes ${limits.maxTotalBytes}`,
      "maxTotalBytes",
    );
  }
  return meta;
}

/**
 * Checks the commit's tree in the repository `gitDir` against the rules and
 * limits (from `git ls-tree` and symlink targets only, before writing), then
 * extracts it with `git archive | tar` into a temp dir beside the target,
 * digests it, makes it read-only and renames it to `<artifactsDir>/<commit>`.
 * If another fetch published the same commit first, that one is kept.
 */
export async function extractArtifact(
  git: Git,
  gitDir: string,
  artifactsDir: string,
  where: TreeContext,
  limits: Limits,
): Promise<ArtifactMeta> {
  const { commit } = where;
  const entries = parseLsTree(
    await git.run(["ls-tree", "-r", "-l", "-z", "--full-tree", commit], { cwd: gitDir }),
    where,
  );
  const { files, bytes } = checkLimits(entries, limits, where);
  checkSymlinks(await linkTargets(git, gitDir, entries), where);

  await mkdir(artifactsDir, { recursive: true });
  const tmp = await mkdtemp(join(artifactsDir, `.tmp-${commit}-`));
  try {
    await git.archive(gitDir, commit, tmp);
    const digest = await digestTree(tmp, entries, where);
    let largest: ArtifactMeta["largest"];
    for (const e of entries) if (e.mode !== "120000" && e.size > (largest?.size ?? -1)) largest = e;
    const meta: ArtifactMeta = {
      commit,
      digest,
      files,
      bytes,
      largest: largest && { path: largest.path, size: largest.size },
    };
    await makeReadOnly(tmp, entries);
    const metaFile = join(artifactsDir, `${commit}.json`);
    await writeFile(`${metaFile}.tmp-${process.pid}`, JSON.stringify(meta));
    await rename(`${metaFile}.tmp-${process.pid}`, metaFile);
    try {
      await rename(tmp, join(artifactsDir, commit));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw error;
      await removeTree(tmp);
    }
    return meta;
  } catch (error) {
    await removeTree(tmp);
    throw error;
  }
}

/** Reads every symlink's target with one `git cat-file --batch`. */
async function linkTargets(git: Git, gitDir: string, entries: readonly TreeEntry[]): Promise<Map<string, string>> {
  const links = entries.filter((e) => e.mode === "120000");
  const targets = new Map<string, string>();
  if (links.length === 0) return targets;
  const out = await git.run(["cat-file", "--batch"], {
    cwd: gitDir,
    input: `${links.map((l) => l.object).join("\n")}\n`,
  });
  let at = 0;
  for (const link of links) {
    const eol = out.indexOf(10, at);
    const size = Number(out.subarray(at, eol).toString("latin1").split(" ")[2]);
    if (eol === -1 || !Number.isInteger(size)) {
      throw new SourceError("GitFailed", git.url, `cannot read the target of symlink ${link.path}`, {
        path: link.path,
      });
    }
    targets.set(link.path, out.subarray(eol + 1, eol + 1 + size).toString("utf8"));
    at = eol + 1 + size + 1;
  }
  return targets;
}

/**
 * `sha256:<hex>` over the entries sorted by path: for each, `<mode> <path>\0<size>\0<content>`
 * (a symlink's content is its target). Also checks the extraction matches the listing exactly.
 */
async function digestTree(dir: string, entries: readonly TreeEntry[], where: TreeContext): Promise<string> {
  const differs = (path: string, why: string): SourceError =>
    new SourceError("GitFailed", where.url, `commit ${where.commit}: extracted ${path} ${why}`, {
      ref: where.ref,
      path,
    });
  const written = (await walk(dir)).files;
  if (written.length !== entries.length) {
    throw differs(".", `has ${written.length} files where git ls-tree lists ${entries.length}`);
  }
  const hash = createHash("sha256");
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    const file = join(dir, entry.path);
    const stat = await lstat(file).catch(() => undefined);
    if (stat === undefined) throw differs(entry.path, "is missing");
    if (stat.isSymbolicLink() !== (entry.mode === "120000")) throw differs(entry.path, "has the wrong type");
    const content = entry.mode === "120000" ? Buffer.from(await readlink(file), "utf8") : await readFile(file);
    if (content.length !== entry.size) throw differs(entry.path, `has ${content.length} bytes, not ${entry.size}`);
    hash.update(`${entry.mode} ${entry.path}\0${entry.size}\0`);
    hash.update(content);
  }
  return `sha256:${hash.digest("hex")}`;
}

/** Files become 0444 (0555 if executable), directories 0555, deepest first. */
async function makeReadOnly(dir: string, entries: readonly TreeEntry[]): Promise<void> {
  for (const e of entries) if (e.mode !== "120000") await chmod(join(dir, e.path), e.mode === "100755" ? 0o555 : 0o444);
  const { dirs } = await walk(dir);
  for (const d of dirs.reverse()) await chmod(d, 0o555);
}

/**
 * Removes a tree made read-only by the cache (restoring write permission on
 * its directories first, as a non-root user needs). Never throws for a missing tree.
 */
export async function removeTree(dir: string): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (stat === undefined) return;
  // Restore write permission parents first, so a non-root user can delete the read-only tree.
  if (stat.isDirectory()) await walk(dir, (d) => chmod(d, 0o755).catch(() => {})).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}

/**
 * Lists the directories (parents first, \`dir\` included) and the other
 * entries below \`dir\`, never following symlinks (\`readdir\`'s recursive mode
 * follows them on Node 24). \`onDir\` runs before a directory is read.
 */
async function walk(dir: string, onDir?: (dir: string) => Promise<void>): Promise<{ dirs: string[]; files: string[] }> {
  const dirs: string[] = [];
  const files: string[] = [];
  const visit = async (d: string): Promise<void> => {
    await onDir?.(d);
    dirs.push(d);
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.isDirectory()) await visit(join(d, entry.name));
      else files.push(join(d, entry.name));
    }
  };
  await visit(dir);
  return { dirs, files };
}
