/** A JSON client for one apiserver, authenticated from a kubeconfig. */
import { Agent, request as httpsRequest, type RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import { type ApiStatus, KubeApiError } from "./errors.ts";

/** Options of one request. */
export interface RequestInit {
  readonly body?: unknown;
  readonly query?: Record<string, string | number | boolean | undefined>;
  /** Defaults to application/json; server-side apply uses application/apply-patch+yaml. */
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

/** Where to find the kubeconfig and which context to use. */
export interface KubeconfigSource {
  /** A kubeconfig file; unset means $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  readonly path?: string;
  /** Its YAML text, instead of a path. */
  readonly text?: string;
  readonly context?: string;
}

/** Loads a kubeconfig with @kubernetes/client-node, which handles certs, tokens and exec plugins. */
export function loadKubeconfig(source: KubeconfigSource = {}): KubeConfig {
  const config = new KubeConfig();
  if (source.text !== undefined) config.loadFromString(source.text);
  else if (source.path !== undefined) config.loadFromFile(source.path);
  else config.loadFromDefault();
  if (source.context !== undefined) {
    if (!config.getContextObject(source.context)) throw new Error(`kubeconfig has no context "${source.context}"`);
    config.setCurrentContext(source.context);
  }
  return config;
}

/** Sends requests to the current context's apiserver. Errors are KubeApiError. */
export class KubeClient {
  readonly server: string;
  readonly #config: KubeConfig;
  #options: Promise<RequestOptions> | undefined;

  constructor(config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig context "${config.getCurrentContext()}" names no cluster`);
    this.server = cluster.server.replace(/\/$/, "");
    this.#config = config;
  }

  /** A client for the kubeconfig found at `source`. */
  static load(source: KubeconfigSource = {}): KubeClient {
    return new KubeClient(loadKubeconfig(source));
  }

  #tlsOptions(): Promise<RequestOptions> {
    this.#options ??= (async () => {
      const options: RequestOptions = {};
      await this.#config.applyToHTTPSOptions(options);
      // One keep-alive agent per client: many small requests to one server.
      const { ca, cert, key, rejectUnauthorized } = options;
      options.agent = new Agent({ keepAlive: true, ca, cert, key, rejectUnauthorized });
      return options;
    })();
    return this.#options;
  }

  /** Sends one request and parses the JSON answer; rejects with KubeApiError on a non-2xx status. */
  async request<T = unknown>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    const base = await this.#tlsOptions();
    const url = new URL(this.server + path);
    for (const [name, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const payload =
      init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    return new Promise<T>((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          ...base,
          method,
          headers: {
            ...(base.headers ?? {}),
            accept: "application/json",
            ...(payload !== undefined ? { "content-type": init.contentType ?? "application/json" } : {}),
          },
          timeout: init.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve((parsed ?? text) as T);
            else
              reject(
                new KubeApiError(method, url.pathname, status, (parsed as ApiStatus | undefined) ?? { message: text }),
              );
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** GET a path and parse it. */
  get<T = unknown>(path: string, query?: RequestInit["query"]): Promise<T> {
    return this.request<T>("GET", path, query ? { query } : {});
  }

  /** POST an object to a collection path. */
  create<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, { body });
  }

  /** Closes idle keep-alive connections so the process can exit. */
  async close(): Promise<void> {
    if (!this.#options) return;
    const options = await this.#options;
    (options.agent as Agent | undefined)?.destroy();
  }
}
