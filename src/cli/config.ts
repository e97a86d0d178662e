/** Option values of every command from flags, `KAIKA_*` environment variables and a YAML file: flag > env > file > default. */
import type { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { UsageError } from "./output.ts";

/** Every derived environment variable starts with this. */
export const envPrefix = "KAIKA_";

/** The environment variable that names the config file (the `--config` flag's). */
export const configEnv = "KAIKA_CONFIG";

/** The config file is wrong: unreadable, not YAML, an unknown key or a bad value. The CLI exits 2. */
export class ConfigError extends UsageError {
  override readonly name = "ConfigError";
  readonly file: string;
  /** 1-based; 0 when the whole file is at fault (unreadable). */
  readonly line: number;
  readonly column: number;
  /** Dotted path of the key at fault (`run.leaderElect`), if any. */
  readonly key: string | undefined;

  constructor(file: string, line: number, column: number, key: string | undefined, message: string, cause?: unknown) {
    super(`${file}${line > 0 ? `:${line}:${column}` : ""}: ${message}`, cause === undefined ? undefined : { cause });
    this.file = file;
    this.line = line;
    this.column = column;
    this.key = key;
  }
}

/** Checked option values from a config file, by the command they belong to. */
export type ConfigValues = ReadonlyMap<Command, ReadonlyMap<string, unknown>>;

/**
 * The environment variable of `option`: KAIKA_ and its long flag without `--` and a `no-` prefix,
 * upper-cased, dashes to underscores (`--leader-elect` → KAIKA_LEADER_ELECT, `--no-install-crds` →
 * KAIKA_INSTALL_CRDS). Undefined for an option with only a short flag.
 */
export function envName(option: Option): string | undefined {
  if (!option.long) return undefined;
  return (
    envPrefix +
    option.long
      .replace(/^--(no-)?/, "")
      .replaceAll("-", "_")
      .toUpperCase()
  );
}

/**
 * Wires configuration into `root` once all its commands exist, and returns it:
 *
 * - adds `--config <file>` (env KAIKA_CONFIG) to `root`;
 * - gives every option of every command without an env variable of its own the one
 *   {@link envName} derives; booleans read true/false/1/0/yes/no/on/off, lists are split on
 *   whitespace, an empty value counts as unset;
 * - before each subcommand parses its flags, sets the file's values for it with source
 *   "config", which flags and env then override as Commander's precedence has it (so
 *   required options may come from the file); the root's own options are filled in from
 *   the file where neither a flag nor env set them.
 *
 * The file is read when the first subcommand is dispatched; a ConfigError (exit 2) names the
 * file, line and key of an unknown key or a bad value anywhere in it.
 */
export function configure(root: Command): Command {
  root.addOption(
    new Option("--config <file>", "YAML file of option values: camelCase flag names, nested per command").env(
      configEnv,
    ),
  );
  let values: ConfigValues | undefined;
  const load = (): ConfigValues => {
    if (values === undefined) {
      const file = root.getOptionValue("config") as string | undefined;
      values = file ? loadConfig(root, file) : new Map();
      for (const [key, value] of values.get(root) ?? []) {
        const source = root.getOptionValueSource(key);
        if (source === undefined || source === "default") root.setOptionValueWithSource(key, value, "config");
      }
    }
    return values;
  };
  for (const command of commandTree(root)) {
    for (const option of command.options) {
      if (option.envVar) continue;
      const name = envName(option);
      if (!name) continue;
      option.env(name);
      // Commander decides whether env applies (not over a flag); this decides how it is read.
      command.on(`optionEnv:${option.name()}`, () => fromEnv(command, option, name));
      // A flag replaces a file's value instead of adding to it (variadic options collect). Command is an
      // EventEmitter, though its typings declare only on(); this must run before Commander's own listener.
      (command as unknown as EventEmitter).prependListener(`option:${option.name()}`, () => {
        const key = option.attributeName();
        if (command.getOptionValueSource(key) === "config") command.setOptionValueWithSource(key, undefined, undefined);
      });
    }
    if (command.commands.length > 0) {
      command.hook("preSubcommand", (_parent, sub) => {
        for (const [key, value] of load().get(sub) ?? []) sub.setOptionValueWithSource(key, value, "config");
      });
    }
  }
  return root;
}

/** `command` and all its subcommands, depth first. */
export function commandTree(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandTree)];
}

/** Reads and checks the config file `file` against the options of `root`'s command tree. Throws ConfigError. */
export function loadConfig(root: Command, file: string): ConfigValues {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, 0, 0, undefined, `cannot read the config file: ${(error as Error).message}`, error);
  }
  return parseConfig(root, file, text);
}

/** Checks the YAML `text` of config file `file` against `root`'s command tree; see {@link loadConfig}. */
export function parseConfig(root: Command, file: string, text: string): ConfigValues {
  const lines = new LineCounter();
  // failsafe: every scalar stays the text written (`1.30` is not 1.3); booleans are read here.
  const doc = parseDocument(text, { lineCounter: lines, schema: "failsafe", prettyErrors: false });
  const at = (node: { range?: readonly number[] | null | undefined } | null | undefined): [number, number] => {
    const { line, col } = lines.linePos(node?.range?.[0] ?? 0);
    return [line, col];
  };
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw new ConfigError(file, line, col, undefined, `not valid YAML: ${first.message}`);
  }
  const values = new Map<Command, Map<string, unknown>>();
  if (doc.contents === null) return values;
  const walk = (map: Node | null, command: Command, path: readonly string[]): void => {
    const where = path.length > 0 ? path.join(" ") : "the top level";
    // An empty section (`run:` and nothing under it) sets nothing.
    if (isScalar(map) && map.value === "" && map.type === "PLAIN") return;
    if (!isMap(map)) {
      throw new ConfigError(file, ...at(map), path.join(".") || undefined, `${where} must be a map of keys`);
    }
    for (const pair of (map as YAMLMap<Node, Node | null>).items) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const dotted = [...path, key].join(".");
      const option = command.options.find((o) => o.attributeName() === key && o.long !== "--config");
      if (option) {
        const value = configValue(option, pair.value, (message) => {
          throw new ConfigError(file, ...at(pair.value ?? keyNode), dotted, `${dotted}: ${message}`);
        });
        const section = values.get(command) ?? new Map<string, unknown>();
        values.set(command, section.set(key, value));
        continue;
      }
      const sub = command.commands.find((c) => c.name() === key);
      if (sub) {
        walk(pair.value, sub, [...path, key]);
        continue;
      }
      throw new ConfigError(file, ...at(keyNode), dotted, unknownKey(command, key, where));
    }
  };
  walk(doc.contents, root, []);
  return values;
}

