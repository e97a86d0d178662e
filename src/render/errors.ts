/** The render pillar's error: a code, and the file, line, column, object and field it concerns. */
import type { SourceLocation } from "./types.ts";

/**
 * What went wrong, for callers to act on (none of these is fixed by retrying the same commit):
 * - `ParseError`: YAML/JSON syntax, or a document that expands too far (alias bombs).
 * - `InvalidManifest`: a document that is only half a Kubernetes object; `field` names what is wrong.
 * - `DuplicateObject`: two objects with the same group, kind, namespace and name; `conflictsWith` is the first.
 * - `PathOutsideRoot`: the path, or a symlink under it, leads outside the render root.
 * - `NotFound`: the path does not exist or is not a directory, or a symlink to a manifest is broken.
 * - `FileTooLarge`: a manifest file is over the size limit.
 * - `ReadError`: the file system refused a read; `cause` holds the system error.
 */
export type RenderErrorCode =
  | "ParseError"
  | "InvalidManifest"
  | "DuplicateObject"
  | "PathOutsideRoot"
  | "NotFound"
  | "FileTooLarge"
  | "ReadError";

/** Where a RenderError points, and what it concerns. */
export interface RenderErrorDetails {
  /** Path relative to the render root, posix separators. */
  readonly file: string;
  /** 1-based. */
  readonly line?: number | undefined;
  /** 1-based. */
  readonly column?: number | undefined;
  /** "Kind/namespace/name" or "Kind/name" (see objectRef). */
  readonly object?: string | undefined;
  /** Dotted path inside the object, e.g. `metadata.name`. */
  readonly field?: string | undefined;
  /** For DuplicateObject: where the object was defined first. */
  readonly conflictsWith?: SourceLocation | undefined;
  readonly cause?: unknown;
}

/** A render failed. The message reads `file:line:column: [object: ]what is wrong`. */
export class RenderError extends Error {
  override readonly name = "RenderError";
  readonly code: RenderErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly object: string | undefined;
  readonly field: string | undefined;
  readonly conflictsWith: SourceLocation | undefined;

  constructor(code: RenderErrorCode, where: RenderErrorDetails, message: string) {
    const position = [where.file, where.line, where.line === undefined ? undefined : where.column]
      .filter((p) => p !== undefined)
      .join(":");
    super(
      `${position}: ${where.object ? `${where.object}: ` : ""}${message}`,
      where.cause === undefined ? undefined : { cause: where.cause },
    );
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.object = where.object;
    this.field = where.field;
    this.conflictsWith = where.conflictsWith;
  }
}
