/** `kaika completion bash|zsh|fish`: completion scripts generated from the Commander command tree. */
import type { Command, Help } from "commander";

/** The shells `kaika completion` writes scripts for. */
export const shells = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof shells)[number];

/** One option as completion sees it. */
interface CompletedOption {
  /** `-o`, `--output`. */
  readonly flags: readonly string[];
  readonly description: string;
  readonly takesValue: boolean;
  /** From `.choices()`; completed after the flag. */
  readonly choices: readonly string[] | undefined;
}

/** One command as completion sees it: the words that reach it, its subcommands, options and argument choices. */
interface CompletedCommand {
  /** Command names from the root, space-separated; "" for the root. */
  readonly path: string;
  readonly subcommands: readonly { readonly name: string; readonly description: string }[];
  readonly options: readonly CompletedOption[];
  /** Choices of each positional argument, by position (undefined: free text or a file). */
  readonly argChoices: readonly (readonly string[] | undefined)[];
}

/** Every visible command under `root` (hidden ones left out), with what completion needs. */
export function completionTree(root: Command): CompletedCommand[] {
  const help = root.createHelp();
  const walk = (command: Command, path: string): CompletedCommand[] => {
    const subs = help.visibleCommands(command);
    const node: CompletedCommand = {
      path,
      subcommands: subs.map((c) => ({ name: c.name(), description: help.subcommandDescription(c) })),
      options: options(help, command),
      argChoices: command.registeredArguments.map((a) => a.argChoices),
    };
    // Commander's implicit `help` command has no tree of its own.
    const children = subs.filter((c) => c.name() !== "help" || command.commands.includes(c));
    return [node, ...children.flatMap((c) => walk(c, path ? `${path} ${c.name()}` : c.name()))];
  };
  return walk(root, "");
}

function options(help: Help, command: Command): CompletedOption[] {
  return help.visibleOptions(command).map((o) => ({
    flags: [o.short, o.long].filter((f): f is string => f !== undefined),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
  }));
}

/**
 * The completion script for `shell` of `root`'s commands, as the program `name` (default kaika).
 * Root options complete at every level (Commander accepts them after subcommands); options whose
 * values have `.choices()` complete those, other values and free arguments complete file names.
 */
export function completionScript(root: Command, shell: Shell, name = "kaika"): string {
  const tree = completionTree(root);
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new Error(`not a completable program name: ${name}`);
  const fn = name.replaceAll("-", "_");
  return shell === "fish" ? fish(tree, name, fn) : shell === "zsh" ? zsh(tree, name, fn) : bash(tree, name, fn);
}