/** The message for an unknown key, with the likeliest key meant. */
function unknownKey(command: Command, key: string, where: string): string {
  const known = [
    ...command.options.filter((o) => o.long && o.long !== "--config").map((o) => o.attributeName()),
    ...command.commands.map((c) => c.name()),
  ];
  if (key === "config") return `unknown key "config": a config file cannot name another`;
  const camel = key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  if (camel !== key && known.includes(camel)) return `unknown key "${key}" in ${where}: keys are camelCase, "${camel}"`;
  const positive = camel.replace(/^no([A-Z])/, (_, c: string) => c.toLowerCase());
  if (positive !== camel && known.includes(positive))
    return `unknown key "${key}" in ${where}: write "${positive}: false" for --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const near = known
    .map((k) => ({ k, d: distance(k.toLowerCase(), key.toLowerCase()) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(key.length / 4)))
    .sort((a, b) => a.d - b.d)[0];
  return `unknown key "${key}" in ${where}${near ? ` (did you mean "${near.k}"?)` : ""}`;
}

/** The value `node` gives `option`, checked and converted as a flag's would be; calls `fail` with a reason. */
function configValue(option: Option, node: Node | null, fail: (message: string) => never): unknown {
  const scalar = (n: Node | null): string => {
    // failsafe reads `key:` with nothing after it as "" (a quoted "" is a value).
    if (!isScalar(n) || (n.value === "" && n.type === "PLAIN")) return fail("expected a value");
    return String(n.value);
  };
  const parse = (text: string, previous: unknown): unknown => {
    if (!option.parseArg) return option.variadic ? [...((previous as string[] | undefined) ?? []), text] : text;
    try {
      return option.parseArg(text, previous);
    } catch (error) {
      if (error instanceof InvalidArgumentError) return fail(error.message);
      throw error;
    }
  };
  if (!option.required && !option.optional) {
    const flag = node !== null && isScalar(node) ? parseBoolean(String(node.value)) : undefined;
    if (flag === undefined) return fail("expected true or false");
    return flag;
  }
  if (option.variadic) {
    const items = isSeq(node) ? node.items.map((n) => scalar(n as Node | null)) : [scalar(node)];
    return items.reduce<unknown>((previous, text) => parse(text, previous), undefined);
  }
  if (option.optional && isScalar(node) && parseBoolean(String(node.value)) === true) return option.presetArg ?? true;
  return parse(scalar(node), undefined);
}

/** Applies env variable `name` to `option` of `command` (Commander has decided it applies). */
function fromEnv(command: Command, option: Option, name: string): void {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return;
  const key = option.attributeName();
  const invalid = (why: string): UsageError =>
    new UsageError(`option '${option.flags}' from env ${name} is invalid: ${why}`);
  if (!option.required && !option.optional) {
    const flag = parseBoolean(raw);
    if (flag === undefined) throw invalid("expected true, false, 1, 0, yes, no, on or off");
    // A `--no-x` option stores x; KAIKA_X=false means --no-x.
    command.setOptionValueWithSource(key, flag, "env");
    return;
  }
  const parse = (text: string, previous: unknown): unknown => {
    if (!option.parseArg) return option.variadic ? [...((previous as string[] | undefined) ?? []), text] : text;
    try {
      return option.parseArg(text, previous);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw invalid(error.message);
      throw error;
    }
  };
  const value = option.variadic
    ? raw
        .trim()
        .split(/\s+/)
        .reduce<unknown>((previous, text) => parse(text, previous), undefined)
    : parse(raw, undefined);
  command.setOptionValueWithSource(key, value, "env");
}

/** true/false as flags' env variables and the config file spell them; undefined for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(t)) return true;
  if (["false", "0", "no", "off"].includes(t)) return false;
  return undefined;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The http(s) URLs in each of `files`, one per line (blank lines and `#` comments skipped), for
 * secrets mounted as files (a Kubernetes Secret's key). Throws ConfigError naming the file and
 * line — never the line's text, which is a secret.
 */
export function readUrlFiles(files: readonly string[] | undefined): string[] {
  const urls: string[] = [];
  for (const file of files ?? []) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(file, 0, 0, undefined, `cannot read: ${(error as NodeJS.ErrnoException).code}`, error);
    }
    for (const [i, raw] of text.split("\n").entries()) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      let url: URL | undefined;
      try {
        url = new URL(line);
      } catch {}
      if (url?.protocol !== "http:" && url?.protocol !== "https:")
        throw new ConfigError(
          file,
          i + 1,
          1,
          undefined,
          "not an http(s) URL (the line is not shown: it may hold a secret)",
        );
      urls.push(line);
    }
  }
  return urls;
}
