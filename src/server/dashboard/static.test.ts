import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cacheControl, StaticAssets } from "./static.ts";

async function serve(dir: string): Promise<{ server: Server; base: string }> {
  const assets = new StaticAssets(dir);
  const server = createServer((req, res) => void assets.serve(req, res, new URL(req.url ?? "/", "http://x").pathname));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("StaticAssets", () => {
  const dir = mkdtempSync(join(tmpdir(), "kaika-assets-"));
  let built: { server: Server; base: string };
  let missing: { server: Server; base: string };
  before(async () => {
    mkdirSync(join(dir, "dist", "assets"), { recursive: true });
    writeFileSync(join(dir, "dist", "index.html"), "<!doctype html><title>kaika</title>");
    writeFileSync(join(dir, "dist", "assets", "index-Bx9_aQ12.js"), "console.log(1)");
    writeFileSync(join(dir, "dist", "favicon.svg"), "<svg/>");
    writeFileSync(join(dir, "secret.txt"), "outside");
    built = await serve(join(dir, "dist"));
    missing = await serve(join(dir, "nothing-here"));
  });
  after(() => {
    built.server.close();
    missing.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves files with their content type; hashed assets are immutable, the rest revalidates", async () => {
    const js = await fetch(`${built.base}/assets/index-Bx9_aQ12.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const svg = await fetch(`${built.base}/favicon.svg`);
    assert.equal(svg.headers.get("content-type"), "image/svg+xml");
    assert.equal(svg.headers.get("cache-control"), "no-cache");
    const again = await fetch(`${built.base}/favicon.svg`, {
      headers: { "if-none-match": svg.headers.get("etag") ?? "" },
    });
    assert.equal(again.status, 304);
    assert.equal(cacheControl("/index.html"), "no-cache");
  });

  it("answers app routes with index.html (no framing), a missing asset with 404, and never leaves the folder", async () => {
    for (const path of ["/", "/fleet", "/syncs/kaika-system/shop"]) {
      const page = await fetch(`${built.base}${path}`);
      assert.equal(page.status, 200, path);
      assert.match(await page.text(), /<title>kaika<\/title>/);
      assert.equal(page.headers.get("x-frame-options"), "DENY");
      assert.equal(page.headers.get("cache-control"), "no-cache");
    }
    assert.equal((await fetch(`${built.base}/assets/gone-12345678.js`)).status, 404);
    assert.equal((await fetch(`${built.base}/..%2Fsecret.txt`)).status, 404);
    assert.equal((await fetch(`${built.base}/%2e%2e/secret.txt`)).status, 404);
  });

  it("says how to build the assets when they are missing", async () => {
    const page = await fetch(`${missing.base}/`);
    assert.equal(page.status, 503);
    assert.match(await page.text(), /dashboard assets not built: run make build/);
  });
});
