/** A real, throwaway PostgreSQL server for tests: Debian's binaries, a temp data dir, a free loopback port. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "../../src/localfleet/ports.ts";

/** A running server; `database()` makes a fresh, empty database on it for one test. */
export interface TestPostgres {
  /** postgres://kaika@127.0.0.1:PORT/postgres */
  readonly url: string;
  database(name: string): Promise<string>;
  close(): Promise<void>;
}

const debianRoot = "/usr/lib/postgresql";

/** The newest Debian PostgreSQL bin dir (KAIKA_PG_BIN overrides); throws with the fix when there is none. */
export function postgresBin(): string {
  const override = process.env.KAIKA_PG_BIN;
  if (override) return override;
  const versions = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .filter((v) => existsSync(join(debianRoot, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(
      `no PostgreSQL server under ${debianRoot}/*/bin: run scripts/test-deps (installs Debian's postgresql)`,
    );
  return join(debianRoot, versions[0]!, "bin");
}

// initdb and postgres refuse to run as root; as root, run them as Debian's postgres user.
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

async function waitReady(url: string, server: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null)
      throw new Error(`postgres exited (${server.exitCode ?? server.signalCode}): ${readFileSync(log, "utf8")}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres did not accept connections within 30 s: ${readFileSync(log, "utf8")}`);
}

/** Starts a server with trust auth for user "kaika", fsync off (tests need no durability). */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), "kaika-pg-"));
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  const log = join(dir, "postgres.log");
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "kaika", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
    { stdio: "pipe", ...user },
  );
  const port = await freePort();
  const out = createWriteStream(log);
  await new Promise((r) => out.once("open", r));
  const server = spawn(
    join(bin, "postgres"),
    ["-D", data, "-k", dir, "-h", "127.0.0.1", "-p", String(port)].concat([
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ]),
    { stdio: ["ignore", out, out], ...user },
  );
  // If the test process dies, take the server with it (immediate shutdown).
  const reap = (): void => {
    server.kill("SIGQUIT");
  };
  process.once("exit", reap);
  const url = `postgres://kaika@127.0.0.1:${port}/postgres`;
  try {
    await waitReady(url, server, log);
  } catch (error) {
    reap();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    async database(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      } finally {
        await client.end();
      }
      return `postgres://kaika@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    async close() {
      process.off("exit", reap);
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((r) => server.once("exit", r));
        server.kill("SIGINT"); // fast shutdown: disconnects clients, no wait
        const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      out.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
