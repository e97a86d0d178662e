/** The Git source's two operations: resolve a ref cheaply (ls-remote), and fetch a verified artifact of its commit. */
import { join, resolve } from "node:path";
import { extractArtifact, readCachedArtifact } from "./artifact.ts";
import { SourceError } from "./errors.ts";
import { Git } from "./git.ts";
import { openGitEnv } from "./git-env.ts";
import { fetchIntoMirror, mirrorDir, mirrorHasCommit, openMirror, withLock } from "./mirror.ts";
import { checkRef, type RemoteRef, resolveRemoteRef, revisionOf } from "./refs.ts";
import { defaultLimits, type Limits, type TreeContext } from "./tree.ts";
import type { Artifact, ContentLimits, FetchOptions, ResolvedRef, ResolveOptions } from "./types.ts";
import { parseSourceUrl, type SourceUrl } from "./url.ts";

const defaultTimeoutMs = 60_000;

/**
 * Resolves a ref to a commit with a single `git ls-remote` and fetches
 * nothing: the cheap check a poller runs each interval. A commit ref is
 * returned as is without asking the remote (ls-remote cannot see commits).
 *
 * Throws SourceError: `Invalid` (URL, ref, options), `RefNotFound`,
 * `AuthFailed`, `Unreachable` (also when `timeoutMs`, default 60 s, passes);
 * rejects with `signal.reason` when aborted.
 */
export async function resolveRef(options: ResolveOptions): Promise<ResolvedRef> {
  return withGit(options, async (git, source) => {
    const { commit, refName } = await resolveRemoteRef(git, source.remote, git.ref);
    return { commit, refName };
  });
}

/**
 * Fetches `options.ref` (default: the remote HEAD's branch) of
 * `options.url` and returns a checked, read-only tree of its commit at
 * `<cacheDir>/artifacts/<commit>` with no `.git`.
 *
 * Steps: `git ls-remote` resolves the ref; if that commit's artifact is
 * already complete in the cache it is returned (`fromCache`) and nothing
 * else runs (a commit ref skips ls-remote; its cached artifact is returned
 * when this URL's mirror holds the commit). Otherwise, holding a per-URL lock, the ref is fetched with
 * `--depth 1` into a bare mirror at `<cacheDir>/mirrors/<hash of URL>.git`,
 * the tree is checked from `git ls-tree` (paths, symlinks that escape or
 * are absolute, `limits`) before anything is written, extracted with
 * `git archive | tar`, digested and renamed into place.
 *
 * Throws SourceError: `Invalid`, `RefNotFound`, `AuthFailed`, `Unreachable`
 * (also on the deadline), `ContentRefused` (with `path` and/or `limit`),
 * `GitFailed`; rejects with `signal.reason` when aborted.
 */
export async function fetchArtifact(options: FetchOptions): Promise<Artifact> {
  const limits = checkLimitsOption(options.url, options.limits);
  const cacheDir = resolve(options.cacheDir);
  const artifactsDir = join(cacheDir, "artifacts");
  return withGit(options, async (git, source) => {
    const resolved = await resolveRemoteRef(git, source.remote, git.ref);
    const where = (commit: string): TreeContext => ({ url: source.display, ref: resolved.ref, commit });
    const cached = await readCachedArtifact(artifactsDir, where(resolved.commit), limits);
    // Artifacts are shared by commit across URLs; a branch or tag commit was just advertised by this remote.
    const ours = resolved.ref.commit === undefined || (await mirrorHasCommit(git, cacheDir, source, resolved.commit));
    if (cached && ours) return artifactOf(source, resolved, cached, artifactsDir, true);

    return withLock(mirrorDir(cacheDir, source), async () => {
      const mirror = await openMirror(git, cacheDir, source);
      const commit = await fetchIntoMirror(git, mirror, resolved);
      const current = { ...resolved, commit };
      // Another fetch may have published this commit while we waited for the lock.
      const again = await readCachedArtifact(artifactsDir, where(commit), limits);
      if (again) return artifactOf(source, current, again, artifactsDir, true);
      const meta = await extractArtifact(git, mirror, artifactsDir, where(commit), limits);
      return artifactOf(source, current, meta, artifactsDir, false);
    });
  });
}

/** Opens a private git environment for one call and always disposes of it. */
async function withGit<T>(options: ResolveOptions, fn: (git: Git, source: SourceUrl) => Promise<T>): Promise<T> {
  options.signal?.throwIfAborted();
  const source = parseSourceUrl(options.url);
  const ref = checkRef(source.display, options.ref);
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!(timeoutMs > 0))
    throw new SourceError("Invalid", source.display, `timeoutMs must be positive (got ${timeoutMs})`);
  const auth = source.auth || options.auth ? { ...source.auth, ...options.auth } : undefined;
  const env = await openGitEnv(source.display, auth);
  try {
    return await fn(new Git(env, source.display, ref, timeoutMs, options.signal), source);
  } finally {
    await env.dispose();
  }
}

function checkLimitsOption(url: string, limits: ContentLimits | undefined): Limits {
  const merged = { ...defaultLimits, ...limits };
  for (const [name, value] of Object.entries(merged)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new SourceError("Invalid", url, `limits.${name} must be a non-negative integer (got ${value})`);
    }
  }
  return merged;
}

function artifactOf(
  source: SourceUrl,
  resolved: RemoteRef,
  meta: { digest: string; files: number; bytes: number },
  artifactsDir: string,
  fromCache: boolean,
): Artifact {
  return {
    url: source.display,
    ref: resolved.ref,
    refName: resolved.refName,
    commit: resolved.commit,
    revision: revisionOf(resolved.refName, resolved.commit),
    dir: join(artifactsDir, resolved.commit),
    digest: meta.digest,
    files: meta.files,
    bytes: meta.bytes,
    fromCache,
  };
}
