/** Render errors name the file, line and column, and the object and field when there is one. */

/** Why a render failed. */
export type RenderErrorCode = "ParseError" | "InvalidManifest" | "DuplicateObject" | "PathOutsideRoot" | "NotFound";

/** A render failed; the message starts with `file:line:column:`. */
export class RenderError extends Error {
  readonly code: RenderErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly object: string | undefined;
  readonly field: string | undefined;
  constructor(
    code: RenderErrorCode,
    where: { file: string; line?: number | undefined; column?: number | undefined; object?: string; field?: string },
    message: string,
  ) {
    const position = [where.file, where.line, where.column].filter((p) => p !== undefined).join(":");
    super(`${position}: ${where.object ? `${where.object}: ` : ""}${where.field ? `${where.field}: ` : ""}${message}`);
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.object = where.object;
    this.field = where.field;
  }
}
