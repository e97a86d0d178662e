/** HTTP to kaika's /api/v1: JSON reads, actions with the CSRF header, errors as typed values. */
import type { ApiErrorBody } from "./types.ts";

/** Where the API lives: same origin, under /api/v1. */
export const apiBase = "/api/v1";

/** A failed request: `status` 0 means the server could not be reached at all. */
export class ApiRequestError extends Error {
  readonly code = "ApiRequestError";
  readonly status: number;
  readonly reason: string | undefined;
  readonly field: string | undefined;
  constructor(status: number, message: string, body?: Partial<ApiErrorBody>, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.reason = body?.reason;
    this.field = body?.field;
  }

  /** True when the server did not answer (network down, server stopped). */
  get offline(): boolean {
    return this.status === 0;
  }
}

async function errorFrom(res: Response): Promise<ApiRequestError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    // not JSON: a proxy's page; keep the status line
  }
  return new ApiRequestError(res.status, body.error ?? `${res.status} ${res.statusText}`, body);
}

async function request(path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${apiBase}${path}`, { credentials: "same-origin", ...init });
  } catch (cause) {
    if (init.signal?.aborted) throw cause;
    throw new ApiRequestError(0, "kaika's server cannot be reached", {}, { cause });
  }
  if (!res.ok) {
    // Signed out or the token expired: the shell asks for a token again.
    if (res.status === 401) window.dispatchEvent(new Event(unauthorizedEvent));
    throw await errorFrom(res);
  }
  return res;
}

/** Dispatched on window when the API answers 401. */
export const unauthorizedEvent = "kaika:unauthorized";

/** GETs `path` (relative to /api/v1) and parses the JSON answer. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await request(path, { headers: { accept: "application/json" }, ...(signal ? { signal } : {}) });
  return (await res.json()) as T;
}

/** Sends `body` as JSON with `method` (sign-in and sign-out: no CSRF token exists before them). */
export async function sendJson<T>(method: "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  const res = await request(path, {
    method,
    headers: { accept: "application/json", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
}

/** POSTs an action with the CSRF token that /whoami handed out (header X-Kaika-CSRF). */
export async function postJson<T>(path: string, csrfToken: string, body?: unknown): Promise<T> {
  const res = await request(path, {
    method: "POST",
    headers: {
      accept: "application/json",
      "content-type": "application/json",
      "x-kaika-csrf": csrfToken,
    },
    body: JSON.stringify(body ?? {}),
  });
  return (await res.json()) as T;
}
