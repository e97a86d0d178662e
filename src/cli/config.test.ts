/** Tests of configuration: flag > env > config file > default on a real Commander program, and through bin/kaika. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { Command, Option } from "commander";
import { ConfigError, configure, envName, parseBoolean, readUrlFiles } from "./config.ts";

const dir = mkdtempSync(join(tmpdir(), "kaika-config-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(text: string): string {
  const path = join(dir, `config-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** Sets env variables for one test; afterEach removes them. */
const setEnv = new Set<string>();
function env(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    process.env[k] = v;
    setEnv.add(k);
  }
}
afterEach(() => {
  for (const k of setEnv) delete process.env[k];
  setEnv.clear();
});

interface Seen {
  command: string;
  opts: Record<string, unknown>;
  sources: Record<string, string | undefined>;
}

/** A small program shaped like kaika's, recording what each action saw. */
function program(): { root: Command; parse: (...argv: string[]) => Promise<Seen> } {
  let seen: Seen | undefined;
  // The command is the action's last argument.
  const record = (...args: unknown[]): void => {
    const cmd = args.at(-1) as Command;
    const opts = cmd.optsWithGlobals();
    const sources: Record<string, string | undefined> = {};
    for (const key of Object.keys(opts)) sources[key] = cmd.getOptionValueSourceWithGlobals(key);
    seen = { command: cmd.name(), opts, sources };
  };
  const root = new Command("kaika")
    .addOption(new Option("--kubeconfig <path>"))
    .addOption(new Option("-o, --output <format>").choices(["text", "json", "yaml"]))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  root
    .command("run")
    .option("--leader-elect", "hold the Lease", false)
    .option("--webhook-bind-address <addr>", "webhooks", "127.0.0.1:9292")
    .option("--shards <n>", "shards", "1")
    .option("--no-install-crds", "skip CRDs")
    .option("--notify-webhook-url <url...>", "receivers")
    .addOption(new Option("--admission-failure-policy <policy>").choices(["Ignore", "Fail"]).default("Ignore"))
    .action(record);
  root.command("sync").requiredOption("--repo <url>").option("--no-prune").action(record);
  root.command("cluster").command("add").argument("<name>").option("--label <kv...>").action(record);
  configure(root);
  return {
    root,
    parse: async (...argv) => {
      seen = undefined;
      await root.parseAsync(argv, { from: "user" });
      assert.ok(seen, "an action ran");
      return seen;
    },
  };
}

describe("envName", () => {
  it("derives KAIKA_ names from long flags, dropping a no- prefix", () => {
    assert.equal(envName(new Option("--leader-elect")), "KAIKA_LEADER_ELECT");
    assert.equal(envName(new Option("--webhook-bind-address <addr>")), "KAIKA_WEBHOOK_BIND_ADDRESS");
    assert.equal(envName(new Option("--no-install-crds")), "KAIKA_INSTALL_CRDS");
    assert.equal(envName(new Option("-n, --namespace <ns>")), "KAIKA_NAMESPACE");
    assert.equal(envName(new Option("-x")), undefined);
  });

  it("is set on every option of every command, and shown in help", () => {
    const { root } = program();
    const run = root.commands.find((c) => c.name() === "run");
    assert.equal(run?.options.find((o) => o.long === "--leader-elect")?.envVar, "KAIKA_LEADER_ELECT");
    assert.equal(root.options.find((o) => o.long === "--config")?.envVar, "KAIKA_CONFIG");
    assert.match(run?.helpInformation().replace(/\s+/g, " ") ?? "", /env: KAIKA_WEBHOOK_BIND_ADDRESS/);
  });
});

