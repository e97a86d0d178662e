/** `kaika versions` end to end: bin/kaika against a ledger prepared through the library, text and JSON. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { defaultLedgerLocation } from "../src/cli/versions.ts";
import type { KubeObject } from "../src/kube/types.ts";
import { openLedger } from "../src/ledger/index.ts";
import { cacheDir } from "../src/localfleet/binaries.ts";
import { startPostgres, type TestPostgres } from "./support/postgres.ts";

const exec = promisify(execFile);
const kaika = fileURLToPath(new URL("../bin/kaika", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "kaika-versions-"));
const file = join(dir, "ledger.sqlite");
const hour = 3_600_000;
const digest = `sha256:${"0123456789abcdef".repeat(4)}`;

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(kaika, args);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const deployment = (name: string, image: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "shop", labels: { "app.kubernetes.io/name": name } },
  spec: { template: { spec: { containers: [{ name, image }] } } },
});

/** 3 h ago all three clusters got web 1.0 and cart 2.0; 1 h ago staging (kaika-1) got web 1.1 and a cart by digest. */
async function prepare(location: string): Promise<void> {
  const ledger = await openLedger(location);
  const then = new Date(Date.now() - 3 * hour);
  const recent = new Date(Date.now() - hour);
  for (const cluster of ["kaika-1", "kaika-2", "kaika-3"])
    await ledger.record({
      time: then,
      cluster,
      sync: "kaika-system/shop",
      revision: "1111111111111111111111111111111111111111",
      changes: [deployment("web", "ghcr.io/acme/web:1.0"), deployment("cart", "ghcr.io/acme/cart:2.0")].map(
        (object) => ({ object, action: "created" as const }),
      ),
    });
  await ledger.record({
    time: recent,
    cluster: "kaika-1",
    sync: "kaika-system/shop",
    revision: "2222222222222222222222222222222222222222",
    changes: [deployment("web", "ghcr.io/acme/web:1.1"), deployment("cart", `ghcr.io/acme/cart@${digest}`)].map(
      (object) => ({ object, action: "configured" as const }),
    ),
  });
  await ledger.close();
}

describe("kaika versions", () => {
  before(() => prepare(file));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the matrix: rows services, columns clusters, digests shortened", async () => {
    const { code, stdout } = await run("versions", "--ledger", file);
    assert.equal(code, 0);
    assert.deepEqual(stdout.trimEnd().split("\n"), [
      "SERVICE   kaika-1               kaika-2   kaika-3",
      "cart      sha256:0123456789ab   2.0       2.0",
      "web       1.1                   1.0       1.0",
    ]);
  });

  it("answers for one cluster at a time given relatively or as RFC 3339, in JSON", async () => {
    const { code, stdout } = await run(
      "versions",
      "--ledger",
      file,
      "--cluster",
      "kaika-1",
      "--at",
      "2h ago",
      "-o",
      "json",
    );
    assert.equal(code, 0);
    const matrix = JSON.parse(stdout) as {
      at: string;
      clusters: string[];
      services: { service: string; clusters: Record<string, string> }[];
      workloads: { service: string; revision: string; images: { tag?: string }[] }[];
    };
    assert.ok(Math.abs(Date.parse(matrix.at) - (Date.now() - 2 * hour)) < 60_000, matrix.at);
    assert.deepEqual(matrix.clusters, ["kaika-1"]);
    assert.deepEqual(matrix.services, [
      { service: "cart", clusters: { "kaika-1": "2.0" } },
      { service: "web", clusters: { "kaika-1": "1.0" } },
    ]);
    assert.equal(matrix.workloads[1]?.revision, "1111111111111111111111111111111111111111");
    assert.equal(matrix.workloads[1]?.images[0]?.tag, "1.0");
    const iso = new Date(Date.now() - 4 * hour).toISOString();
    const before = await run("versions", "--ledger", file, "--at", iso);
    assert.equal(before.code, 0);
    assert.equal(before.stdout, "");
    assert.match(before.stderr, /No workloads recorded at /);
  });

  it("prints one row per workload with -o wide", async () => {
    const { code, stdout } = await run("versions", "--ledger", file, "--cluster", "kaika-1", "-o", "wide");
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^CLUSTER +SERVICE +VERSION +WORKLOAD +IMAGES +SINCE +REVISION +SYNC$/);
    assert.match(
      lines[2]!,
      /^kaika-1 +web +1\.1 +Deployment\/shop\/web +ghcr\.io\/acme\/web:1\.1 +\S+Z +222222222222 +kaika-system\/shop$/,
    );
  });

  it("diffs staging against prod (exit 1) and a cluster against itself (exit 0)", async () => {
    const differ = await run("versions", "diff", "kaika-1", "kaika-3", "--ledger", file);
    assert.equal(differ.code, 1, differ.stderr);
    assert.deepEqual(differ.stdout.trimEnd().split("\n"), [
      "SERVICE   kaika-1               kaika-3",
      "cart      sha256:0123456789ab   2.0",
      "web       1.1                   1.0",
    ]);
    const json = await run("versions", "--ledger", file, "diff", "kaika-1@2h ago", "kaika-1", "-o", "json");
    assert.equal(json.code, 1);
    const result = JSON.parse(json.stdout) as { services: { service: string; a?: string; b?: string }[] };
    assert.deepEqual(
      result.services.map((d) => [d.service, d.a, d.b]),
      [
        ["cart", "2.0", digest],
        ["web", "1.0", "1.1"],
      ],
    );
    const same = await run("versions", "diff", "kaika-2", "kaika-3@-30m", "--ledger", file);
    assert.equal(same.code, 0);
    assert.match(same.stdout, /^kaika-2 and kaika-3@\S+Z run the same versions\.$/m);
  });

  it("exits 2 on a bad time and 1 when there is no ledger, naming where it looked", async () => {
    const badTime = await run("versions", "--ledger", file, "--at", "last tuesday");
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--at: cannot read "last tuesday" as a time/);
    const badSide = await run("versions", "diff", "kaika-1@soon", "kaika-2", "--ledger", file);
    assert.equal(badSide.code, 2);
    const missing = await run("versions", "--ledger", join(dir, "none.sqlite"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no ledger at .*none\.sqlite: kaika run records one there/);
    // Without --ledger, where kaika run keeps it by default (not opened here: it may be a real one).
    assert.equal(defaultLedgerLocation(), join(cacheDir(), "controller", "ledger.sqlite"));
    const missingDiff = await run("versions", "diff", "a", "b", "--ledger", join(dir, "none.sqlite"));
    assert.equal(missingDiff.code, 2);
    assert.match(missingDiff.stderr, /no ledger at .*none\.sqlite/);
  });
});

describe("kaika versions --ledger postgres://", () => {
  let server: TestPostgres | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.close());

  it("reads the same matrix from PostgreSQL", async () => {
    const url = await server!.database("versions_cli");
    await prepare(url);
    const { code, stdout } = await run("versions", "--ledger", url, "--cluster", "kaika-2");
    assert.equal(code, 0);
    assert.deepEqual(stdout.trimEnd().split("\n"), ["SERVICE   kaika-2", "cart      2.0", "web       1.0"]);
  });
});
