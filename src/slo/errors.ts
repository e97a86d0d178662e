/** The SLO pillar's errors: a bad spec (file, line, object, field) and a failed Prometheus request. */

/** Where a spec error points. */
export interface SpecLocation {
  readonly file?: string | undefined;
  /** 1-based line in the file, when known. */
  readonly line?: number | undefined;
  /** "ServiceLevelObjective/checkout-availability", "Sloth checkout/availability", "OpenSLO SLO/web". */
  readonly object?: string | undefined;
  /** Dotted path inside the document, e.g. `spec.indicator.ratio.total`. */
  readonly field?: string | undefined;
}

/**
 * An SLO spec (native, Sloth or OpenSLO) that kaika cannot turn into rules.
 * The message reads `file:line: object: field: what is wrong`; retrying does not help.
 */
export class SloSpecError extends Error {
  override readonly name = "SloSpecError";
  readonly code = "InvalidSloSpec";
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly object: string | undefined;
  readonly field: string | undefined;

  constructor(where: SpecLocation, message: string, options?: { cause?: unknown }) {
    const position = [where.file, where.line].filter((p) => p !== undefined).join(":");
    const prefix = [position, where.object, where.field].filter((p) => p).join(": ");
    super(prefix ? `${prefix}: ${message}` : message, options);
    this.file = where.file;
    this.line = where.line;
    this.object = where.object;
    this.field = where.field;
  }
}

/**
 * What went wrong talking to Prometheus:
 * - `Unreachable`: no answer (connection refused, DNS, timeout);
 * - `HttpError`: an HTTP status other than 200 without a Prometheus error body;
 * - `QueryError`: Prometheus refused the query (bad PromQL, timeout inside Prometheus);
 * - `BadResponse`: an answer that is not the Prometheus API's JSON.
 */
export type PrometheusErrorCode = "Unreachable" | "HttpError" | "QueryError" | "BadResponse";

/** A request to the Prometheus HTTP API failed. */
export class PrometheusError extends Error {
  override readonly name = "PrometheusError";
  readonly code: PrometheusErrorCode;
  /** The Prometheus base URL (never with credentials). */
  readonly url: string;
  readonly status: number | undefined;

  constructor(
    code: PrometheusErrorCode,
    url: string,
    message: string,
    options?: { status?: number | undefined; cause?: unknown },
  ) {
    super(`Prometheus ${url}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.url = url;
    this.status = options?.status;
  }
}