/** POSIX single quoting (bash and zsh). */
function sq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The data functions bash and zsh share: subcommands, options, which options take values, choices. */
function shData(tree: readonly CompletedCommand[], fn: string): string {
  const root = tree.find((c) => c.path === "");
  const rootFlags = new Set(root?.options.flatMap((o) => o.flags));
  const lines: string[] = [];
  const cases = (name: string, comment: string, arms: string[]): void => {
    lines.push(`# ${comment}`, `_${fn}_${name}() {`, '  case "$1|$2" in', ...arms, "  esac", "  return 1", "}");
  };
  const arm = (patterns: readonly string[], body: string): string =>
    `    ${patterns.map(sq).join("|")}) ${body}; return 0 ;;`;
  const words = (list: readonly string[]): string => `echo ${sq(list.join(" "))}`;
  cases(
    "commands",
    "_commands PATH: the subcommands of the command at PATH (words from the root).",
    tree
      .filter((c) => c.subcommands.length > 0)
      .map((c) => arm([`${c.path}|`], words(c.subcommands.map((s) => s.name)))),
  );
  cases(
    "described",
    "_described PATH: the same, one `name:description` a line (for zsh's _describe).",
    tree
      .filter((c) => c.subcommands.length > 0)
      .map((c) =>
        arm(
          [`${c.path}|`],
          `printf '%s\\n' ${c.subcommands.map((s) => sq(`${s.name}:${s.description.split("\n")[0]}`)).join(" ")}`,
        ),
      ),
  );
  // The root's options apply everywhere: the completer asks for PATH and for "".
  cases(
    "options",
    "_options PATH: the options of the command at PATH (the root's apply everywhere).",
    tree.flatMap((c) => {
      const flags = c.options.flatMap((o) => o.flags).filter((f) => c.path === "" || !rootFlags.has(f));
      return flags.length ? [arm([`${c.path}|`], words(flags))] : [];
    }),
  );
  const valued = tree.flatMap((c) =>
    c.options.filter((o) => o.takesValue).flatMap((o) => o.flags.map((f) => `${c.path}|${f}`)),
  );
  cases("takes_value", "_takes_value PATH FLAG: FLAG takes a value there.", valued.length ? [arm(valued, ":")] : []);
  cases(
    "choices",
    "_choices PATH FLAG: the values of an option with choices.",
    tree.flatMap((c) =>
      c.options
        .filter((o) => o.choices?.length)
        .map((o) =>
          arm(
            o.flags.map((f) => `${c.path}|${f}`),
            words(o.choices ?? []),
          ),
        ),
    ),
  );
  cases(
    "arg_choices",
    "_arg_choices PATH N: the choices of the command's Nth argument (0-based).",
    tree.flatMap((c) =>
      c.argChoices.flatMap((choices, i) => (choices?.length ? [arm([`${c.path}|${i}`], words(choices))] : [])),
    ),
  );
  // Walks the words before the cursor: which command they reach, how many arguments it has
  // been given, and whether the word at the cursor is an option's value.
  lines.push(
    `# _state WORDS...: sets _${fn}_path, _${fn}_npos and _${fn}_value (the option awaiting a value).`,
    `_${fn}_state() {`,
    `  _${fn}_path="" _${fn}_npos=0 _${fn}_value=""`,
    "  local w",
    '  for w in "$@"; do',
    `    if [[ -n $_${fn}_value ]]; then`,
    `      [[ $w == "=" ]] || _${fn}_value=""`,
    "      continue",
    "    fi",
    '    case "$w" in',
    "      --*=*) ;;",
    `      -*) _${fn}_takes_value "$_${fn}_path" "$w" || _${fn}_takes_value "" "$w" && _${fn}_value="$w" ;;`,
    "      *)",
    `        if [[ $_${fn}_npos -eq 0 && " $(_${fn}_commands "$_${fn}_path") " == *" $w "* ]]; then`,
    `          _${fn}_path="\${_${fn}_path:+$_${fn}_path }$w"`,
    "        else",
    `          _${fn}_npos=$((_${fn}_npos + 1))`,
    "        fi",
    "        ;;",
    "    esac",
    "  done",
    "}",
    "# _candidates CUR: the words that may stand at the cursor (none: complete file names).",
    `_${fn}_candidates() {`,
    `  if [[ -n $_${fn}_value ]]; then`,
    `    _${fn}_choices "$_${fn}_path" "$_${fn}_value" || _${fn}_choices "" "$_${fn}_value"`,
    "  elif [[ $1 == -* ]]; then",
    `    _${fn}_options "$_${fn}_path"`,
    `    [[ -z $_${fn}_path ]] || _${fn}_options ""`,
    `  elif [[ $_${fn}_npos -eq 0 ]] && _${fn}_commands "$_${fn}_path"; then`,
    "    :",
    "  else",
    `    _${fn}_arg_choices "$_${fn}_path" "$_${fn}_npos"`,
    "  fi",
    "  return 0",
    "}",
  );
  return lines.join("\n");
}

function bash(tree: readonly CompletedCommand[], name: string, fn: string): string {
  return [
    `# bash completion for ${name}, generated by \`${name} completion bash\` from its commands.`,
    `# Load it with: source <(${name} completion bash)   or save it as /etc/bash_completion.d/${name}`,
    shData(tree, fn),
    `_${fn}_complete() {`,
    `  local cur="\${COMP_WORDS[COMP_CWORD]}"`,
    '  # "--output=" splits into "--output" "=" (COMP_WORDBREAKS); complete after the "=".',
    '  [[ $cur == "=" ]] && cur=""',
    `  _${fn}_state "\${COMP_WORDS[@]:1:COMP_CWORD-1}"`,
    `  COMPREPLY=($(compgen -W "$(_${fn}_candidates "$cur")" -- "$cur"))`,
    "}",
    `complete -o default -F _${fn}_complete ${name}`,
    "",
  ].join("\n");
}

function zsh(tree: readonly CompletedCommand[], name: string, fn: string): string {
  return [
    `#compdef ${name}`,
    `# zsh completion for ${name}, generated by \`${name} completion zsh\` from its commands.`,
    `# Load it with: source <(${name} completion zsh)   or save it as _${name} in a folder of $fpath`,
    shData(tree, fn),
    `_${fn}() {`,
    `  local cur="\${words[CURRENT]}"`,
    `  _${fn}_state "\${(@)words[2,CURRENT-1]}"`,
    "  # --output=<TAB>: the option's choices after the =.",
    "  if [[ $cur == --*=* ]]; then",
    `    local -a values=(\${=$(_${fn}_choices "$_${fn}_path" "\${cur%%=*}" || _${fn}_choices "" "\${cur%%=*}")})`,
    "    compset -P '*='",
    "    compadd -- $values",
    "    return",
    "  fi",
    `  if [[ -z $_${fn}_value && $cur != -* && $_${fn}_npos -eq 0 ]] && _${fn}_commands "$_${fn}_path" >/dev/null; then`,
    "    local -a described",
    `    described=("\${(@f)$(_${fn}_described "$_${fn}_path")}")`,
    `    _describe -t commands '${name} command' described`,
    "    return",
    "  fi",
    `  local -a candidates=(\${=$(_${fn}_candidates "$cur")})`,
    `  if (( \${#candidates} )); then compadd -- $candidates; else _files; fi`,
    "}",
    // Sourced: register; autoloaded from $fpath as _<name>: this file is the function's body.
    `if [[ "\${funcstack[1]}" == "_${fn}" ]]; then _${fn} "$@"; else compdef _${fn} ${name}; fi`,
    "",
  ].join("\n");
}

