/** Tests of `kaika completion`: scripts from kaika's real command tree, run in real bash, zsh and fish. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Argument, Command, Option } from "commander";
import { completionScript, completionTree } from "./completion.ts";

const kaika = join(import.meta.dirname, "..", "..", "bin", "kaika");
const dir = mkdtempSync(join(tmpdir(), "kaika-completion-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function installed(shell: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;
}

/** The script `bin/kaika completion SHELL` prints, saved to a file. */
function script(shell: string): string {
  const path = join(dir, `kaika.${shell}`);
  writeFileSync(path, execFileSync(kaika, ["completion", shell], { encoding: "utf8" }));
  return path;
}

/** POSIX single quoting. */
const sq = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

describe("completionTree", () => {
  it("reads commands, options, choices and argument choices from Commander; hidden commands are left out", () => {
    const root = new Command("kaika").addOption(new Option("-o, --output <format>").choices(["text", "json"]));
    root.command("run").option("--leader-elect").option("--log-level <level>");
    root.command("secret", { hidden: true });
    root.command("completion").addArgument(new Argument("<shell>").choices(["bash", "zsh"]));
    const tree = completionTree(root);
    assert.deepEqual(
      tree.map((c) => c.path),
      ["", "run", "completion"],
    );
    const top = tree[0];
    assert.deepEqual(
      top?.subcommands.map((s) => s.name),
      ["run", "completion", "help"],
    );
    assert.deepEqual(top?.options[0], {
      flags: ["-o", "--output"],
      description: "",
      takesValue: true,
      choices: ["text", "json"],
    });
    assert.deepEqual(
      tree[1]?.options.map((o) => [o.flags.join(","), o.takesValue]),
      [
        ["--leader-elect", false],
        ["--log-level", true],
        ["-h,--help", false],
      ],
    );
    assert.deepEqual(tree[2]?.argChoices, [["bash", "zsh"]]);
    assert.throws(() => completionScript(root, "bash", "kubectl kaika"), /not a completable program name/);
  });
});

describe("bash", () => {
  let path = "";
  before(() => {
    path = script("bash");
  });

  /** What _kaika_complete puts in COMPREPLY for COMP_WORDS `words` with the cursor on the last. */
  function complete(words: string[]): string[] {
    const program = [
      `source ${sq(path)}`,
      `COMP_WORDS=(${words.map(sq).join(" ")})`,
      `COMP_CWORD=${words.length - 1}`,
      "_kaika_complete",
      `printf "%s\\n" "\${COMPREPLY[@]}"`,
    ].join("\n");
    return execFileSync("bash", ["--norc", "--noprofile", "-c", program], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
  }

  it("completes commands, subcommands and options from the real tree", () => {
    assert.deepEqual(complete(["kaika", "ro"]), ["rollout"]);
    assert.deepEqual(complete(["kaika", "rollout", ""]), ["status", "pause", "resume", "promote", "help"]);
    assert.deepEqual(complete(["kaika", "cluster", "a"]), ["add"]);
    assert.deepEqual(complete(["kaika", "run", "--leader-elect-r"]), [
      "--leader-elect-renew-deadline",
      "--leader-elect-retry-period",
    ]);
    // Root options apply after a subcommand too.
    assert.deepEqual(complete(["kaika", "rollout", "status", "--kube"]), ["--kubeconfig"]);
  });

  it("completes the choices of an option and of an argument", () => {
    const formats = ["text", "json", "yaml", "wide", "sarif", "junit", "rules", "prometheusrule", "dot", "mermaid"];
    assert.deepEqual(complete(["kaika", "-o", ""]), formats);
    assert.deepEqual(complete(["kaika", "lint", "--output", "j"]), ["json", "junit"]);
    // bash splits --output=j at the = (COMP_WORDBREAKS).
    assert.deepEqual(complete(["kaika", "--output", "=", "ya"]), ["yaml"]);
    assert.deepEqual(complete(["kaika", "run", "--admission-failure-policy", ""]), ["Ignore", "Fail"]);
    assert.deepEqual(complete(["kaika", "lint", "--renderer", "h"]), ["helm", "hierarchy"]);
    assert.deepEqual(complete(["kaika", "completion", ""]), ["bash", "zsh", "fish"]);
  });

  it("skips option values and arguments when finding the command", () => {
    assert.deepEqual(complete(["kaika", "-n", "rollout", "rollout", "st"]), ["status"]);
    assert.deepEqual(complete(["kaika", "--context=x", "rollout", "p"]), ["pause", "promote"]);
    // After an argument, a subcommand's name is an argument: nothing to offer (bash completes files).
    assert.deepEqual(complete(["kaika", "rollout", "status", "status", ""]), []);
    assert.deepEqual(complete(["kaika", "lint", ""]), []);
  });
});

describe("zsh", { skip: !installed("zsh") && "zsh is not installed (scripts/test-deps installs it)" }, () => {
  let path = "";
  before(() => {
    path = script("zsh");
  });

  it("parses (zsh -n)", () => {
    execFileSync("zsh", ["-n", path]);
  });

  /** What _kaika offers for `line`, with zsh's completion builtins replaced by printers. */
  function complete(line: string): string[] {
    const program = [
      "compdef() { :; }",
      `source ${sq(path)}`,
      'compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }',
      "compset() { :; }",
      `_describe() { print -l -- "\${(@)\${(@P)4}%%:*}"; }`,
      "_files() { print _files; }",
      `line=${sq(line)}`,
      `words=(\${(z)line})`,
      '[[ $line == *" " ]] && words+=("")',
      `CURRENT=\${#words}`,
      "_kaika",
    ].join("\n");
    return execFileSync("zsh", ["-f", "-c", program], { encoding: "utf8" }).split("\n").filter(Boolean);
  }

  it("offers subcommands, options, choices and files", () => {
    assert.ok(complete("kaika ro").includes("rollout"));
    assert.deepEqual(complete("kaika rollout "), ["status", "pause", "resume", "promote", "help"]);
    assert.deepEqual(complete("kaika -o ").slice(0, 3), ["text", "json", "yaml"]);
    assert.deepEqual(complete("kaika --output=j").slice(0, 2), ["text", "json"]);
    assert.deepEqual(complete("kaika lint "), ["_files"]);
  });
});

describe("fish", { skip: !installed("fish") && "fish is not installed (scripts/test-deps installs it)" }, () => {
  let path = "";
  before(() => {
    path = script("fish");
  });

  it("parses (fish -n)", () => {
    execFileSync("fish", ["-n", path]);
  });

  /** The candidates of fish's own `complete -C` (descriptions dropped). */
  function complete(line: string): string[] {
    const out = execFileSync("fish", ["--no-config", "-c", `source ${sq(path)}; complete -C ${sq(line)}`], {
      encoding: "utf8",
    });
    return out
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t")[0] ?? "");
  }

  it("offers subcommands, options and choices", () => {
    assert.deepEqual(complete("kaika ro"), ["rollout"]);
    assert.deepEqual(complete("kaika rollout ").sort(), ["help", "pause", "promote", "resume", "status"]);
    assert.deepEqual(complete("kaika -o j"), ["json", "junit"]);
    assert.deepEqual(complete("kaika run --admission-failure-policy ").sort(), ["Fail", "Ignore"]);
    assert.deepEqual(complete("kaika completion ").sort(), ["bash", "fish", "zsh"]);
    assert.deepEqual(complete("kaika cluster add x --l"), ["--label"]);
  });
});
