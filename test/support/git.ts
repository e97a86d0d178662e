/** Real git repositories for tests: a bare repo, a work tree that commits and pushes, and git daemon serving it. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../src/localfleet/ports.ts";

const exec = promisify(execFile);

/** A bare repository with a work tree to change it, optionally served by git daemon. */
export interface TestRepo {
  readonly dir: string;
  /** file:// path of the bare repository. */
  readonly path: string;
  /** git:// URL once serve() was called. */
  url: string;
  /** Writes files (path → content, null deletes), commits and pushes; returns the commit. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  serve(): Promise<string>;
  close(): Promise<void>;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec("git", ["-c", "user.name=kaika test", "-c", "user.email=test@kaika.dev", ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" },
  });
  return stdout.trim();
}

/** Creates an empty repository (branch main) in a temp dir. */
export async function createRepo(): Promise<TestRepo> {
  const dir = mkdtempSync(join(tmpdir(), "kaika-repo-"));
  const bare = join(dir, "fleet.git");
  const work = join(dir, "work");
  await exec("git", ["init", "-q", "--bare", "-b", "main", bare]);
  await exec("git", ["init", "-q", "-b", "main", work]);
  await git(work, "remote", "add", "origin", bare);
  let daemon: ChildProcess | undefined;
  const repo: TestRepo = {
    dir,
    path: bare,
    url: "",
    async commit(files, message = "change") {
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      await git(work, "add", "-A");
      await git(work, "commit", "-q", "--allow-empty", "-m", message);
      await git(work, "push", "-q", "origin", "main");
      return git(work, "rev-parse", "HEAD");
    },
    async serve() {
      const port = await freePort();
      daemon = spawn(
        "git",
        ["daemon", "--export-all", "--reuseaddr", `--base-path=${dir}`, "--listen=127.0.0.1", `--port=${port}`, dir],
        {
          stdio: "ignore",
        },
      );
      repo.url = `git://127.0.0.1:${port}/fleet.git`;
      // Ready when ls-remote answers.
      for (let i = 0; i < 50; i++) {
        try {
          await exec("git", ["ls-remote", repo.url]);
          return repo.url;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error("git daemon did not start");
    },
    async close() {
      daemon?.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return repo;
}
