/** Errors from the Kubernetes API as typed values: one class per StatusReason that callers act on. */

/** A Status object as the apiserver returns it on failure. */
export interface ApiStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly retryAfterSeconds?: number;
    readonly causes?: readonly FieldCause[];
  };
}

/** One field-level cause of an Invalid error. */
export interface FieldCause {
  readonly field?: string;
  readonly message?: string;
  readonly reason?: string;
}

/** The apiserver answered with an error. Subclasses name the reasons callers handle. */
export class KubeApiError extends Error {
  readonly code: string = "KubeApiError";
  readonly status: number;
  /** The apiserver's StatusReason (NotFound, Forbidden, …), or "Unknown". */
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  readonly details: ApiStatus["details"];
  constructor(method: string, path: string, status: number, body: ApiStatus | undefined, options?: ErrorOptions) {
    super(
      `${method} ${path}: ${status} ${body?.reason ?? ""}: ${body?.message ?? ""}`.replace(/\s+:/, ":").trim(),
      options,
    );
    this.status = status;
    this.reason = body?.reason || "Unknown";
    this.method = method;
    this.path = path;
    this.details = body?.details;
  }
}

/** 404: the object or resource does not exist. */
export class NotFoundError extends KubeApiError {
  override readonly code = "NotFound";
}
/** 409 AlreadyExists: create of a name that is taken. */
export class AlreadyExistsError extends KubeApiError {
  override readonly code = "AlreadyExists";
}
/** 409 Conflict: the resourceVersion was stale, or an apply conflicts with another field manager. */
export class ConflictError extends KubeApiError {
  override readonly code = "Conflict";
}
/** 403: RBAC or admission refused the request. */
export class ForbiddenError extends KubeApiError {
  override readonly code = "Forbidden";
}
/** 401: the credentials were not accepted. */
export class UnauthorizedError extends KubeApiError {
  override readonly code = "Unauthorized";
}
/** 422 Invalid (or 400 BadRequest): the object failed validation; `causes` names the fields. */
export class InvalidError extends KubeApiError {
  override readonly code = "Invalid";
  get causes(): readonly FieldCause[] {
    return this.details?.causes ?? [];
  }
}
/** 410 Gone / Expired: a watch or list resourceVersion is too old (compacted). */
export class GoneError extends KubeApiError {
  override readonly code = "Gone";
}
/** 429: throttled; `retryAfterSeconds` says when to come back. */
export class TooManyRequestsError extends KubeApiError {
  override readonly code = "TooManyRequests";
  readonly retryAfterSeconds: number;
  constructor(method: string, path: string, status: number, body: ApiStatus | undefined, retryAfterSeconds: number) {
    super(method, path, status, body);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
/** 504 or a Timeout/ServerTimeout reason, or no answer in time. */
export class TimeoutError extends KubeApiError {
  override readonly code = "Timeout";
}
/** 503, 500/502 from a proxy, or the connection failed: the apiserver is not reachable now. */
export class UnavailableError extends KubeApiError {
  override readonly code = "Unavailable";
}

/** Builds the error class that fits the status code and the Status body. */
export function apiError(
  method: string,
  path: string,
  status: number,
  body: ApiStatus | undefined,
  retryAfterHeader?: string,
): KubeApiError {
  const reason = body?.reason;
  if (status === 404) return new NotFoundError(method, path, status, body);
  if (status === 409 && reason === "AlreadyExists") return new AlreadyExistsError(method, path, status, body);
  if (status === 409) return new ConflictError(method, path, status, body);
  if (status === 403) return new ForbiddenError(method, path, status, body);
  if (status === 401) return new UnauthorizedError(method, path, status, body);
  if (status === 422 || (status === 400 && reason === "BadRequest"))
    return new InvalidError(method, path, status, body);
  if (status === 410 || reason === "Expired" || reason === "Gone") return new GoneError(method, path, status, body);
  if (status === 429) {
    const header = Number(retryAfterHeader);
    const seconds = Number.isFinite(header) && header > 0 ? header : (body?.details?.retryAfterSeconds ?? 1);
    return new TooManyRequestsError(method, path, status, body, seconds);
  }
  if (status === 504 || reason === "Timeout" || reason === "ServerTimeout")
    return new TimeoutError(method, path, status, body);
  if (status === 503 || status === 502 || reason === "ServiceUnavailable")
    return new UnavailableError(method, path, status, body);
  return new KubeApiError(method, path, status, body);
}

/** True when the error is the apiserver's 404. */
export function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError;
}

/** True when the apiserver refused the request for lack of permission. */
export function isForbidden(error: unknown): boolean {
  return error instanceof ForbiddenError;
}

/** True for errors worth retrying later: throttling, timeouts, an unreachable server. */
export function isTransient(error: unknown): boolean {
  return error instanceof TooManyRequestsError || error instanceof TimeoutError || error instanceof UnavailableError;
}
