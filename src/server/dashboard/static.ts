/**
 * The browser app's built files (web/dist): content types, cache headers (hashed assets immutable,
 * the rest revalidated), ETags, the single-page-app fallback to index.html, and a small page when
 * the assets are not built.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `make build` puts the browser app: web/dist at the repository root. */
export const defaultAssetsDir = fileURLToPath(new URL("../../../web/dist", import.meta.url));

const types: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

/** The content type of a file name; application/octet-stream when unknown. */
export function contentType(path: string): string {
  return types[extname(path).toLowerCase()] ?? "application/octet-stream";
}

// Vite and most bundlers name built assets name-<hash>.ext (8+ base64url characters).
const hashed = /[-.][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/** Cache-Control for a path: content-hashed names never change (a year, immutable); the rest revalidates. */
export function cacheControl(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return hashed.test(name) && !name.endsWith(".html") ? "public, max-age=31536000, immutable" : "no-cache";
}

/** Headers every HTML page gets: no framing (the action buttons), only our own scripts and API. */
export const htmlSecurityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
};

const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kaika dashboard</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem">
<h1>kaika</h1>
<p>dashboard assets not built: run make build</p>
<p>The JSON API answers at <a href="/api/v1/fleet">/api/v1/fleet</a>.</p>
</body></html>
`;

/** Serves files under one directory; answers 404 for paths that escape it. */
export class StaticAssets {
  readonly dir: string;

  constructor(dir: string = defaultAssetsDir) {
    this.dir = resolve(dir);
  }

  /** Answers a GET or HEAD for a non-API path. */
  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return plain(res, 400, "bad path encoding\n");
    }
    if (decoded.includes("\0") || decoded.split("/").includes("..")) return plain(res, 404, "not found\n");
    const index = join(this.dir, "index.html");
    if (!(await isFile(index))) {
      res.writeHead(503, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        ...htmlSecurityHeaders,
      });
      res.end(req.method === "HEAD" ? undefined : notBuilt);
      return;
    }
    const file = resolve(this.dir, `.${decoded}`);
    if (file !== this.dir && !file.startsWith(this.dir + sep)) return plain(res, 404, "not found\n");
    if (decoded !== "/" && (await isFile(file))) return this.#file(req, res, file, decoded);
    // A route of the app (no file extension): the app's index.html handles it in the browser.
    const last = decoded.slice(decoded.lastIndexOf("/") + 1);
    if (decoded === "/" || !last.includes(".")) return this.#file(req, res, index, "/index.html");
    return plain(res, 404, "not found\n");
  }

  async #file(req: IncomingMessage, res: ServerResponse, file: string, path: string): Promise<void> {
    const info = await stat(file);
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const type = contentType(file);
    const headers: Record<string, string> = {
      "content-type": type,
      "cache-control": cacheControl(path),
      etag,
      "x-content-type-options": "nosniff",
      ...(type.startsWith("text/html") ? htmlSecurityHeaders : {}),
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, "content-length": String(info.size) });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on("error", () => {
        res.destroy();
        done();
      });
      stream.on("end", () => done());
      stream.pipe(res);
    });
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
