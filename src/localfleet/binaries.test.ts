import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BinaryBuildError, ensureBinaries, pinnedVersions } from "./binaries.ts";

describe("fleet binaries", () => {
  it("reads pinned versions from tools/*/go.mod", () => {
    const v = pinnedVersions();
    assert.match(v.kubernetes, /^v1\.3[67]\.\d+$/);
    assert.match(v.etcd, /^v3\.6\.\d+$/);
    assert.match(v.kwok, /^v0\.\d+\.\d+$/);
  });

  it("names the step and the retry command when Go is missing", async () => {
    const cache = mkdtempSync(join(tmpdir(), "kaika-cache-"));
    const saved = { path: process.env.PATH, cache: process.env.KAIKA_CACHE_DIR };
    process.env.PATH = "/nonexistent";
    process.env.KAIKA_CACHE_DIR = cache;
    try {
      await assert.rejects(ensureBinaries(), (error) => {
        assert.ok(error instanceof BinaryBuildError);
        assert.equal(error.component, "kube");
        assert.match(error.step, /download/);
        assert.match(error.message, /`go` command was not found/);
        assert.match(error.retry, /cd .*tools\/kube && go mod download/);
        return true;
      });
    } finally {
      process.env.PATH = saved.path;
      if (saved.cache === undefined) delete process.env.KAIKA_CACHE_DIR;
      else process.env.KAIKA_CACHE_DIR = saved.cache;
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
