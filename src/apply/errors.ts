/** Apply errors that name the object, its file and line, and the field the server objected to. */
import { InvalidError, KubeApiError } from "../kube/errors.ts";

/** Where a desired object came from (a renderer's SourceLocation). */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/** One object could not be validated, applied, pruned or became unhealthy. */
export class ApplyError extends Error {
  readonly code: string;
  /** "Kind/namespace/name". */
  readonly object: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** The field path the server named, when it named one. */
  readonly field: string | undefined;
  constructor(object: string, origin: Origin | undefined, cause: unknown) {
    const field = cause instanceof InvalidError ? cause.causes.find((c) => c.field)?.field : undefined;
    const where = origin ? `${origin.file}:${origin.line}: ` : "";
    const reason =
      cause instanceof KubeApiError ? apiReason(cause) : cause instanceof Error ? cause.message : String(cause);
    super(`${where}${object}: ${reason}`, { cause });
    this.code = cause instanceof KubeApiError ? cause.code : "ApplyFailed";
    this.object = object;
    this.file = origin?.file;
    this.line = origin?.line;
    this.field = field;
  }
}

// The apiserver's message repeats the object; keep its detail, drop the method and path.
function apiReason(error: KubeApiError): string {
  const causes = error instanceof InvalidError ? error.causes.filter((c) => c.message) : [];
  if (causes.length > 0) return causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join("; ");
  return error.message.replace(/^\S+ \S+: /, "");
}