describe("precedence: flag > env > config file > default", () => {
  it("uses defaults when nothing is set", async () => {
    const seen = await program().parse("run");
    assert.equal(seen.opts.leaderElect, false);
    assert.equal(seen.opts.webhookBindAddress, "127.0.0.1:9292");
    assert.equal(seen.opts.installCrds, true);
    assert.equal(seen.sources.webhookBindAddress, "default");
  });

  it("a string option: file over default, env over file, flag over env", async () => {
    const config = file("run:\n  webhookBindAddress: 0.0.0.0:1\n");
    let seen = await program().parse("--config", config, "run");
    assert.equal(seen.opts.webhookBindAddress, "0.0.0.0:1");
    assert.equal(seen.sources.webhookBindAddress, "config");

    env({ KAIKA_WEBHOOK_BIND_ADDRESS: "0.0.0.0:2" });
    seen = await program().parse("--config", config, "run");
    assert.equal(seen.opts.webhookBindAddress, "0.0.0.0:2");
    assert.equal(seen.sources.webhookBindAddress, "env");

    seen = await program().parse("--config", config, "run", "--webhook-bind-address", "0.0.0.0:3");
    assert.equal(seen.opts.webhookBindAddress, "0.0.0.0:3");
    assert.equal(seen.sources.webhookBindAddress, "cli");
  });

  it("a boolean: file true, env false, flag true; KAIKA_X=false is honoured (not 'set means true')", async () => {
    const config = file("run:\n  leaderElect: true\n");
    assert.equal((await program().parse("--config", config, "run")).opts.leaderElect, true);
    env({ KAIKA_LEADER_ELECT: "false" });
    const seen = await program().parse("--config", config, "run");
    assert.equal(seen.opts.leaderElect, false);
    assert.equal(seen.sources.leaderElect, "env");
    assert.equal((await program().parse("--config", config, "run", "--leader-elect")).opts.leaderElect, true);
  });

  it("a negated flag: installCrds: false in the file, KAIKA_INSTALL_CRDS=true over it, --no-install-crds over env", async () => {
    const config = file("run:\n  installCrds: false\n");
    assert.equal((await program().parse("--config", config, "run")).opts.installCrds, false);
    env({ KAIKA_INSTALL_CRDS: "true" });
    assert.equal((await program().parse("--config", config, "run")).opts.installCrds, true);
    assert.equal((await program().parse("--config", config, "run", "--no-install-crds")).opts.installCrds, false);
  });

  it("a list: the file's list, env split on whitespace, flags replacing (not adding to) the file's", async () => {
    const config = file("run:\n  notifyWebhookUrl:\n    - http://a.example/1\n    - http://a.example/2\n");
    assert.deepEqual((await program().parse("--config", config, "run")).opts.notifyWebhookUrl, [
      "http://a.example/1",
      "http://a.example/2",
    ]);
    assert.deepEqual(
      (
        await program().parse(
          "--config",
          config,
          "run",
          "--notify-webhook-url",
          "http://c.example/",
          "http://d.example/",
        )
      ).opts.notifyWebhookUrl,
      ["http://c.example/", "http://d.example/"],
    );
    env({ KAIKA_NOTIFY_WEBHOOK_URL: " http://b.example/1\nhttp://b.example/2 " });
    assert.deepEqual((await program().parse("--config", config, "run")).opts.notifyWebhookUrl, [
      "http://b.example/1",
      "http://b.example/2",
    ]);
    // A single scalar is a one-item list.
    const one = file("cluster:\n  add:\n    label: env=prod\n");
    assert.deepEqual((await program().parse("--config", one, "cluster", "add", "c1")).opts.label, ["env=prod"]);
  });

  it("global options at the top level; a number is kept as the text written", async () => {
    const config = file("output: json\nkubeconfig: /from/file\nrun:\n  shards: 3\n");
    let seen = await program().parse("--config", config, "run");
    assert.equal(seen.opts.output, "json");
    assert.equal(seen.opts.shards, "3");
    env({ KAIKA_KUBECONFIG: "/from/env" });
    seen = await program().parse("--config", config, "-o", "yaml", "run");
    assert.equal(seen.opts.kubeconfig, "/from/env");
    assert.equal(seen.opts.output, "yaml");
  });

  it("KAIKA_CONFIG names the file; --config wins over it", async () => {
    env({ KAIKA_CONFIG: file("run:\n  shards: 4\n") });
    assert.equal((await program().parse("run")).opts.shards, "4");
    assert.equal((await program().parse("--config", file("run:\n  shards: 5\n"), "run")).opts.shards, "5");
  });

  it("a required option may come from the file or env", async () => {
    assert.equal((await program().parse("--config", file("sync:\n  repo: /srv/git\n"), "sync")).opts.repo, "/srv/git");
    env({ KAIKA_REPO: "/from/env" });
    assert.equal((await program().parse("sync")).opts.repo, "/from/env");
  });

  it("an empty env value counts as unset", async () => {
    env({ KAIKA_WEBHOOK_BIND_ADDRESS: "", KAIKA_LEADER_ELECT: " " });
    const seen = await program().parse("run");
    assert.equal(seen.opts.webhookBindAddress, "127.0.0.1:9292");
    assert.equal(seen.opts.leaderElect, false);
  });
});

