/**
 * A stand-in for kaika's dashboard server over fixtures: web/dist with the app's fallback, and /api/v1 answers
 * from web/src/dev/fixtures.ts (N clusters × M Syncs). For the browser benchmark and fixture-only rendering
 * checks; the browser tests of the real pages use kaika's own server.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  fleetFixture,
  readinessFixture,
  sloSeriesFixture,
  slosFixture,
  syncDetailFixture,
  versionsFixture,
  whoamiFixture,
} from "../src/dev/fixtures.ts";

const dist = fileURLToPath(new URL("../dist", import.meta.url));
const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

export interface StubOptions {
  readonly clusters?: number;
  readonly syncs?: number;
  /** whoami says the user may act. */
  readonly allowed?: boolean;
}

/** Starts the stub on 127.0.0.1 (a free port); returns its URL and a close function. */
export async function startStubApi(
  options: StubOptions = {},
): Promise<{ url: string; close: () => Promise<void>; server: Server }> {
  const fleet = fleetFixture(options.clusters ?? 6, options.syncs ?? 5, Date.now());
  const fleetJson = JSON.stringify(fleet);
  const answers: Record<string, () => unknown> = {
    "/api/v1/whoami": () => whoamiFixture(options.allowed ?? true),
    "/api/v1/readiness": () => readinessFixture(),
    "/api/v1/slos": () => slosFixture(),
    "/api/v1/versions": () => versionsFixture(),
    "/api/v1/topology": () => ({ configured: false, reason: "service topology is not built yet" }),
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stub");
    const p = url.pathname;
    const json = (body: unknown, status = 200) => {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(text);
    };
    if (p === "/api/v1/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.write(`retry: 2000\n\nid: 1.0\nevent: hello\ndata: {"eventId":"1.0"}\n\n`);
      return;
    }
    if (p === "/api/v1/fleet") return json(fleetJson);
    const answer = answers[p];
    if (answer) return json(answer());
    if (/^\/api\/v1\/slos\/[^/]+\/[^/]+\/series$/.test(p)) return json(sloSeriesFixture());
    if (/^\/api\/v1\/syncs\/[^/]+\/[^/]+\/diff$/.test(p)) return json({ revision: "main@sha1:0", targets: [] });
    if (/^\/api\/v1\/syncs\/[^/]+\/[^/]+$/.test(p)) return json(syncDetailFixture(fleet));
    if (p.startsWith("/api/")) return json({ error: `no endpoint ${p}`, reason: "NotFound" }, 404);
    let file = resolve(dist, `.${decodeURIComponent(p)}`);
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) file = join(dist, "index.html");
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startStubApi({ clusters: Number(process.env.CLUSTERS ?? 6), syncs: Number(process.env.SYNCS ?? 5) });
  process.stdout.write(`${s.url}\n`);
}
