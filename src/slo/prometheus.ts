/** A small client of the Prometheus HTTP API: instant queries, which is all budgets and gates need. */
import { PrometheusError } from "./errors.ts";

/** One series of an instant vector. NaN and ±Inf arrive as such. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Unix seconds of the evaluation. */
  readonly timestamp: number;
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
    const signals = [AbortSignal.timeout(this.#timeoutMs), ...(options.signal ? [options.signal] : [])];
    let response: Response;
    try {
      response = await fetch(`${this.#base}/api/v1/query`, {
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
    return samples(this.url, answer.data);
  }
}

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
    // Prometheus writes "NaN", "+Inf" and "-Inf"; Number() reads all but "+Inf".
    value: r.value?.[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(r.value?.[1]),
  }));
}