describe("bad configuration", () => {
  async function configError(text: string, ...argv: string[]): Promise<ConfigError> {
    const path = file(text);
    try {
      await program().parse("--config", path, ...(argv.length ? argv : ["run"]));
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.file, path);
      assert.ok(error.message.startsWith(`${path}:`), error.message);
      return error;
    }
    assert.fail("no error");
  }

  it("an unknown key names the file, line, column and key, with the key meant", async () => {
    const e = await configError("output: json\nrun:\n  shards: 2\n  leaderElct: true\n");
    assert.deepEqual([e.line, e.column, e.key], [4, 3, "run.leaderElct"]);
    assert.match(e.message, /:4:3: unknown key "leaderElct" in run \(did you mean "leaderElect"\?\)/);
  });

  it("an unknown key in a section of another command is reported too", async () => {
    const e = await configError("sync:\n  repository: x\n");
    assert.equal(e.key, "sync.repository");
    assert.equal(e.line, 2);
  });

  it("nested sections and kebab-case keys", async () => {
    assert.match((await configError("cluster:\n  add:\n    labels: [a=b]\n")).message, /in cluster add/);
    assert.match((await configError("run:\n  leader-elect: true\n")).message, /keys are camelCase, "leaderElect"/);
    assert.match((await configError("run:\n  noInstallCrds: true\n")).message, /write "installCrds: false"/);
    assert.match((await configError("config: other.yaml\n")).message, /cannot name another/);
  });

  it("bad values: a boolean, a choice, a list where a value is expected, a missing value", async () => {
    assert.match(
      (await configError("run:\n  leaderElect: maybe\n")).message,
      /:2:16: run.leaderElect: expected true or false/,
    );
    assert.match(
      (await configError("run:\n  admissionFailurePolicy: Never\n")).message,
      /Allowed choices are Ignore, Fail/,
    );
    assert.match((await configError("run:\n  shards: [1, 2]\n")).message, /run.shards: expected a value/);
    assert.match((await configError("run:\n  shards:\n")).message, /run.shards: expected a value/);
    assert.match((await configError("run: true\n")).message, /run must be a map of keys/);
  });

  it("not YAML, and a file that cannot be read", async () => {
    const e = await configError("run:\n  shards: [1\n");
    assert.match(e.message, /not valid YAML/);
    await assert.rejects(program().parse("--config", join(dir, "missing.yaml"), "run"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /missing\.yaml: cannot read the config file: ENOENT/);
      return true;
    });
  });

  it("a bad env value names the variable", async () => {
    env({ KAIKA_LEADER_ELECT: "maybe" });
    await assert.rejects(program().parse("run"), /from env KAIKA_LEADER_ELECT is invalid: expected true, false/);
  });

  it("an empty file and an empty section set nothing", async () => {
    assert.equal((await program().parse("--config", file("# nothing\n"), "run")).opts.shards, "1");
    assert.equal((await program().parse("--config", file("run:\n"), "run")).opts.shards, "1");
  });

  it("parseBoolean", () => {
    assert.deepEqual(["true", "TRUE", "1", "yes", "on", "false", "0", "no", "Off", "", "2"].map(parseBoolean), [
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      undefined,
      undefined,
    ]);
  });
});

