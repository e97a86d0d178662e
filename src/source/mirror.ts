/** Per-URL bare mirrors under the cache dir: created atomically, fetched shallowly, one fetch at a time per URL. */
import { access, mkdir, mkdtemp, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { removeTree } from "./artifact.ts";
import { SourceError } from "./errors.ts";
import type { Git } from "./git.ts";
import type { RemoteRef } from "./refs.ts";
import { type SourceUrl, urlKey } from "./url.ts";

// Keeps `git archive` faithful to the blobs: a repository's .gitattributes
// must not drop files (export-ignore), rewrite them (export-subst, ident) or
// convert line endings, so the digest is the digest of what was committed.
const neutralAttributes = "* -text -eol -ident -filter -export-subst -export-ignore -working-tree-encoding\n";

const locks = new Map<string, Promise<void>>();

/** Runs `fn` when no other call with the same key is running in this process (FIFO). */
export async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  let release = (): void => {};
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  locks.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (locks.get(key) === tail) locks.delete(key);
  }
}

/** The mirror directory for a URL: `<cacheDir>/mirrors/<sha256(url)[:32]>.git`. */
export function mirrorDir(cacheDir: string, source: SourceUrl): string {
  return join(cacheDir, "mirrors", `${urlKey(source.display)}.git`);
}

/** Makes sure the bare mirror exists (created in a temp dir and renamed into place) and returns its path. */
export async function openMirror(git: Git, cacheDir: string, source: SourceUrl): Promise<string> {
  const dir = mirrorDir(cacheDir, source);
  if (await exists(join(dir, "HEAD"))) return dir;
  await mkdir(join(cacheDir, "mirrors"), { recursive: true });
  const tmp = await mkdtemp(`${dir}.tmp-`);
  try {
    await git.run(["init", "--bare", "--quiet", tmp]);
    await git.run(["config", "remote.origin.url", source.remote], { cwd: tmp });
    await writeFile(join(tmp, "info", "attributes"), neutralAttributes);
    await rename(tmp, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST" && error.code !== "ENOTEMPTY") throw error;
    });
  } finally {
    await removeTree(tmp);
  }
  return dir;
}

/**
 * True when this URL's mirror already holds the commit: a pinned commit's
 * cached artifact is only handed out to a repository known to contain it,
 * so a sha cannot be used to read another repository's tree from the cache.
 */
export async function mirrorHasCommit(git: Git, cacheDir: string, source: SourceUrl, commit: string): Promise<boolean> {
  const dir = mirrorDir(cacheDir, source);
  if (!(await exists(join(dir, "HEAD")))) return false;
  return (await git.tryRun(["cat-file", "-e", `${commit}^{commit}`], { cwd: dir })).code === 0;
}

/**
 * Fetches the resolved ref into the mirror with `--depth 1` and returns the
 * commit it now points at (newer than `resolved.commit` if someone pushed in
 * between). A commit ref is fetched by sha; when the server refuses
 * unadvertised objects, everything is fetched and the commit looked up.
 */
export async function fetchIntoMirror(git: Git, mirror: string, resolved: RemoteRef): Promise<string> {
  const fetch = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules"];
  if (resolved.ref.commit === undefined) {
    const { refName } = resolved;
    await git.run([...fetch, "--depth", "1", "origin", `+${refName}:${refName}`], { cwd: mirror });
    const commit = await git.tryRun(["rev-parse", "--verify", "--quiet", `${refName}^{commit}`], { cwd: mirror });
    if (commit.code !== 0) {
      throw new SourceError("RefNotFound", git.url, `${refName} does not point to a commit`, { ref: resolved.ref });
    }
    return commit.stdout.toString("utf8").trim();
  }

  const sha = resolved.ref.commit;
  const first = await git.tryRun([...fetch, "--depth", "1", "origin", sha], { cwd: mirror });
  if (first.code !== 0) {
    const failure = git.failure(["fetch"], first);
    if (failure.code === "AuthFailed" || failure.code === "Unreachable") throw failure;
    const shallow = (await git.run(["rev-parse", "--is-shallow-repository"], { cwd: mirror })).toString().trim();
    const all = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
    await git.run([...fetch, ...(shallow === "true" ? ["--unshallow"] : []), "origin", ...all], { cwd: mirror });
  }
  const found = await git.tryRun(["cat-file", "-e", `${sha}^{commit}`], { cwd: mirror });
  if (found.code !== 0) {
    throw new SourceError("RefNotFound", git.url, `commit ${sha} is not in the repository`, { ref: resolved.ref });
  }
  return sha;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
