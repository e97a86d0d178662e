/** `kubectl kaika ...`: bin/kubectl-kaika run as a plugin by the real kubectl, from a symlink on PATH as users install it. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, describe, it } from "node:test";

const plugin = join(import.meta.dirname, "..", "bin", "kubectl-kaika");
const dir = mkdtempSync(join(tmpdir(), "kaika-plugin-test-"));
symlinkSync(plugin, join(dir, "kubectl-kaika"));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubectl(...args: string[]) {
  return spawnSync("kubectl", args, {
    encoding: "utf8",
    env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ""}` },
  });
}

describe("kubectl kaika", () => {
  it("is listed by kubectl plugin list", () => {
    assert.match(kubectl("plugin", "list").stdout, new RegExp(`^${join(dir, "kubectl-kaika")}$`, "m"));
  });

  it("runs kaika with the words after the plugin name", () => {
    const result = kubectl("kaika", "version");
    assert.equal(result.status, 0, result.stderr);
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as {
      version: string;
    };
    assert.match(result.stdout, new RegExp(`^kaika +${version.replaceAll(".", "\\.")}$`, "m"));
    const json = kubectl("kaika", "-o", "json", "version");
    assert.equal((JSON.parse(json.stdout) as { kaika: string }).kaika, version);
  });

  it("names itself kubectl kaika in help and usage errors, and passes kaika's exit code through", () => {
    const help = kubectl("kaika", "--help");
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: kubectl kaika \[options\] \[command\]$/m);
    assert.match(kubectl("kaika", "rollout", "--help").stdout, /^Usage: kubectl kaika rollout /m);
    const bad = kubectl("kaika", "no-such-command");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command 'no-such-command'/);
  });
});
