/**
 * Who is calling and what they may do. A caller on loopback without a token is the local user (this
 * host's kubeconfig; the Host header must name loopback too, against DNS rebinding). Anyone else
 * sends `Authorization: Bearer <token>`, or a browser the session cookie holding one (session.ts),
 * checked with the TokenReview API; what they may do is asked with SubjectAccessReviews as their user
 * and groups. Answers are cached briefly.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type { KubeApi } from "../../kube/api.ts";
import { ForbiddenError, KubeApiError } from "../../kube/errors.ts";
import { ApiError } from "./http.ts";
import { sessionToken } from "./session.ts";

/** An authenticated caller. */
export interface Caller {
  readonly user: string;
  readonly groups: readonly string[];
  readonly uid?: string | undefined;
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
  /**
   * loopback: no token, this host (the server's own identity acts); token: a bearer token; session: a
   * browser signed in with a token (the session cookie). Both of the latter are checked by TokenReview.
   */
  readonly via: "loopback" | "token" | "session";
}

/** What a SubjectAccessReview asks about. */
export interface ResourceAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  /** "" asks about every namespace (a cluster-wide grant). */
  readonly namespace: string;
  readonly name?: string;
}

/** Options of an Authenticator. */
export interface AuthOptions {
  /** Trust loopback callers without a token; default true. */
  readonly loopback?: boolean;
  /** How long a TokenReview or SubjectAccessReview answer is reused; default 30 s (10 s for a refusal). */
  readonly ttlMs?: number;
  readonly negativeTtlMs?: number;
  /** Cached answers at most; default 2000. */
  readonly maxEntries?: number;
}

/** A small map whose entries expire, evicting the oldest beyond `max`. */
class TtlCache<T> {
  readonly #entries = new Map<string, { value: T; expires: number }>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
  set(key: string, value: T, ttlMs: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: Date.now() + ttlMs });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#max) break;
      this.#entries.delete(oldest);
    }
  }
}

/** True for a loopback peer address (127.0.0.0/8, ::1, IPv4-mapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
  return (isIP(v4) === 4 && v4.startsWith("127.")) || address === "::1";
}

/** True when a Host header names loopback ("localhost", "127.0.0.1:8080", "[::1]:80"). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return name === "localhost" || name.endsWith(".localhost") || isLoopbackAddress(name);
}

const unauthorized = (message: string): ApiError => new ApiError(401, message, { reason: "Unauthorized" });

/** Authenticates requests and answers access questions against one apiserver. */
export class Authenticator {
  readonly #api: KubeApi;
  readonly #loopback: boolean;
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #tokens: TtlCache<Caller | null>;
  readonly #access: TtlCache<boolean>;

  constructor(api: KubeApi, options: AuthOptions = {}) {
    this.#api = api;
    this.#loopback = options.loopback ?? true;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#negativeTtlMs = options.negativeTtlMs ?? 10_000;
    this.#tokens = new TtlCache(options.maxEntries ?? 2000);
    this.#access = new TtlCache(options.maxEntries ?? 2000);
  }

  /** The caller of `req`; throws ApiError 401 when there is none acceptable. */
  async authenticate(req: IncomingMessage): Promise<Caller> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw unauthorized("Authorization must be 'Bearer <token>'");
      const caller = await this.review(match[1] as string);
      if (!caller) throw unauthorized("the token was not accepted by the apiserver (TokenReview)");
      return caller;
    }
    const session = sessionToken(req);
    if (session !== undefined) {
      const caller = await this.review(session);
      if (!caller) throw unauthorized("your session's token is no longer accepted by the apiserver: sign in again");
      return { ...caller, via: "session" };
    }
    if (this.#loopback && isLoopbackAddress(req.socket.remoteAddress) && isLoopbackHost(req.headers.host))
      return { user: "local", groups: [], via: "loopback" };
    throw unauthorized("send Authorization: Bearer <token> (a Kubernetes token); only loopback callers need none");
  }

  /** The caller `token` identifies (a TokenReview, cached), or null when the apiserver refuses it. */
  async review(token: string): Promise<Caller | null> {
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.#tokens.get(key);
    if (cached !== undefined) return cached;
    type Review = {
      status?: {
        authenticated?: boolean;
        user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
      };
    };
    const review = await this.#call<Review>("/apis/authentication.k8s.io/v1/tokenreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token },
    });
    const user = review.status?.user;
    const caller: Caller | null =
      review.status?.authenticated && user?.username
        ? { user: user.username, groups: user.groups ?? [], uid: user.uid, extra: user.extra, via: "token" }
        : null;
    this.#tokens.set(key, caller, caller ? this.#ttlMs : this.#negativeTtlMs);
    return caller;
  }

  /**
   * Whether `caller` may do `attributes`: a SubjectAccessReview as their user and groups, or for
   * a loopback caller a SelfSubjectAccessReview as this server's own identity (which is what acts).
   */
  async may(caller: Caller, attributes: ResourceAttributes): Promise<boolean> {
    const key = JSON.stringify([caller.via, caller.user, caller.groups, attributes]);
    const cached = this.#access.get(key);
    if (cached !== undefined) return cached;
    const resourceAttributes = attributes;
    type Review = { status?: { allowed?: boolean } };
    const review =
      caller.via === "loopback"
        ? await this.#call<Review>("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectAccessReview",
            spec: { resourceAttributes },
          })
        : await this.#call<Review>("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SubjectAccessReview",
            spec: {
              user: caller.user,
              groups: caller.groups,
              ...(caller.uid ? { uid: caller.uid } : {}),
              ...(caller.extra ? { extra: caller.extra } : {}),
              resourceAttributes,
            },
          });
    const allowed = review.status?.allowed === true;
    this.#access.set(key, allowed, allowed ? this.#ttlMs : this.#negativeTtlMs);
    return allowed;
  }

  async #call<T>(path: string, body: unknown): Promise<T> {
    try {
      return await this.#api.client.request<T>("POST", path, { body, timeoutMs: 10_000 });
    } catch (error) {
      if (error instanceof ForbiddenError)
        throw new ApiError(503, `kaika may not ask the apiserver (${path.split("/").pop()}): grant it create there`, {
          reason: "AuthUnavailable",
          cause: error,
        });
      if (error instanceof KubeApiError)
        throw new ApiError(503, `the apiserver could not check the caller: ${error.reason}`, {
          reason: "AuthUnavailable",
          cause: error,
        });
      throw error;
    }
  }
}
