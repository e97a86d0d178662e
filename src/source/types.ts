/** The Git source pillar's value types: what to fetch, with which credentials, under which limits, and what comes back. */

/**
 * Which revision of a repository to fetch. Set exactly one field; when none is
 * set, the branch the remote's HEAD points at is used.
 */
export interface GitRef {
  /** A branch name without `refs/heads/`, e.g. `main`. */
  readonly branch?: string;
  /** A tag name without `refs/tags/`, e.g. `v1.2.3`; annotated tags resolve to their commit. */
  readonly tag?: string;
  /** A semver range (`>=1.0.0 <2.0.0`, `^1.2`); the highest tag satisfying it wins, a leading `v` is accepted. */
  readonly semver?: string;
  /** A full commit sha (40 hex, or 64 for sha256 repositories). */
  readonly commit?: string;
}

/**
 * Credentials for the remote. Secrets only ever reach git through a child's
 * environment or a 0600 temp file that is removed afterwards, never argv.
 */
export interface GitAuth {
  /** HTTP(S) basic user name; defaults to `git` when only `password` is set (token auth). */
  readonly username?: string;
  /** HTTP(S) password or token. */
  readonly password?: string;
  /** An OpenSSH private key (PEM/OpenSSH text) for `ssh://` and scp-like URLs. */
  readonly sshPrivateKey?: string;
  /** known_hosts lines for the SSH server; without them only hosts in the system known_hosts are trusted. */
  readonly knownHosts?: string;
}

/** Limits on untrusted repository content, checked from `git ls-tree` before anything is written. */
export interface ContentLimits {
  /** Largest single file, in bytes. Default 10 MiB. */
  readonly maxFileBytes?: number;
  /** Most files (blobs and symlinks; gitlinks are ignored). Default 20,000. */
  readonly maxFiles?: number;
  /** Largest sum of file sizes, in bytes. Default 200 MiB. */
  readonly maxTotalBytes?: number;
}

/** Where to resolve a ref, for `resolveRef`. */
export interface ResolveOptions {
  /**
   * The repository: a local path (work tree or bare), `file://`, `git://`,
   * `http(s)://`, `ssh://` or scp-like `user@host:path`. Userinfo with a
   * password is moved out of the URL into `auth` and never shown.
   */
  readonly url: string;
  /** Default: the remote HEAD's branch. */
  readonly ref?: GitRef;
  readonly auth?: GitAuth;
  /** Aborts the running git processes; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Deadline for the whole call, in milliseconds. Default 60,000. */
  readonly timeoutMs?: number;
}

/** What to fetch and where to keep it, for `fetchArtifact`. */
export interface FetchOptions extends ResolveOptions {
  /** Holds the per-URL bare mirrors (`mirrors/`) and the per-commit artifacts (`artifacts/`). */
  readonly cacheDir: string;
  readonly limits?: ContentLimits;
}

/** A ref as the remote advertises it, found without fetching. */
export interface ResolvedRef {
  /** The commit the ref points at (annotated tags peeled). */
  readonly commit: string;
  /** The full ref name (`refs/heads/main`, `refs/tags/v1.4.0`), or the sha for a commit ref. */
  readonly refName: string;
}

/** A checked-out, verified tree of one commit. */
export interface Artifact {
  /** The repository URL without any password. */
  readonly url: string;
  /** The ref that was asked for; when none was, `{branch: <remote HEAD's branch>}`. */
  readonly ref: GitRef;
  /** The full ref name that was resolved (`refs/tags/v1.4.0` for a semver ref), or the sha for a commit ref. */
  readonly refName: string;
  /** The full commit sha. */
  readonly commit: string;
  /** Flux-style revision: `main@sha1:<sha>`, `v1.4.0@sha1:<sha>`, or `sha1:<sha>` for a commit ref. */
  readonly revision: string;
  /** The read-only tree of the commit, without `.git`: `<cacheDir>/artifacts/<commit>`. */
  readonly dir: string;
  /** `sha256:<hex>` over the sorted (path, mode, content) of every file and symlink. */
  readonly digest: string;
  /** Files and symlinks in the tree. */
  readonly files: number;
  /** Sum of their sizes in bytes. */
  readonly bytes: number;
  /** True when the tree was already in the cache and nothing was fetched or extracted. */
  readonly fromCache: boolean;
}
