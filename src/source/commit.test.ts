import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readCommit } from "./commit.ts";
import { fetchArtifact } from "./fetch.ts";

describe("readCommit", () => {
  const dir = mkdtempSync(join(tmpdir(), "kaika-commit-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  const git = (...args: string[]): string =>
    execFileSync("git", ["-C", repo, ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_AUTHOR_NAME: "Hana Sato",
        GIT_AUTHOR_EMAIL: "hana@example.com",
        GIT_AUTHOR_DATE: "2026-03-01T12:00:00+09:00",
        GIT_COMMITTER_NAME: "ci",
        GIT_COMMITTER_EMAIL: "ci@example.com",
      },
    }).trim();

  it("reads message, author and time of a fetched commit from the mirror; nothing before the fetch", async () => {
    execFileSync("git", ["init", "-q", "-b", "main", repo]);
    writeFileSync(join(repo, "a.yaml"), "a: 1\n");
    git("add", "-A");
    git("commit", "-q", "-m", "web: 1.5.0\n\nraise the cache size");
    const sha = git("rev-parse", "HEAD");
    const cacheDir = join(dir, "cache");
    assert.equal(await readCommit({ cacheDir, url: repo, commit: sha }), undefined, "no mirror yet");
    await fetchArtifact({ url: repo, cacheDir });
    const info = await readCommit({ cacheDir, url: repo, commit: sha });
    assert.deepEqual(info, {
      sha,
      author: "Hana Sato",
      authorEmail: "hana@example.com",
      time: "2026-03-01T12:00:00+09:00",
      message: "web: 1.5.0\n\nraise the cache size",
    });
    assert.equal(await readCommit({ cacheDir, url: repo, commit: "0".repeat(40) }), undefined, "unknown commit");
    assert.equal(await readCommit({ cacheDir, url: repo, commit: "--help" }), undefined, "not a sha");
  });
});
