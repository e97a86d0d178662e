/**
 * Browser sign-in for callers who are not on loopback. A browser's EventSource cannot send an
 * Authorization header, so the token a user pastes once is kept in a cookie the page's scripts cannot
 * read (HttpOnly, SameSite=Strict; Secure behind TLS) and checked with a TokenReview on every request,
 * like a bearer token: nothing is stored on the server, so any replica answers, and a revoked or
 * expired token stops working at once (after the 30 s review cache).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readCookie } from "./csrf.ts";
import { ApiError, badParameter } from "./http.ts";

/** The cookie that carries a signed-in browser's token. */
export const sessionCookie = "kaika_session";

/** How long a browser stays signed in (the token's own expiry may end it sooner); 8 hours. */
export const sessionMaxAgeSeconds = 8 * 60 * 60;

// Tokens are JWTs or opaque strings of URL-safe characters; anything else cannot be one (and must
// not reach a Set-Cookie header).
const tokenPattern = /^[A-Za-z0-9._~+/=-]{16,3800}$/;

/** The session token the browser sent, if any. */
export function sessionToken(req: IncomingMessage): string | undefined {
  const value = readCookie(req, sessionCookie);
  return value && tokenPattern.test(value) ? value : undefined;
}

/** True when the browser reached us over TLS (directly or through a proxy that says so). */
function overTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || req.headers["x-forwarded-proto"] === "https";
}

/** Sets the session cookie to `token` on `res`. */
export function startSession(req: IncomingMessage, res: ServerResponse, token: string): void {
  const secure = overTls(req) ? "; Secure" : "";
  res.appendHeader(
    "set-cookie",
    `${sessionCookie}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${sessionMaxAgeSeconds}${secure}`,
  );
}

/** Clears the session cookie. */
export function endSession(res: ServerResponse): void {
  res.appendHeader("set-cookie", `${sessionCookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
}

// A token is a few KiB at most; a bigger body is not a sign-in.
const maxBodyBytes = 16 * 1024;

/** The token of a sign-in request's JSON body `{"token": "…"}`; 400 for anything else. */
export async function readSignIn(req: IncomingMessage): Promise<string> {
  if (!/^application\/json\b/i.test(String(req.headers["content-type"] ?? "")))
    throw new ApiError(415, "send the token as JSON: Content-Type: application/json", { reason: "BadParameter" });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes)
      throw new ApiError(413, "the request body is too large for a token", { reason: "BadParameter" });
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw badParameter("body", 'expected JSON {"token": "…"}');
  }
  const token = typeof body === "object" && body !== null ? (body as { token?: unknown }).token : undefined;
  if (typeof token !== "string" || token.trim() === "") throw badParameter("token", "a Kubernetes token is required");
  const trimmed = token.trim();
  if (!tokenPattern.test(trimmed)) throw badParameter("token", "this is not a token (unexpected characters or length)");
  return trimmed;
}
