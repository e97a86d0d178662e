/**
 * CSRF protection for actions (double submit): the server sets a random token in a SameSite=Strict,
 * HttpOnly cookie and hands it out in /api/v1/whoami; every POST must echo it in X-Kaika-CSRF, and a
 * cross-origin Origin header is refused outright. A page of another site can neither read the token
 * nor make the browser send the cookie along.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./http.ts";

/** The cookie and header names. */
export const csrfCookie = "kaika_csrf";
export const csrfHeader = "x-kaika-csrf";

/** The value of cookie `name` in the request, if any. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const tokenPattern = /^[A-Za-z0-9_-]{32,64}$/;

/** The request's CSRF token, or a new one set as a cookie on `res` (call before the answer is written). */
export function ensureCsrfToken(req: IncomingMessage, res: ServerResponse): string {
  const existing = readCookie(req, csrfCookie);
  if (existing && tokenPattern.test(existing)) return existing;
  const token = randomBytes(32).toString("base64url");
  res.appendHeader("set-cookie", `${csrfCookie}=${token}; Path=/; HttpOnly; SameSite=Strict`);
  return token;
}

/**
 * Refuses (403) a state-changing request whose Origin is another site, or whose X-Kaika-CSRF header
 * does not match its kaika_csrf cookie.
 */
export function checkCsrf(req: IncomingMessage): void {
  checkSameOrigin(req);
  const header = req.headers[csrfHeader];
  const cookie = readCookie(req, csrfCookie);
  if (typeof header !== "string" || !cookie)
    throw new ApiError(
      403,
      "missing CSRF token: send the kaika_csrf cookie's value (see /api/v1/whoami) as X-Kaika-CSRF",
      {
        reason: "Csrf",
      },
    );
  const a = Buffer.from(header);
  const b = Buffer.from(cookie);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new ApiError(403, "the X-Kaika-CSRF header does not match the kaika_csrf cookie", { reason: "Csrf" });
}

/** Refuses (403) a request whose Origin header names another site or an opaque origin. */
export function checkSameOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== "null") {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new ApiError(403, `Origin "${origin}" is not a URL`, { reason: "Csrf" });
    }
    if (host !== req.headers.host)
      throw new ApiError(403, `cross-origin request from ${origin} refused`, { reason: "Csrf" });
  } else if (origin === "null") {
    throw new ApiError(403, "requests from an opaque origin are refused", { reason: "Csrf" });
  }
}
