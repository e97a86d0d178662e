/** A small client of the Prometheus HTTP API: instant queries (budgets, gates) and range queries (charts). */
import { PrometheusError } from "./errors.ts";

/** One series of an instant vector. NaN and ±Inf arrive as such. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Unix seconds of the evaluation. */
  readonly timestamp: number;
}

/** One series of a range query: its points in time order. */
export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [unix seconds, value] pairs; NaN and ±Inf arrive as such. */
  readonly points: readonly (readonly [number, number])[];
}

/** Options of a client. */
export interface PrometheusClientOptions {
  /** Base URL, e.g. http://127.0.0.1:9090 (a path prefix is kept). */
  readonly url: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  /** Extra headers, e.g. Authorization. */
  readonly headers?: Readonly<Record<string, string>>;
}

interface ApiAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Queries one Prometheus. Methods throw PrometheusError. */
export class PrometheusClient {
  readonly url: string;
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(options: PrometheusClientOptions) {
    const parsed = new URL(options.url);
    // Credentials in the URL go to the Authorization header, never into messages.
    const auth =
      parsed.username || parsed.password
        ? {
            authorization: `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64")}`,
          }
        : {};
    parsed.username = "";
    parsed.password = "";
    this.#base = parsed.toString().replace(/\/+$/, "");
    this.url = this.#base;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#headers = { ...auth, ...(options.headers ?? {}) };
  }

  /** Evaluates `expr` at `time` (default now); a scalar answer becomes one sample without labels. */
  async query(expr: string, options: { time?: Date; signal?: AbortSignal } = {}): Promise<Sample[]> {
    const body = new URLSearchParams({ query: expr });
    if (options.time) body.set("time", String(options.time.getTime() / 1000));
    return samples(this.url, await this.#post("query", body, options.signal));
  }

  /** Evaluates `expr` from `start` to `end` every `stepSeconds` (Prometheus caps a query at 11,000 points per series). */
  async queryRange(
    expr: string,
    range: { start: Date; end: Date; stepSeconds: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<RangeSeries[]> {
    const body = new URLSearchParams({
      query: expr,
      start: String(range.start.getTime() / 1000),
      end: String(range.end.getTime() / 1000),
      step: String(range.stepSeconds),
    });
    const data = await this.#post("query_range", body, options.signal);
    if (data?.resultType !== "matrix" || !Array.isArray(data.result))
      throw new PrometheusError("BadResponse", this.url, `expected a matrix, got ${data?.resultType ?? "nothing"}`);
    return (data.result as { metric?: Record<string, string>; values?: [number, string][] }[]).map((r) => ({
      labels: r.metric ?? {},
      points: (r.values ?? []).map(([t, v]) => [Number(t), parseValue(v)] as const),
    }));
  }

  async #post(endpoint: string, body: URLSearchParams, signal: AbortSignal | undefined): Promise<ApiAnswer["data"]> {
    const signals = [AbortSignal.timeout(this.#timeoutMs), ...(signal ? [signal] : [])];
    let response: Response;
    try {
      response = await fetch(`${this.#base}/api/v1/${endpoint}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...this.#headers },
        body,
        signal: AbortSignal.any(signals),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new PrometheusError(
        "Unreachable",
        this.url,
        `no answer (${reason?.code ?? reason?.message ?? (error as Error).message})`,
        { cause: error },
      );
    }
    const text = await response.text();
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch (error) {
      const code = response.ok ? "BadResponse" : "HttpError";
      throw new PrometheusError(code, this.url, `HTTP ${response.status}: ${text.slice(0, 200)}`, {
        status: response.status,
        cause: error,
      });
    }
    if (answer.status !== "success") {
      throw new PrometheusError("QueryError", this.url, `${answer.errorType ?? "error"}: ${answer.error ?? text}`, {
        status: response.status,
      });
    }
    return answer.data;
  }
}

// Prometheus writes "NaN", "+Inf" and "-Inf"; Number() reads all but "+Inf".
const parseValue = (text: string | undefined): number => (text === "+Inf" ? Number.POSITIVE_INFINITY : Number(text));

function samples(url: string, data: ApiAnswer["data"]): Sample[] {
  const result = data?.result;
  if (data?.resultType === "scalar" && Array.isArray(result)) {
    return [{ labels: {}, timestamp: Number(result[0]), value: Number(result[1]) }];
  }
  if (data?.resultType !== "vector" || !Array.isArray(result)) {
    throw new PrometheusError("BadResponse", url, `expected a vector, got ${data?.resultType ?? "nothing"}`);
  }
  return (result as { metric?: Record<string, string>; value?: [number, string] }[]).map((r) => ({
    labels: r.metric ?? {},
    timestamp: Number(r.value?.[0]),
    value: parseValue(r.value?.[1]),
  }));
}
