/** The Git source pillar against real git: local paths, file://, git daemon, git http-backend with basic auth. */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fetchArtifact, removeTree, resolveRef, SourceError, type SourceErrorCode } from "../src/source/index.ts";

const work = mkdtempSync(join(tmpdir(), "kaika-source-"));
const privateTmp = join(work, "tmp");
mkdirSync(privateTmp);
const home = join(work, "home");
mkdirSync(home);
// The pillar makes its temp dirs under os.tmpdir(); a private one lets a test see that nothing is left behind.
const savedTmpdir = process.env.TMPDIR;
process.env.TMPDIR = privateTmp;
const gitEnv = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LC_ALL: "C" };

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
    cwd,
    env: gitEnv,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** File content, a symlink, an executable, or null to delete. */
type Files = Record<string, string | { link: string } | { exec: string } | null>;

/** A bare repository in `work` and a work tree that commits and pushes to it. */
class Repo {
  readonly bare: string;
  readonly tree: string;
  constructor(name: string, headBranch = "main") {
    this.bare = join(work, `${name}.git`);
    this.tree = join(work, `${name}-work`);
    git(work, "init", "-q", "--bare", `--initial-branch=${headBranch}`, this.bare);
    git(work, "init", "-q", "--initial-branch=main", this.tree);
    git(this.tree, "remote", "add", "origin", this.bare);
  }
  /** Writes files, commits everything and pushes to `branch`; `orphan` starts a branch with no history or files. */
  commit(files: Files, branch = "main", orphan = false): string {
    if (orphan) {
      git(this.tree, "checkout", "-q", "--orphan", branch);
      git(this.tree, "rm", "-rfq", "--ignore-unmatch", ".");
    }
    for (const [path, content] of Object.entries(files)) {
      const file = join(this.tree, path);
      rmSync(file, { force: true });
      if (content === null) continue;
      mkdirSync(dirname(file), { recursive: true });
      if (typeof content === "string") writeFileSync(file, content);
      else if ("link" in content) symlinkSync(content.link, file);
      else writeFileSync(file, content.exec, { mode: 0o755 });
    }
    git(this.tree, "add", "-A");
    git(this.tree, "commit", "-q", "--allow-empty", "-m", `commit ${Date.now()}`);
    git(this.tree, "push", "-q", "--force", "origin", `HEAD:refs/heads/${branch}`);
    return git(this.tree, "rev-parse", "HEAD");
  }
  tag(name: string, commit: string, annotated = false): void {
    git(this.tree, "tag", ...(annotated ? ["-a", "-m", name] : []), name, commit);
    git(this.tree, "push", "-q", "origin", `refs/tags/${name}`);
  }
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function rejectsWith(promise: Promise<unknown>, code: SourceErrorCode): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

let cacheCount = 0;
function freshCache(): string {
  return join(work, `cache-${++cacheCount}`);
}

/** Every regular file and symlink under dir, relative, sorted; symlinks are not followed. */
function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, path));
    else out.push(path);
  }
  return out.sort();
}

const app = new Repo("app");
let c1 = "";
let c2 = "";
let c3 = "";
let daemon: ChildProcess | undefined;
let daemonPort = 0;
let http: Server | undefined;
let httpPort = 0;
const user = "alice";
const token = "s3cret-Token-4f2a9c";

