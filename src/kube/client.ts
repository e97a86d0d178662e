/** HTTP transport to one apiserver, authenticated from a kubeconfig: JSON requests and line streams. */
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { Agent, request as httpsRequest, type RequestOptions } from "node:https";
import { createInterface } from "node:readline";
import {
  type ApiStatus,
  apiError,
  KubeApiError,
  TimeoutError,
  TooManyRequestsError,
  UnavailableError,
} from "./errors.ts";
import { Kubeconfig } from "./kubeconfig.ts";

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Options of one request. */
export interface RequestInit {
  readonly body?: unknown;
  readonly query?: Query;
  /** Defaults to application/json; server-side apply uses application/apply-patch+yaml. */
  readonly contentType?: string;
  /** Whole-request timeout; default 30 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Defaults to application/json. */
  readonly accept?: string;
}

/** Where to find the kubeconfig and which context to use. */
export interface KubeconfigSource {
  /** A kubeconfig file; unset means $KUBECONFIG (a list), then ~/.kube/config, then in-cluster. */
  readonly path?: string;
  /** Its YAML text, instead of a path. */
  readonly text?: string;
  readonly context?: string;
}

/** Loads a kubeconfig (see kubeconfig.ts) and selects `source.context` when given. */
export function loadKubeconfig(source: KubeconfigSource = {}): Kubeconfig {
  const config =
    source.text !== undefined
      ? Kubeconfig.fromString(source.text)
      : source.path !== undefined
        ? Kubeconfig.fromFile(source.path)
        : Kubeconfig.fromDefault();
  if (source.context !== undefined) {
    if (!config.getContextObject(source.context)) throw new Error(`kubeconfig has no context "${source.context}"`);
    config.setCurrentContext(source.context);
  }
  return config;
}

/** A user to act as (the kubeconfig's user needs the `impersonate` verb). */
export interface Impersonation {
  readonly user: string;
  readonly groups?: readonly string[];
}

/** How the client retries throttled requests, and whom it acts as. */
export interface ClientOptions {
  /** Retries of a 429 answer, waiting its Retry-After each time; default 5. */
  readonly maxThrottleRetries?: number;
  /** Send every request as this user (Impersonate-User / Impersonate-Group). */
  readonly impersonate?: Impersonation;
}

/** The identity of a ServiceAccount, as the apiserver authenticates its tokens. */
export function serviceAccountIdentity(namespace: string, name: string): Impersonation {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}

/** Sends requests to the current context's apiserver. Failures are KubeApiError subclasses. */
export class KubeClient {
  readonly server: string;
  readonly #config: Kubeconfig;
  readonly #maxThrottleRetries: number;
  readonly #impersonate: Impersonation | undefined;
  #options: Promise<RequestOptions> | undefined;
  #agent: Agent | undefined;
  #throttles = 0;

