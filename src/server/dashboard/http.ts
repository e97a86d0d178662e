/** HTTP plumbing of the dashboard API: its error type, JSON answers (gzip when asked), query parameters. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { ApiErrorBody } from "./types.ts";

/** An answer other than 2xx, with a message for people; `field` names a bad parameter (400). */
export class ApiError extends Error {
  readonly code = "ApiError";
  readonly status: number;
  readonly field: string | undefined;
  readonly reason: string | undefined;
  constructor(status: number, message: string, options: { field?: string; reason?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.field = options.field;
    this.reason = options.reason;
  }

  /** The JSON body sent to the client: message, field and reason only (never a stack). */
  body(): ApiErrorBody {
    return {
      error: this.message,
      ...(this.field ? { field: this.field } : {}),
      ...(this.reason ? { reason: this.reason } : {}),
    };
  }
}

/** A 400 for a bad parameter. */
export function badParameter(field: string, message: string): ApiError {
  return new ApiError(400, `${field}: ${message}`, { field, reason: "BadParameter" });
}

/** A 404 for an object that does not exist. */
export function notFound(what: string): ApiError {
  return new ApiError(404, `${what} not found`, { reason: "NotFound" });
}

// Bodies smaller than this go out as they are: gzip would not pay for itself.
const gzipThreshold = 1024;

/** A serialized answer, ready to send (and to cache: the fleet view is reused until something changes). */
export interface Encoded {
  readonly status: number;
  readonly json: Buffer;
  gzipped?: Buffer;
}

/** Serializes `value` as an answer. */
export function encode(status: number, value: unknown): Encoded {
  return { status, json: Buffer.from(JSON.stringify(value)) };
}

/** Sends an encoded answer, gzipped when the client accepts it and it is worth it. */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  answer: Encoded,
  headers: Record<string, string> = {},
): void {
  const gzip = answer.json.length >= gzipThreshold && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  if (gzip) answer.gzipped ??= gzipSync(answer.json, { level: 5 });
  const body = gzip ? (answer.gzipped as Buffer) : answer.json;
  res.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    vary: "accept-encoding",
    ...(gzip ? { "content-encoding": "gzip" } : {}),
    "content-length": String(body.length),
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Sends `value` as JSON with `status`. */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(req, res, encode(status, value), headers);
}

/** The query parameters of a request, with typed readers that throw 400s naming the parameter. */
export class Query {
  readonly #params: URLSearchParams;
  constructor(params: URLSearchParams) {
    this.#params = params;
  }

  /** The parameter's value; undefined when absent. A parameter given twice is a 400. */
  get(name: string): string | undefined {
    const all = this.#params.getAll(name);
    if (all.length > 1) throw badParameter(name, "given more than once");
    return all[0];
  }

  /** The parameter's value, or a 400 when absent or empty. */
  required(name: string): string {
    const value = this.get(name);
    if (value === undefined || value === "") throw badParameter(name, "required");
    return value;
  }

  /** Refuses parameters the endpoint does not know, so a typo is a 400 rather than silently ignored. */
  only(...names: string[]): this {
    for (const key of this.#params.keys()) {
      if (!names.includes(key))
        throw badParameter(key, `unknown parameter${names.length ? ` (known: ${names.join(", ")})` : ""}`);
    }
    return this;
  }
}

/** Kubernetes object names and namespaces (DNS labels and subdomains): anything else is a 400. */
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Checks a path segment that names a namespace or object. */
export function objectName(field: string, value: string): string {
  if (!dnsSubdomain.test(value)) throw badParameter(field, `"${value}" is not a valid Kubernetes name`);
  return value;
}
