/** Ref resolution with `git ls-remote` only: branches, tags, semver ranges over tags, the remote HEAD. */
import semver from "semver";
import { describeRef, SourceError } from "./errors.ts";
import type { Git } from "./git.ts";
import type { GitRef } from "./types.ts";

/** A ref resolved on the remote, before anything is fetched. */
export interface RemoteRef {
  /** The commit (annotated tags peeled). For a branch or tag the fetch may find a newer one. */
  readonly commit: string;
  /** `refs/heads/<b>`, `refs/tags/<t>`, or the sha for a commit ref. */
  readonly refName: string;
  /** The ref asked for, with the default filled in as `{branch}`. */
  readonly ref: GitRef;
}

const shaPattern = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// Conservative check-ref-format: no refspec, glob or revision syntax can sneak into a fetch.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const refNamePattern = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\/\.)(?!\.)[^\s~^:?*[\\\x00-\x1f\x7f]+(?<![/.])$/;

/**
 * Checks that at most one ref field is set and that it is well-formed
 * (branch/tag names git accepts, a valid semver range, a full sha).
 * Returns the ref with a commit sha lower-cased. Throws `Invalid`.
 */
export function checkRef(url: string, ref: GitRef | undefined): GitRef | undefined {
  if (ref === undefined) return undefined;
  const set = (["branch", "tag", "semver", "commit"] as const).filter((k) => ref[k] !== undefined);
  const invalid = (why: string): SourceError => new SourceError("Invalid", url, why, { ref });
  if (set.length > 1) throw invalid(`set only one of branch, tag, semver, commit (got ${set.join(", ")})`);
  if (set.length === 0) return undefined;
  if (ref.branch !== undefined && !isRefName(ref.branch)) throw invalid(`"${ref.branch}" is not a valid branch name`);
  if (ref.tag !== undefined && !isRefName(ref.tag)) throw invalid(`"${ref.tag}" is not a valid tag name`);
  if (ref.semver !== undefined && semver.validRange(ref.semver) === null) {
    throw invalid(`"${ref.semver}" is not a valid semver range`);
  }
  if (ref.commit !== undefined) {
    const commit = ref.commit.toLowerCase();
    if (!shaPattern.test(commit)) throw invalid(`commit "${ref.commit}" must be a full 40- or 64-hex sha`);
    return { commit };
  }
  return ref;
}

/** True for a branch or tag name that is safe to put in a refspec. */
export function isRefName(name: string): boolean {
  return refNamePattern.test(name) && !name.endsWith(".lock");
}

/** `git ls-remote` output: refs to objects, peeled tags (`^{}`) to commits, and symrefs (`--symref`). */
export interface RemoteListing {
  readonly refs: ReadonlyMap<string, string>;
  readonly peeled: ReadonlyMap<string, string>;
  readonly symrefs: ReadonlyMap<string, string>;
}

/** Parses `git ls-remote [--symref]` output. */
export function parseLsRemote(stdout: string): RemoteListing {
  const refs = new Map<string, string>();
  const peeled = new Map<string, string>();
  const symrefs = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const [left, name] = line.split("\t");
    if (left === undefined || name === undefined) continue;
    if (left.startsWith("ref: ")) symrefs.set(name, left.slice(5));
    else if (name.endsWith("^{}")) peeled.set(name.slice(0, -3), left);
    else refs.set(name, left);
  }
  return { refs, peeled, symrefs };
}

/** The commit a listed ref points at: the peeled commit for an annotated tag, else the ref's own object. */
export function commitOf(listing: RemoteListing, refName: string): string | undefined {
  return listing.peeled.get(refName) ?? listing.refs.get(refName);
}

/**
 * The highest tag satisfying `range`, as `refs/tags/<name>`. A leading `v`
 * is accepted; prereleases count only when the range names one (semver's
 * rule); of equal versions (`v1.0.0`, `1.0.0`) the first name in sort order wins.
 */
export function pickSemverTag(tagRefs: Iterable<string>, range: string): string | undefined {
  let best: { refName: string; version: semver.SemVer } | undefined;
  for (const refName of [...tagRefs].sort()) {
    if (!refName.startsWith("refs/tags/")) continue;
    const name = refName.slice("refs/tags/".length);
    const version = semver.parse(name.startsWith("v") ? name.slice(1) : name);
    if (version === null || !semver.satisfies(version, range)) continue;
    if (best === undefined || semver.gt(version, best.version)) best = { refName, version };
  }
  return best?.refName;
}

/** The short name used in a revision: `main` for `refs/heads/main`, `v1.4.0` for `refs/tags/v1.4.0`. */
export function shortRefName(refName: string): string {
  return refName.replace(/^refs\/(heads|tags)\//, "");
}

/** A Flux-style revision: `<short ref>@sha1:<sha>`, or `sha1:<sha>` for a commit ref. */
export function revisionOf(refName: string, commit: string): string {
  const algo = commit.length === 64 ? "sha256" : "sha1";
  return refName === commit ? `${algo}:${commit}` : `${shortRefName(refName)}@${algo}:${commit}`;
}

/**
 * Resolves `ref` on `remote` with one `git ls-remote` (none for a commit
 * ref, which is returned as is). Throws `RefNotFound` naming the ref.
 */
export async function resolveRemoteRef(git: Git, remote: string, ref: GitRef | undefined): Promise<RemoteRef> {
  const notFound = (why: string): SourceError => new SourceError("RefNotFound", git.url, why, { ref });
  const list = async (args: string[]): Promise<RemoteListing> =>
    parseLsRemote((await git.run(["ls-remote", ...args])).toString("utf8"));

  if (ref?.commit !== undefined) return { commit: ref.commit, refName: ref.commit, ref };
  if (ref?.branch !== undefined) {
    const refName = `refs/heads/${ref.branch}`;
    const commit = commitOf(await list([remote, refName]), refName);
    if (commit === undefined) throw notFound(`branch "${ref.branch}" does not exist on the remote`);
    return { commit, refName, ref };
  }
  if (ref?.tag !== undefined) {
    const refName = `refs/tags/${ref.tag}`;
    const commit = commitOf(await list([remote, refName, `${refName}^{}`]), refName);
    if (commit === undefined) throw notFound(`tag "${ref.tag}" does not exist on the remote`);
    return { commit, refName, ref };
  }
  if (ref?.semver !== undefined) {
    const listing = await list(["--tags", remote]);
    const refName = pickSemverTag(listing.refs.keys(), ref.semver);
    if (refName === undefined) {
      throw notFound(`no tag satisfies ${describeRef(ref)} (${listing.refs.size} tags on the remote)`);
    }
    return { commit: commitOf(listing, refName)!, refName, ref };
  }
  const listing = await list(["--symref", remote, "HEAD"]);
  const head = listing.refs.get("HEAD");
  let refName = listing.symrefs.get("HEAD");
  if (refName === undefined && head !== undefined) {
    // Old servers (and dumb http) don't say where HEAD points: find a branch at the same commit.
    const heads = [...(await list(["--heads", remote])).refs].filter(([, sha]) => sha === head).map(([name]) => name);
    refName = heads.find((n) => n === "refs/heads/main") ?? heads.find((n) => n === "refs/heads/master") ?? heads[0];
  }
  if (head === undefined || refName === undefined || !refName.startsWith("refs/heads/")) {
    throw notFound("the remote has no HEAD branch (an empty repository?); set ref.branch");
  }
  return { commit: head, refName, ref: { branch: shortRefName(refName) } };
}