/** Serves `work` through git http-backend (CGI) with basic auth, on loopback. */
function serveHttp(): Server {
  const backend = join(execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim(), "git-http-backend");
  const expected = `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;
  return createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="kaika-test"' }).end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const cgi = spawn(backend, [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: work,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_NOSYSTEM: "1",
        HOME: home,
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_USER: user,
        REMOTE_ADDR: "127.0.0.1",
        ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let sent = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (sent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
      sent = true;
    });
    cgi.on("close", () => {
      if (!sent) res.writeHead(502);
      res.end();
    });
  });
}

describe("git source", () => {
  before(async () => {
    c1 = app.commit({
      "deploy/app.yaml": "kind: ConfigMap\nversion: 1\n",
      "README.md": "# app\n",
      "bin/run.sh": { exec: "#!/bin/sh\necho run\n" },
      current: { link: "deploy" },
      ".gitattributes": "hidden.txt export-ignore\nsubst.txt export-subst\n* ident\n",
      "hidden.txt": "export-ignore must not hide me\n",
      "subst.txt": "$Format:%H$ $Id$\n",
    });
    // A submodule entry (gitlink) that nobody can fetch: it must be skipped without a word.
    git(app.tree, "update-index", "--add", "--cacheinfo", `160000,${c1},vendor/sub`);
    git(app.tree, "commit", "-q", "-m", "gitlink");
    git(app.tree, "push", "-q", "origin", "HEAD:refs/heads/main");
    c1 = git(app.tree, "rev-parse", "HEAD");
    app.tag("v1.2.0", c1);
    c2 = app.commit({ "deploy/app.yaml": "kind: ConfigMap\nversion: 2\n" });
    app.tag("v1.4.0", c2, true);
    c3 = app.commit({ "deploy/app.yaml": "kind: ConfigMap\nversion: 3\n" });
    app.tag("v2.0.0", c3);
    app.tag("release-candidate", c3);
    app.tag("v1.5.0-rc.1", c3);

    daemonPort = await freePort();
    // git-daemon itself, not the `git daemon` wrapper, so that killing this pid stops the server.
    const gitDaemon = join(execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim(), "git-daemon");
    daemon = spawn(
      gitDaemon,
      [
        "--export-all",
        `--base-path=${work}`,
        "--listen=127.0.0.1",
        `--port=${daemonPort}`,
        "--reuseaddr",
        "--informative-errors",
      ],
      { env: gitEnv, stdio: "ignore" },
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        git(work, "ls-remote", `git://127.0.0.1:${daemonPort}/app.git`, "HEAD");
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    http = serveHttp();
    await new Promise<void>((resolve) => http?.listen(0, "127.0.0.1", resolve));
    const address = http.address();
    httpPort = typeof address === "object" && address !== null ? address.port : 0;
  });

  after(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon?.once("exit", resolve));
      daemon.kill("SIGKILL");
      await exited;
    }
    http?.closeAllConnections();
    await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    for (const name of readdirSync(work)) if (name.startsWith("cache-")) await removeTree(join(work, name));
    rmSync(work, { recursive: true, force: true });
  });

  it("fetches a branch: the commit, its files, a Flux revision and a digest, no .git, read-only", async () => {
    const a = await fetchArtifact({ url: app.bare, ref: { branch: "main" }, cacheDir: freshCache() });
    assert.equal(a.commit, c3);
    assert.equal(a.refName, "refs/heads/main");
    assert.equal(a.revision, `main@sha1:${c3}`);
    assert.equal(a.url, app.bare);
    assert.match(a.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(a.fromCache, false);
    assert.equal(readFileSync(join(a.dir, "deploy/app.yaml"), "utf8"), "kind: ConfigMap\nversion: 3\n");
    assert.equal(readlinkSync(join(a.dir, "current")), "deploy");
    assert.equal(statSync(join(a.dir, "bin/run.sh")).mode & 0o777, 0o555);
    assert.equal(statSync(join(a.dir, "README.md")).mode & 0o777, 0o444);
    assert.equal(statSync(join(a.dir, "deploy")).mode & 0o777, 0o555);
    assert.equal(existsSync(join(a.dir, ".git")), false);
    const files = listFiles(a.dir);
    assert.deepEqual(files, [
      ".gitattributes",
      "README.md",
      "bin/run.sh",
      "current",
      "deploy/app.yaml",
      "hidden.txt",
      "subst.txt",
    ]);
    assert.equal(a.files, files.length);
    const bytes = files.reduce((n, f) => n + lstatSync(join(a.dir, f)).size, 0);
    assert.equal(a.bytes, bytes);
  });

  it("keeps the tree as committed: .gitattributes cannot hide, substitute or convert; gitlinks are skipped", async () => {
    const a = await fetchArtifact({ url: app.bare, ref: { commit: c1 }, cacheDir: freshCache() });
    assert.equal(readFileSync(join(a.dir, "hidden.txt"), "utf8"), "export-ignore must not hide me\n");
    assert.equal(readFileSync(join(a.dir, "subst.txt"), "utf8"), "$Format:%H$ $Id$\n");
    assert.equal(a.revision, `sha1:${c1}`);
    assert.ok(!listFiles(a.dir).some((f) => f.startsWith("vendor")));
  });

  it("uses the branch the remote HEAD points at when no ref is given", async () => {
    const repo = new Repo("trunk", "trunk");
    const head = repo.commit({ "a.yaml": "a: 1\n" }, "trunk");
    repo.commit({ "a.yaml": "a: other\n" }, "main");
    const a = await fetchArtifact({ url: repo.bare, cacheDir: freshCache() });
    assert.deepEqual(a.ref, { branch: "trunk" });
    assert.equal(a.commit, head);
    assert.equal(a.revision, `trunk@sha1:${head}`);
    assert.deepEqual(await resolveRef({ url: repo.bare }), { commit: head, refName: "refs/heads/trunk" });
  });

  it("an unchanged commit costs one ls-remote and returns the same tree; a new commit gives a new one", async (t) => {
    const repo = new Repo("moving");
    const first = repo.commit({ "app.yaml": "replicas: 1\n" });
    const cacheDir = freshCache();
    const url = `file://${repo.bare}`;
    let start = performance.now();
    const a = await fetchArtifact({ url, cacheDir });
    const coldMs = performance.now() - start;
    const before = statSync(a.dir);
    const fileBefore = statSync(join(a.dir, "app.yaml"));

    start = performance.now();
    const b = await fetchArtifact({ url, cacheDir });
    const warmMs = performance.now() - start;
    t.diagnostic(`first fetch ${coldMs.toFixed(1)} ms, unchanged commit ${warmMs.toFixed(1)} ms (ls-remote only)`);
    assert.equal(b.fromCache, true);
    assert.equal(b.dir, a.dir);
    assert.equal(b.digest, a.digest);
    assert.equal(b.commit, first);
    assert.equal(statSync(b.dir).ino, before.ino);
    assert.equal(statSync(b.dir).mtimeMs, before.mtimeMs);
    assert.equal(statSync(join(b.dir, "app.yaml")).ino, fileBefore.ino);

    const second = repo.commit({ "app.yaml": "replicas: 3\n" });
    const c = await fetchArtifact({ url, cacheDir });
    assert.equal(c.commit, second);
    assert.equal(c.fromCache, false);
    assert.notEqual(c.digest, a.digest);
    assert.notEqual(c.dir, a.dir);
    assert.equal(readFileSync(join(c.dir, "app.yaml"), "utf8"), "replicas: 3\n");
    assert.equal(readFileSync(join(a.dir, "app.yaml"), "utf8"), "replicas: 1\n");
  });

  it("fetches tags: a lightweight one, and an annotated one resolved to its commit", async () => {
    const cacheDir = freshCache();
    const light = await fetchArtifact({ url: app.bare, ref: { tag: "v1.2.0" }, cacheDir });
    assert.equal(light.commit, c1);
    assert.equal(light.revision, `v1.2.0@sha1:${c1}`);
    const annotated = await fetchArtifact({ url: app.bare, ref: { tag: "v1.4.0" }, cacheDir });
    assert.equal(annotated.commit, c2);
    assert.equal(readFileSync(join(annotated.dir, "deploy/app.yaml"), "utf8"), "kind: ConfigMap\nversion: 2\n");
    assert.deepEqual(await resolveRef({ url: app.bare, ref: { tag: "v1.4.0" } }), {
      commit: c2,
      refName: "refs/tags/v1.4.0",
    });
  });

  it("semver picks the highest tag in range, skipping higher majors and prereleases", async () => {
    const a = await fetchArtifact({ url: app.bare, ref: { semver: ">=1.0.0 <2.0.0" }, cacheDir: freshCache() });
    assert.equal(a.commit, c2);
    assert.equal(a.refName, "refs/tags/v1.4.0");
    assert.equal(a.revision, `v1.4.0@sha1:${c2}`);
    assert.deepEqual(a.ref, { semver: ">=1.0.0 <2.0.0" });
    assert.deepEqual(await resolveRef({ url: app.bare, ref: { semver: "^2" } }), {
      commit: c3,
      refName: "refs/tags/v2.0.0",
    });
    const error = await rejectsWith(resolveRef({ url: app.bare, ref: { semver: "^3.0.0" } }), "RefNotFound");
    assert.match(error.message, /no tag satisfies semver range "\^3\.0\.0"/);
  });

  it("pins a commit that no ref points at, over git daemon", async () => {
    const url = `git://127.0.0.1:${daemonPort}/app.git`;
    const a = await fetchArtifact({ url, ref: { commit: c2 }, cacheDir: freshCache() });
    assert.equal(a.commit, c2);
    assert.equal(a.fromCache, false);
    assert.equal(readFileSync(join(a.dir, "deploy/app.yaml"), "utf8"), "kind: ConfigMap\nversion: 2\n");
    const missing = "0123456789abcdef0123456789abcdef01234567";
    const error = await rejectsWith(
      fetchArtifact({ url, ref: { commit: missing }, cacheDir: freshCache() }),
      "RefNotFound",
    );
    assert.match(error.message, new RegExp(`commit ${missing}`));
  });

  it("serves branches over git daemon like a local path", async () => {
    const url = `git://127.0.0.1:${daemonPort}/app.git`;
    const local = await fetchArtifact({ url: app.bare, ref: { branch: "main" }, cacheDir: freshCache() });
    const remote = await fetchArtifact({ url, ref: { branch: "main" }, cacheDir: freshCache() });
    assert.equal(remote.fromCache, false);
    assert.equal(remote.url, url);
    assert.equal(remote.commit, local.commit);
    assert.equal(remote.digest, local.digest);
    assert.deepEqual(await resolveRef({ url, ref: { branch: "main" } }), { commit: c3, refName: "refs/heads/main" });
  });

  it("accepts a work tree path and a file:// URL", async () => {
    const fromTree = await fetchArtifact({ url: app.tree, ref: { branch: "main" }, cacheDir: freshCache() });
    const fromFile = await fetchArtifact({ url: `file://${app.bare}`, ref: { tag: "v1.2.0" }, cacheDir: freshCache() });
    assert.equal(fromTree.commit, c3);
    assert.equal(fromFile.commit, c1);
  });

  it("hands out a cached pinned commit only to a repository that has it", async () => {
    const cacheDir = freshCache();
    const a = await fetchArtifact({ url: app.bare, ref: { commit: c1 }, cacheDir });
    const again = await fetchArtifact({ url: app.bare, ref: { commit: c1 }, cacheDir });
    assert.equal(again.fromCache, true);
    assert.equal(again.dir, a.dir);
    const other = new Repo("other");
    other.commit({ "x.yaml": "x: 1\n" });
    await rejectsWith(fetchArtifact({ url: other.bare, ref: { commit: c1 }, cacheDir }), "RefNotFound");
  });

  it("says RefNotFound for a missing branch or tag, naming it", async () => {
    const branch = await rejectsWith(
      fetchArtifact({ url: app.bare, ref: { branch: "nope" }, cacheDir: freshCache() }),
      "RefNotFound",
    );
    assert.deepEqual(branch.ref, { branch: "nope" });
    assert.match(branch.message, /branch "nope" does not exist/);
    const tag = await rejectsWith(resolveRef({ url: app.bare, ref: { tag: "v9.9.9" } }), "RefNotFound");
    assert.match(tag.message, /tag "v9\.9\.9"/);
  });

  it("says Unreachable for a missing repository and a closed port", async () => {
    await rejectsWith(resolveRef({ url: join(work, "missing.git") }), "Unreachable");
    await rejectsWith(resolveRef({ url: `git://127.0.0.1:${daemonPort}/missing.git` }), "Unreachable");
    await rejectsWith(resolveRef({ url: `git://127.0.0.1:${await freePort()}/app.git` }), "Unreachable");
    await rejectsWith(resolveRef({ url: `ssh://git@127.0.0.1:${await freePort()}/app.git` }), "Unreachable");
  });

  it("refuses symlinks that leave the tree, naming the path, before writing anything", async () => {
    const repo = new Repo("hostile");
    repo.commit({ "ok.yaml": "a: 1\n" });
    const cases: [branch: string, files: Files, path: string, why: RegExp][] = [
      ["escape", { "deploy/passwd": { link: "../../etc/passwd" } }, "deploy/passwd", /points outside the repository/],
      ["absolute", { "deploy/abs": { link: "/etc/passwd" } }, "deploy/abs", /is absolute/],
      // Lexically "sub/s/../.." is ".", but sub/s is "..", so the kernel would land above the root.
      ["chain", { "sub/s": { link: ".." }, "sub/x": { link: "s/../.." } }, "sub/x", /points outside/],
      ["loop", { a: { link: "b" }, b: { link: "a" } }, "a", /loops/],
    ];
    for (const [branch, files, path, why] of cases) {
      repo.commit({ "ok.yaml": "a: 1\n", ...files }, branch, true);
      const cacheDir = freshCache();
      const error = await rejectsWith(fetchArtifact({ url: repo.bare, ref: { branch }, cacheDir }), "ContentRefused");
      assert.equal(error.path, path, branch);
      assert.match(error.message, new RegExp(path.replace("/", "\\/")));
      assert.match(error.message, why);
      assert.deepEqual(existsSync(join(cacheDir, "artifacts")) ? readdirSync(join(cacheDir, "artifacts")) : [], []);
    }
    // A symlink to a sibling directory is fine.
    const fine = await fetchArtifact({ url: repo.bare, ref: { branch: "main" }, cacheDir: freshCache() });
    assert.equal(fine.files, 1);
  });

  it("refuses a file over maxFileBytes, too many files and too many bytes, naming the path and limit", async () => {
    const repo = new Repo("big");
    repo.commit({ "small.yaml": "a: 1\n", "data/big.bin": "x".repeat(2000), "c.yaml": "c: 1\n" });
    const cacheDir = freshCache();
    const big = await rejectsWith(
      fetchArtifact({ url: repo.bare, cacheDir, limits: { maxFileBytes: 1000 } }),
      "ContentRefused",
    );
    assert.equal(big.path, "data/big.bin");
    assert.equal(big.limit, "maxFileBytes");
    assert.match(big.message, /data\/big\.bin: the file has 2000 bytes, more than maxFileBytes 1000/);
    assert.equal(existsSync(join(cacheDir, "artifacts")), false);

    const many = await rejectsWith(
      fetchArtifact({ url: repo.bare, cacheDir, limits: { maxFiles: 2 } }),
      "ContentRefused",
    );
    assert.equal(many.limit, "maxFiles");
    assert.match(many.message, /3 files, more than maxFiles 2/);

    const total = await rejectsWith(
      fetchArtifact({ url: repo.bare, cacheDir, limits: { maxTotalBytes: 1500 } }),
      "ContentRefused",
    );
    assert.equal(total.limit, "maxTotalBytes");

    // Within the limits it works, and a cached tree is still held to smaller limits later.
    const ok = await fetchArtifact({ url: repo.bare, cacheDir });
    assert.equal(ok.files, 3);
    const cached = await rejectsWith(
      fetchArtifact({ url: repo.bare, cacheDir, limits: { maxFileBytes: 1000 } }),
      "ContentRefused",
    );
    assert.equal(cached.path, "data/big.bin");
  });

  it("runs concurrent fetches of one URL without corrupting the mirror", async () => {
    const cacheDir = freshCache();
    const url = `git://127.0.0.1:${daemonPort}/app.git`;
    // allSettled: a failure must not leave the others writing into the cache while the suite cleans up.
    const settled = await Promise.allSettled([
      fetchArtifact({ url, ref: { branch: "main" }, cacheDir }),
      fetchArtifact({ url, ref: { tag: "v1.2.0" }, cacheDir }),
      fetchArtifact({ url, ref: { semver: "~1.4" }, cacheDir }),
      fetchArtifact({ url, ref: { commit: c2 }, cacheDir }),
      fetchArtifact({ url, ref: { branch: "main" }, cacheDir }),
    ]);
    const results = settled.map((r) => {
      if (r.status === "rejected") throw r.reason;
      return r.value;
    });
    assert.deepEqual(
      results.map((a) => a.commit),
      [c3, c1, c2, c2, c3],
    );
    assert.equal(readdirSync(join(cacheDir, "mirrors")).length, 1);
    assert.deepEqual(
      readdirSync(join(cacheDir, "artifacts")).sort(),
      [c1, `${c1}.json`, c2, `${c2}.json`, c3, `${c3}.json`].sort(),
    );
  });

  it("refuses bad options as Invalid", async () => {
    const cacheDir = freshCache();
    const cases: [string, Parameters<typeof fetchArtifact>[0]][] = [
      ["two refs", { url: app.bare, ref: { branch: "main", tag: "v1.2.0" }, cacheDir }],
      ["ext transport", { url: "ext::sh -c touch% /tmp/pwned", cacheDir }],
      ["unknown scheme", { url: "ftp://example.com/repo.git", cacheDir }],
      ["option as url", { url: "--upload-pack=touch /tmp/pwned", cacheDir }],
      ["bad range", { url: app.bare, ref: { semver: "not a range" }, cacheDir }],
      ["short sha", { url: app.bare, ref: { commit: c1.slice(0, 7) }, cacheDir }],
      ["refspec in branch", { url: app.bare, ref: { branch: "main:refs/heads/x" }, cacheDir }],
      ["dotdot branch", { url: app.bare, ref: { branch: "a..b" }, cacheDir }],
      ["negative limit", { url: app.bare, cacheDir, limits: { maxFiles: -1 } }],
    ];
    for (const [name, options] of cases) {
      const error = await rejectsWith(fetchArtifact(options), "Invalid");
      assert.ok(error.message.length > 0, name);
    }
    assert.equal(existsSync(cacheDir), false);
  });

  it("gives up at the deadline on a server that never answers, as Unreachable", async () => {
    const silent = createTcpServer((socket) => socket.on("error", () => {}));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const start = Date.now();
      const error = await rejectsWith(
        fetchArtifact({ url: `git://127.0.0.1:${port}/app.git`, cacheDir: freshCache(), timeoutMs: 500 }),
        "Unreachable",
      );
      assert.match(error.message, /500 ms deadline/);
      assert.ok(Date.now() - start < 5000);
    } finally {
      silent.close();
    }
  });

  it("stops at once when aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    await assert.rejects(
      fetchArtifact({ url: app.bare, cacheDir: freshCache(), signal: controller.signal }),
      /shutting down/,
    );
  });

  it("authenticates over HTTP with a token from env, never from argv, and says AuthFailed otherwise", async () => {
    const url = `http://127.0.0.1:${httpPort}/app.git`;
    // A git wrapper on PATH records every argv the pillar uses.
    const bin = join(work, "bin");
    const log = join(work, "argv.log");
    mkdirSync(bin, { recursive: true });
    const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    writeFileSync(join(bin, "git"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, "git"), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      const none = await rejectsWith(resolveRef({ url }), "AuthFailed");
      assert.equal(none.url, url);
      const wrong = await rejectsWith(
        fetchArtifact({ url, auth: { username: user, password: "wrong-password-123" }, cacheDir: freshCache() }),
        "AuthFailed",
      );
      assert.doesNotMatch(wrong.message, /wrong-password-123/);

      const a = await fetchArtifact({ url, auth: { username: user, password: token }, cacheDir: freshCache() });
      assert.equal(a.commit, c3);
      assert.equal(a.fromCache, false);

      // Credentials in the URL are moved out of it: the artifact and the errors show it without them.
      const inUrl = `http://${user}:${token}@127.0.0.1:${httpPort}/app.git`;
      const b = await fetchArtifact({ url: inUrl, ref: { tag: "v1.4.0" }, cacheDir: freshCache() });
      assert.equal(b.commit, c2);
      assert.equal(b.url, url);
      const badInUrl = `http://${user}:nope-nope-nope@127.0.0.1:${httpPort}/app.git`;
      const hidden = await rejectsWith(resolveRef({ url: badInUrl }), "AuthFailed");
      assert.doesNotMatch(`${hidden.message} ${hidden.url}`, /nope-nope-nope/);
    } finally {
      process.env.PATH = savedPath;
    }
    const argv = readFileSync(log, "utf8");
    assert.match(argv, /ls-remote/);
    assert.match(argv, /fetch/);
    assert.doesNotMatch(argv, new RegExp(token));
    assert.doesNotMatch(argv, /wrong-password-123/);
  });

  it("leaves no temp files behind (askpass, keys, homes)", async () => {
    await fetchArtifact({
      url: app.bare,
      auth: { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-key\n-----END OPENSSH PRIVATE KEY-----" },
      cacheDir: freshCache(),
    });
    assert.deepEqual(readdirSync(privateTmp), []);
  });
});