/** fish single quoting: only \\ and \' are escapes. */
function fq(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function fish(tree: readonly CompletedCommand[], name: string, fn: string): string {
  const root = tree.find((c) => c.path === "");
  const rootFlags = new Set(root?.options.flatMap((o) => o.flags));
  const valued = tree.flatMap((c) =>
    c.options.filter((o) => o.takesValue).flatMap((o) => o.flags.map((f) => `${c.path}|${f}`)),
  );
  const lines = [
    `# fish completion for ${name}, generated by \`${name} completion fish\` from its commands.`,
    `# Load it with: ${name} completion fish | source   or save it as ~/.config/fish/completions/${name}.fish`,
    `function __${fn}_takes_value`,
    '    switch "$argv[1]|$argv[2]"',
    ...(valued.length ? [`        case ${valued.map(fq).join(" ")}`, "            return 0"] : []),
    "    end",
    "    return 1",
    "end",
    `function __${fn}_commands`,
    '    switch "$argv[1]"',
    ...tree
      .filter((c) => c.subcommands.length > 0)
      .flatMap((c) => [
        `        case ${fq(c.path)}`,
        `            printf '%s\\n' ${c.subcommands.map((s) => fq(s.name)).join(" ")}`,
      ]),
    "    end",
    "end",
    "# Prints the command the words before the cursor reach, and how many arguments it has been given.",
    `function __${fn}_state`,
    "    set -l path ''",
    "    set -l npos 0",
    "    set -l value 0",
    "    for w in (commandline -opc)[2..-1]",
    "        if test $value = 1",
    "            set value 0",
    "            continue",
    "        end",
    "        switch $w",
    "            case '--*=*'",
    "            case '-*'",
    `                if __${fn}_takes_value "$path" $w; or __${fn}_takes_value '' $w`,
    "                    set value 1",
    "                end",
    "            case '*'",
    `                if test $npos = 0; and contains -- $w (__${fn}_commands "$path")`,
    '                    set path (string trim -- "$path $w")',
    "                else",
    "                    set npos (math $npos + 1)",
    "                end",
    "        end",
    "    end",
    '    echo "$path|$npos"',
    "end",
    "# At the command PATH (and, with N, at its Nth argument).",
    `function __${fn}_at`,
    `    set -l state (__${fn}_state)`,
    '    test (count $argv) -eq 2; and test "$state" = "$argv[1]|$argv[2]"; and return 0',
    '    test (count $argv) -eq 1; and string match -q -- "$argv[1]|*" "$state"',
    "end",
  ];
  const option = (o: CompletedOption, condition: string | undefined): string => {
    const parts = [`complete -c ${name}`];
    if (condition) parts.push(`-n ${fq(condition)}`);
    for (const f of o.flags) parts.push(f.startsWith("--") ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`);
    if (o.choices?.length) parts.push(`-x -a ${fq(o.choices.join(" "))}`);
    else if (o.takesValue) parts.push("-r -F");
    parts.push(`-d ${fq(o.description)}`);
    return parts.join(" ");
  };
  for (const c of tree) {
    const here = `__${fn}_at ${fq(c.path)}`;
    for (const s of c.subcommands)
      lines.push(
        `complete -c ${name} -f -n ${fq(`__${fn}_at ${fq(c.path)} 0`)} -a ${fq(s.name)} -d ${fq(s.description)}`,
      );
    for (const o of c.options) {
      if (c.path !== "" && o.flags.some((f) => rootFlags.has(f))) continue;
      lines.push(option(o, c.path === "" ? undefined : here));
    }
    c.argChoices.forEach((choices, i) => {
      if (choices?.length)
        lines.push(`complete -c ${name} -f -n ${fq(`__${fn}_at ${fq(c.path)} ${i}`)} -a ${fq(choices.join(" "))}`);
    });
  }
  return `${lines.join("\n")}\n`;
}
