/** Git sources: resolve refs and fetch checked, read-only, per-commit artifacts with the real git CLI. */
export { removeTree } from "./artifact.ts";
export { type CommitInfo, type ReadCommitOptions, readCommit } from "./commit.ts";
export { type ContentLimitName, describeRef, redact, SourceError, type SourceErrorCode } from "./errors.ts";
export { fetchArtifact, resolveRef } from "./fetch.ts";
export { isRefName, pickSemverTag, revisionOf } from "./refs.ts";
export { defaultLimits, symlinkProblem } from "./tree.ts";
export type {
  Artifact,
  ContentLimits,
  FetchOptions,
  GitAuth,
  GitRef,
  ResolvedRef,
  ResolveOptions,
} from "./types.ts";
export { parseSourceUrl, type SourceUrl, type Transport } from "./url.ts";