describe("readUrlFiles", () => {
  it("reads one URL per line from each file, skipping blanks and comments", () => {
    const a = file("# the team's hook\nhttps://hooks.example/T0/B0/secret\n\n  http://127.0.0.1:9/x  \n");
    const b = file("https://other.example/hook");
    assert.deepEqual(readUrlFiles([a, b]), [
      "https://hooks.example/T0/B0/secret",
      "http://127.0.0.1:9/x",
      "https://other.example/hook",
    ]);
    assert.deepEqual(readUrlFiles(undefined), []);
  });

  it("names the file and line of a bad line without showing it", () => {
    const path = file("https://ok.example/\nhooks.example/s3cr3t\n");
    assert.throws(
      () => readUrlFiles([path]),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message, `${path}:2:1: not an http(s) URL (the line is not shown: it may hold a secret)`);
        assert.doesNotMatch(error.message, /s3cr3t/);
        return true;
      },
    );
    assert.throws(() => readUrlFiles([join(dir, "absent")]), /absent: cannot read: ENOENT/);
  });
});

describe("bin/kaika", () => {
  const kaika = join(import.meta.dirname, "..", "..", "bin", "kaika");
  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawnSync(kaika, args, { encoding: "utf8", env: { ...process.env, ...extraEnv } });

  it("every command's help names its env variables", () => {
    // Help wraps where it likes.
    const help = cli(["run", "--help"]).stdout.replace(/\s+/g, " ");
    assert.match(help, /--leader-elect [^-]*env: KAIKA_LEADER_ELECT\)/);
    assert.match(help, /--webhook-bind-address [^-]*env: KAIKA_WEBHOOK_BIND_ADDRESS\)/);
    assert.match(cli(["--help"]).stdout.replace(/\s+/g, " "), /--config <file> [^-]*env: KAIKA_CONFIG\)/);
  });

  it("reads the config file and env in that order: -o json from the file, yaml from env", () => {
    const config = file("output: json\n");
    assert.match(cli(["--config", config, "crds"]).stdout, /^\{\n {2}"apiVersion": "v1",/);
    assert.match(cli(["crds"], { KAIKA_CONFIG: config, KAIKA_OUTPUT: "yaml" }).stdout, /^apiVersion: apiextensions/);
  });

  it("kaika run reads --notify-webhook-url-file (or KAIKA_NOTIFY_WEBHOOK_URL_FILE) before touching the cluster", () => {
    const secret = file("not-a-url-s3cr3t\n");
    const result = cli(["--kubeconfig", join(dir, "no-kubeconfig"), "run"], {
      KAIKA_NOTIFY_WEBHOOK_URL_FILE: `${file("https://ok.example/")} ${secret}`,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`${secret}:1:1: not an http\\(s\\) URL`));
    assert.doesNotMatch(result.stderr, /s3cr3t/);
  });

  it("accepts the example config file of docs/configuration.md", () => {
    const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "configuration.md"), "utf8");
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    assert.ok(example.includes("leaderElect: true"));
    const result = cli(["--config", file(example), "crds"]);
    assert.equal(result.status, 0, result.stderr);
  });

  it("exits 2 naming the file, line and key of an unknown key", () => {
    const config = file("run:\n  leaderElect: true\n  webhookBindAdress: 0.0.0.0:9292\n");
    const result = cli(["crds"], { KAIKA_CONFIG: config });
    assert.equal(result.status, 2);
    assert.equal(
      result.stderr.trim(),
      `error: ${config}:3:3: unknown key "webhookBindAdress" in run (did you mean "webhookBindAddress"?)`,
    );
  });
});
