/**
 * The dashboard in Chromium (Debian's package, driven by playwright-core from web/): per fleet size
 * (10/100/200 synthetic clusters × 50 Syncs, served by web/dev/stub-api.ts over the built web/dist),
 * the fleet page's first contentful paint, the time until its data is on screen ("kaika:fleet-ready"),
 * and how long a search keystroke takes to show the filtered table; then the topology page's render time
 * for 100 and 500 synthetic services (10 calls each) and its pan/zoom frame times. Median of N runs, each
 * a fresh page load with a warm HTTP cache. The API's own latency is bench/dashboard-api.ts. Prints figures.
 *
 * Usage: node bench/dashboard-ui.ts [--sizes 10,100,200] [--services 100,500] [--runs 5]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startStubApi } from "../web/dev/stub-api.ts";
import type { Page } from "../web/node_modules/playwright-core/index.js";

const { values: args } = parseArgs({
  options: { sizes: { type: "string" }, services: { type: "string" }, runs: { type: "string" } },
});
const list = (text: string) => text.split(",").map((s) => Number(s.trim()));
const sizes = list(args.sizes ?? "10,100,200");
const serviceCounts = list(args.services ?? "100,500");
const runs = Number(args.runs ?? 5);

const webDir = fileURLToPath(new URL("../web", import.meta.url));
const webRequire = createRequire(join(webDir, "package.json"));
const { chromium } = webRequire("playwright-core") as typeof import("../web/node_modules/playwright-core/index.js");

if (!existsSync(join(webDir, "dist", "index.html"))) {
  const built = spawnSync("npm", ["--prefix", webDir, "run", "build"], { stdio: "inherit" });
  if (built.status !== 0) throw new Error("web build failed");
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

const profile = mkdtempSync(join(tmpdir(), "kaika-bench-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  viewport: { width: 1440, height: 900 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const page: Page = browser.pages()[0] ?? (await browser.newPage());

async function entry(name: string): Promise<number> {
  return (await page.evaluate(
    `(performance.getEntriesByName(${JSON.stringify(name)}).at(-1)?.${name.startsWith("kaika:topology") ? "duration" : "startTime"}) ?? NaN`,
  )) as number;
}

console.log(`dashboard in Chromium (${runs} runs each, median)`);
console.log("fleet page                first paint   data on screen   search keystroke → table");
for (const clusters of sizes) {
  const stub = await startStubApi({ clusters, syncs: 50 });
  const paint: number[] = [];
  const ready: number[] = [];
  const search: number[] = [];
  try {
    await page.goto(`${stub.url}/fleet`); // warm the HTTP cache, as a returning user has it
    for (let i = 0; i < runs; i++) {
      await page.goto(`${stub.url}/fleet`);
      await page.locator(".stats").waitFor();
      await page.waitForFunction('performance.getEntriesByName("kaika:fleet-ready").length > 0');
      paint.push(await entry("first-contentful-paint"));
      ready.push(await entry("kaika:fleet-ready"));
      const box = page.getByLabel("Search clusters, labels and Syncs");
      const before = Date.now();
      await box.fill("osaka-prod-1");
      await page
        .locator(".count", { hasText: /^\d+ of \d+ clusters$/ })
        .filter({ hasNotText: `${clusters} of ${clusters}` })
        .waitFor();
      search.push(Date.now() - before);
    }
  } finally {
    await stub.close();
  }
  console.log(
    `${`${clusters} clusters × 50 Syncs`.padEnd(26)}${ms(median(paint)).padStart(11)}${ms(median(ready)).padStart(17)}${ms(median(search)).padStart(27)}`,
  );
}

console.log("topology (synthetic, 10 calls per service)   render   pan/zoom frame p50 / p95");
const stub = await startStubApi({ clusters: 3, syncs: 3 });
try {
  for (const n of serviceCounts) {
    const render: number[] = [];
    const p50: number[] = [];
    const p95: number[] = [];
    for (let i = 0; i < runs; i++) {
      await page.goto(`${stub.url}/topology?synthetic=${n}`);
      await page.locator(".graph[data-rendered]").waitFor({ timeout: 120_000 });
      render.push(await entry("kaika:topology-render"));
      await page.evaluate(`{
        window.__frames = [];
        let last = performance.now();
        const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__frames.length < 300) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
      }`);
      const box = await page.locator(".graph").boundingBox();
      if (!box) throw new Error("no graph on the page");
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let w = 0; w < 6; w++) {
        await page.mouse.wheel(0, w < 3 ? -150 : 150);
        await page.waitForTimeout(40);
      }
      await page.mouse.down();
      for (let m = 0; m < 15; m++)
        await page.mouse.move(box.x + box.width / 2 + m * 12, box.y + box.height / 2 + m * 5);
      await page.mouse.up();
      const frames = ((await page.evaluate("window.__frames.slice(1)")) as number[]).sort((a, b) => a - b);
      p50.push(frames[Math.floor(frames.length / 2)] ?? Number.NaN);
      p95.push(frames[Math.floor(frames.length * 0.95)] ?? Number.NaN);
    }
    console.log(
      `${`${n} services / ${n * 10} calls`.padEnd(44)}${ms(median(render)).padStart(7)}   ${median(p50).toFixed(1)} / ${median(p95).toFixed(1)} ms`,
    );
  }
} finally {
  await stub.close();
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
