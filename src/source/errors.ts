/** Typed errors of the Git source pillar, with credentials redacted from every message. */
import type { GitRef } from "./types.ts";

/**
 * What went wrong, for callers to act on:
 * - `RefNotFound`: the branch/tag/commit does not exist, or no tag satisfies the semver range.
 * - `AuthFailed`: the remote refused the credentials, or the SSH host key is not trusted.
 * - `Unreachable`: the remote could not be reached or is not a repository, or the deadline passed.
 * - `ContentRefused`: the tree breaks a content rule (escaping symlink, a limit); `path`/`limit` say which.
 * - `Invalid`: the options themselves are wrong (URL scheme, ref syntax, semver range); retrying won't help.
 * - `GitFailed`: anything else git reported.
 */
export type SourceErrorCode = "RefNotFound" | "AuthFailed" | "Unreachable" | "ContentRefused" | "Invalid" | "GitFailed";

/** Which content limit a `ContentRefused` error broke, if any. */
export type ContentLimitName = "maxFileBytes" | "maxFiles" | "maxTotalBytes";

/** Extra facts a SourceError carries. */
export interface SourceErrorDetails {
  readonly ref?: GitRef | undefined;
  /** The path inside the repository the error concerns. */
  readonly path?: string | undefined;
  readonly limit?: ContentLimitName | undefined;
  /** The tail of git's stderr, already redacted. */
  readonly stderr?: string | undefined;
  readonly cause?: unknown;
}

/** A Git source operation failed; `code` says how, `url` (never with a password), `ref` and `path` say where. */
export class SourceError extends Error {
  override readonly name = "SourceError";
  readonly code: SourceErrorCode;
  readonly url: string;
  readonly ref: GitRef | undefined;
  readonly path: string | undefined;
  readonly limit: ContentLimitName | undefined;
  readonly stderr: string | undefined;

  constructor(code: SourceErrorCode, url: string, message: string, details: SourceErrorDetails = {}) {
    const tail = details.stderr ? `\ngit said:\n${details.stderr}` : "";
    super(redact(`${url}: ${message}`) + tail, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.url = redact(url);
    this.ref = details.ref;
    this.path = details.path;
    this.limit = details.limit;
    this.stderr = details.stderr;
  }
}

/** Describes a ref for a message: `branch "main"`, `semver ">=1 <2"`, `the remote HEAD`. */
export function describeRef(ref: GitRef | undefined): string {
  if (ref?.branch !== undefined) return `branch "${ref.branch}"`;
  if (ref?.tag !== undefined) return `tag "${ref.tag}"`;
  if (ref?.semver !== undefined) return `semver range "${ref.semver}"`;
  if (ref?.commit !== undefined) return `commit ${ref.commit}`;
  return "the remote HEAD";
}

const userinfo = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi;
const headers = /\b(authorization|proxy-authorization)\s*:\s*\S.*$/gim;
const tokenParams = /([?&](?:access_token|private_token|token|password)=)[^&\s]+/gi;

/**
 * Removes what looks like a credential from text: userinfo in URLs, auth
 * headers, token query parameters, and every literal `secrets` value.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(userinfo, "$1***@").replace(headers, "$1: ***").replace(tokenParams, "$1***");
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("***");
    // Keys span lines; a single line of one may still appear in git's output.
    for (const line of secret.split("\n")) if (line.trim().length >= 16) out = out.split(line).join("***");
  }
  return out;
}