  constructor(config: Kubeconfig, options: ClientOptions = {}) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig context "${config.getCurrentContext()}" names no cluster`);
    this.server = cluster.server.replace(/\/$/, "");
    this.#config = config;
    this.#maxThrottleRetries = options.maxThrottleRetries ?? 5;
    this.#impersonate = options.impersonate;
  }

  /** The current cluster's CA bundle, base64 as in a kubeconfig, or undefined when it names none. */
  caData(): string | undefined {
    const cluster = this.#config.getCurrentCluster();
    if (cluster?.caData) return cluster.caData;
    return cluster?.caFile ? readFileSync(cluster.caFile).toString("base64") : undefined;
  }

  /** How many answers so far were 429 Too Many Requests (each retried after its Retry-After). */
  get throttles(): number {
    return this.#throttles;
  }

  /** A client with the same kubeconfig that acts as `who`. */
  impersonating(who: Impersonation): KubeClient {
    return new KubeClient(this.#config, { maxThrottleRetries: this.#maxThrottleRetries, impersonate: who });
  }

  /** A client for the kubeconfig found at `source`. */
  static load(source: KubeconfigSource = {}, options: ClientOptions = {}): KubeClient {
    return new KubeClient(loadKubeconfig(source), options);
  }

  // Auth headers from exec plugins and auth providers can change (their tokens expire), so those are
  // applied per request; certificates and static tokens once, which saves ~50 µs a request.
  async #requestOptions(): Promise<RequestOptions> {
    this.#options ??= (async () => {
      const options: RequestOptions = {};
      await this.#config.applyToHTTPSOptions(options);
      const { ca, cert, key, rejectUnauthorized } = options;
      // One keep-alive agent per client: many small requests to one server.
      this.#agent = new Agent({ keepAlive: true, ca, cert, key, rejectUnauthorized });
      return { ...options, agent: this.#agent, headers: { ...(options.headers ?? {}), ...this.#impersonation() } };
    })();
    const base = await this.#options;
    const user = this.#config.getCurrentUser();
    if (!user?.exec && !user?.authProvider) return base;
    const fresh: RequestOptions = {};
    await this.#config.applyToHTTPSOptions(fresh);
    return { ...base, headers: { ...(fresh.headers ?? {}), ...this.#impersonation() } };
  }

  #impersonation(): Record<string, string | string[]> {
    if (!this.#impersonate) return {};
    return {
      "impersonate-user": this.#impersonate.user,
      ...(this.#impersonate.groups?.length ? { "impersonate-group": [...this.#impersonate.groups] } : {}),
    };
  }

  #url(path: string, query: Query | undefined): URL {
    const url = new URL(this.server + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  async #send(
    method: string,
    path: string,
    init: RequestInit,
    onResponse: (res: IncomingMessage) => void,
  ): Promise<void> {
    const base = await this.#requestOptions();
    const url = this.#url(path, init.query);
    const payload =
      init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest(url, {
        ...base,
        method,
        headers: {
          ...base.headers,
          accept: init.accept ?? "application/json",
          ...(payload !== undefined
            ? { "content-type": init.contentType ?? "application/json", "content-length": Buffer.byteLength(payload) }
            : {}),
        },
        ...(init.signal ? { signal: init.signal } : {}),
      });
      req.on("response", (res) => {
        onResponse(res);
        resolve();
      });
      req.on("error", (error) => reject(this.#networkError(method, url.pathname, error)));
      if (init.timeoutMs !== undefined) {
        req.setTimeout(init.timeoutMs, () =>
          req.destroy(new TimeoutError(method, url.pathname, 0, { message: `no answer in ${init.timeoutMs} ms` })),
        );
      }
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  #networkError(method: string, path: string, error: Error): Error {
    if (error instanceof KubeApiError || error.name === "AbortError") return error;
    return new UnavailableError(method, path, 0, { message: error.message }, { cause: error });
  }

  /**
   * Sends one request and parses the JSON answer (text when it is not JSON).
   * A 429 is retried after its Retry-After up to maxThrottleRetries times; any
   * other non-2xx status rejects with the matching KubeApiError subclass.
   */
  async request<T = unknown>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#requestOnce<T>(method, path, { timeoutMs: 30_000, ...init });
      } catch (error) {
        if (!(error instanceof TooManyRequestsError)) throw error;
        this.#throttles++;
        if (attempt >= this.#maxThrottleRetries) throw error;
        await new Promise((r) => setTimeout(r, error.retryAfterSeconds * 1000));
      }
    }
  }

  async #requestOnce<T>(method: string, path: string, init: RequestInit): Promise<T> {
    let response: IncomingMessage | undefined;
    await this.#send(method, path, init, (res) => {
      response = res;
    });
    const res = response as IncomingMessage;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return (parsed ?? text) as T;
    const retryAfter = res.headers["retry-after"];
    throw apiError(
      method,
      path,
      status,
      (parsed as ApiStatus | undefined) ?? { message: text.slice(0, 500) },
      retryAfter,
    );
  }

  /**
   * Opens a streaming GET (a watch) and yields each line of the body.
   * Rejects like request() when the status is not 2xx. Aborting `signal` ends it.
   */
  async *lines(path: string, query: Query, signal: AbortSignal): AsyncGenerator<string> {
    let response: IncomingMessage | undefined;
    await this.#send("GET", path, { query, signal }, (res) => {
      response = res;
    });
    const res = response as IncomingMessage;
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      let body: ApiStatus | undefined;
      try {
        body = JSON.parse(text) as ApiStatus;
      } catch {
        body = { message: text.slice(0, 500) };
      }
      throw apiError("GET", path, status, body, res.headers["retry-after"]);
    }
    const reader = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of reader) if (line) yield line;
    } finally {
      reader.close();
      res.destroy();
    }
  }

  /** GET a path and parse it. */
  get<T = unknown>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, query ? { query } : {});
  }

  /** POST an object to a collection path. */
  create<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, { body });
  }

  /** Closes idle keep-alive connections so the process can exit. */
  async close(): Promise<void> {
    if (this.#options) await this.#options.catch(() => undefined);
    this.#agent?.destroy();
  }
}
