/** Errors from the Kubernetes API as typed values. */

/** A Status object as the apiserver returns it on failure. */
export interface ApiStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: {
    readonly name?: string;
    readonly kind?: string;
    readonly causes?: readonly { readonly field?: string; readonly message?: string; readonly reason?: string }[];
  };
}

/** The apiserver answered with an error; `reason` is its StatusReason (NotFound, Forbidden, …). */
export class KubeApiError extends Error {
  readonly code = "KubeApiError";
  readonly status: number;
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  readonly details: ApiStatus["details"];
  constructor(method: string, path: string, status: number, body: ApiStatus | undefined, options?: ErrorOptions) {
    super(`${method} ${path}: ${status} ${body?.reason ?? ""} ${body?.message ?? ""}`.trim(), options);
    this.status = status;
    this.reason = body?.reason || (status === 404 ? "NotFound" : "Unknown");
    this.method = method;
    this.path = path;
    this.details = body?.details;
  }
}

/** True when the error is the apiserver's 404. */
export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 404;
}

/** True when the apiserver refused the request for lack of permission. */
export function isForbidden(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 403;
}
