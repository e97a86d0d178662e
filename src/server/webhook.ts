/**
 * The Git push webhook receiver: GitHub, GitLab, Gitea and generic payloads,
 * verified by HMAC or token, trigger an immediate fetch of one GitSource.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** What the receiver needs to know of a GitSource. */
export interface HookTarget {
  /** The shared secret: HMAC key (GitHub, Gitea, generic) or token (GitLab, Bearer). */
  readonly token: string;
  /** The followed branch, to ignore pushes to others; undefined follows tags or any ref. */
  readonly branch?: string | undefined;
}

/** Wiring of the receiver. */
export interface WebhookOptions {
  /** The target of /hooks/<namespace>/<name>, or undefined when that GitSource has no webhook. */
  lookup(namespace: string, name: string): Promise<HookTarget | undefined>;
  /** Called for an accepted push. */
  trigger(namespace: string, name: string): void;
  /** Largest accepted body; default 5 MiB (GitHub's limit is 25 MiB, pushes are far smaller). */
  readonly maxBodyBytes?: number;
}

/** Outcome of one delivery, as answered to the sender. */
export interface HookOutcome {
  readonly status: number;
  readonly message: string;
}

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};
const hmac = (key: string, body: Buffer): string => createHmac("sha256", key).update(body).digest("hex");

type Provider = "github" | "gitlab" | "gitea" | "generic";

/** Checks the delivery's signature or token for its provider; returns the provider or why it failed. */
export function verify(headers: IncomingMessage["headers"], body: Buffer, token: string): Provider | string {
  const header = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const github = header("x-hub-signature-256");
  if (github) return safeEqual(github, `sha256=${hmac(token, body)}`) ? "github" : "bad X-Hub-Signature-256";
  const gitea = header("x-gitea-signature") ?? header("x-gogs-signature");
  if (gitea) return safeEqual(gitea, hmac(token, body)) ? "gitea" : "bad X-Gitea-Signature";
  const gitlab = header("x-gitlab-token");
  if (gitlab) return safeEqual(gitlab, token) ? "gitlab" : "bad X-Gitlab-Token";
  const signature = header("x-signature");
  if (signature) return safeEqual(signature, `sha256=${hmac(token, body)}`) ? "generic" : "bad X-Signature";
  const auth = header("authorization");
  if (auth?.startsWith("Bearer ")) return safeEqual(auth.slice(7), token) ? "generic" : "bad bearer token";
  return "no signature or token (X-Hub-Signature-256, X-Gitea-Signature, X-Gitlab-Token, X-Signature or Authorization: Bearer)";
}

/** The event name, for providers that send one: only pushes (and tag pushes) trigger. */
function isPush(provider: Provider, headers: IncomingMessage["headers"]): boolean | "ping" {
  const event = String(headers["x-github-event"] ?? headers["x-gitea-event"] ?? headers["x-gitlab-event"] ?? "");
  if (provider === "generic" || event === "") return true;
  if (event === "ping") return "ping";
  return event === "push" || event === "create" || event === "Push Hook" || event === "Tag Push Hook";
}

/** Handles one delivery: POST /hooks/<namespace>/<name>. Never throws. */
export async function handleDelivery(
  options: WebhookOptions,
  method: string,
  path: string,
  headers: IncomingMessage["headers"],
  body: Buffer,
): Promise<HookOutcome> {
  const match = /^\/hooks\/([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9.-]*)$/.exec(path);
  if (!match) return { status: 404, message: "not found: use /hooks/<namespace>/<gitsource>" };
  if (method !== "POST") return { status: 405, message: "POST only" };
  const [, namespace = "", name = ""] = match;
  const target = await options.lookup(namespace, name);
  // The same answer for "no such source" and "no webhook": nothing to learn by probing.
  if (!target) return { status: 404, message: "no webhook for this GitSource" };
  const provider = verify(headers, body, target.token);
  if (provider !== "github" && provider !== "gitlab" && provider !== "gitea" && provider !== "generic") {
    return { status: 401, message: provider };
  }
  const push = isPush(provider, headers);
  if (push === "ping") return { status: 200, message: "pong" };
  if (!push) return { status: 202, message: "ignored: not a push event" };
  let ref: string | undefined;
  if (body.length > 0) {
    try {
      ref = (JSON.parse(body.toString("utf8")) as { ref?: unknown }).ref as string | undefined;
    } catch {
      if (provider !== "generic") return { status: 400, message: "the payload is not JSON" };
    }
  }
  if (
    target.branch &&
    typeof ref === "string" &&
    ref.startsWith("refs/heads/") &&
    ref !== `refs/heads/${target.branch}`
  ) {
    return { status: 202, message: `ignored: push to ${ref}, the source follows ${target.branch}` };
  }
  options.trigger(namespace, name);
  return { status: 202, message: `fetch of ${namespace}/${name} requested` };
}

/** An http request listener serving the receiver. */
export function webhookListener(options: WebhookOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? 5 * 1024 * 1024;
  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.writeHead(413).end("payload too large\n");
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (res.writableEnded) return;
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      handleDelivery(options, req.method ?? "GET", path, req.headers, Buffer.concat(chunks)).then(
        (outcome) => res.writeHead(outcome.status, { "content-type": "text/plain" }).end(`${outcome.message}\n`),
        () => res.writeHead(500).end("internal error\n"),
      );
    });
  };
}
