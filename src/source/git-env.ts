/** The environment git children run in: no user or system config, no prompts, credentials only via env and 0600 temp files. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SourceError } from "./errors.ts";
import type { GitAuth } from "./types.ts";

/** A private environment for the git children of one operation; `dispose()` removes its temp files. */
export interface GitEnv {
  /** The whole environment of each git child (nothing else from this process leaks in). */
  readonly env: NodeJS.ProcessEnv;
  /** Values to redact from anything git prints. */
  readonly secrets: readonly string[];
  /** A private empty directory, used as HOME and as cwd when no repository is involved. */
  readonly home: string;
  /** Removes the temp directory with the key and known_hosts files. Never throws. */
  dispose(): Promise<void>;
}

// Only these are taken from this process: the tools, proxies and CA bundles a controller may need.
const passThrough = [
  "PATH",
  "TMPDIR",
  "http_proxy",
  "https_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "no_proxy",
  "NO_PROXY",
  "all_proxy",
  "ALL_PROXY",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "GIT_SSL_CAINFO",
];

// The helper reads the secret from the child's env, so neither argv, config nor a file holds it.
const credentialHelper =
  '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$KAIKA_GIT_USERNAME" "$KAIKA_GIT_PASSWORD"; }; f';

/**
 * Prepares the environment for git: HOME in a fresh 0700 temp dir, no
 * system/global config, `LC_ALL=C` (so stderr can be classified), no
 * terminal prompts, hooks off, only file/git/http(s)/ssh transports. HTTP
 * credentials go through a credential helper that reads them from the
 * child's env; an SSH key and known_hosts go to 0600 files. SSH always runs
 * with `StrictHostKeyChecking=yes`: without `knownHosts` only hosts in the
 * system known_hosts are trusted.
 */
export async function openGitEnv(url: string, auth: GitAuth | undefined): Promise<GitEnv> {
  for (const [field, value] of [
    ["username", auth?.username],
    ["password", auth?.password],
  ] as const) {
    if (value !== undefined && /[\n\r\0]/.test(value)) {
      throw new SourceError("Invalid", url, `auth.${field} must not contain line breaks or NUL`);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), "kaika-git-"));
  if (dir.includes("'")) throw new SourceError("Invalid", url, `temp dir ${dir} has a quote in its name`);
  const home = join(dir, "home");
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true }).catch(() => {});
  try {
    await mkdir(home, { mode: 0o700 });
    const env: NodeJS.ProcessEnv = {};
    for (const name of passThrough) if (process.env[name] !== undefined) env[name] = process.env[name];
    const config: [string, string][] = [
      ["core.hooksPath", "/dev/null"],
      ["core.fsmonitor", "false"],
      ["credential.helper", ""],
    ];
    const secrets: string[] = [];
    if (auth?.password !== undefined) {
      config.push(["credential.helper", credentialHelper]);
      env.KAIKA_GIT_USERNAME = auth.username ?? "git";
      env.KAIKA_GIT_PASSWORD = auth.password;
      secrets.push(auth.password);
    }
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    Object.assign(env, {
      GIT_CONFIG_COUNT: String(config.length),
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      LC_ALL: "C",
      LANG: "C",
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_ALLOW_PROTOCOL: "file:git:http:https:ssh",
      GIT_PAGER: "cat",
      GIT_SSH_VARIANT: "ssh",
      GIT_SSH_COMMAND: await sshCommand(dir, auth, secrets),
    });
    return { env, secrets, home, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Builds GIT_SSH_COMMAND, writing the key and known_hosts to 0600 files in `dir`. */
async function sshCommand(dir: string, auth: GitAuth | undefined, secrets: string[]): Promise<string> {
  let knownHosts = "/dev/null";
  if (auth?.knownHosts !== undefined) {
    knownHosts = join(dir, "known_hosts");
    await writeFile(knownHosts, withNewline(auth.knownHosts), { mode: 0o600 });
  }
  const args = [
    "ssh",
    "-F /dev/null",
    "-o BatchMode=yes",
    "-o IdentitiesOnly=yes",
    "-o StrictHostKeyChecking=yes",
    `-o UserKnownHostsFile='${knownHosts}'`,
    "-o ConnectTimeout=30",
  ];
  if (auth?.sshPrivateKey !== undefined) {
    const key = join(dir, "id");
    await writeFile(key, withNewline(auth.sshPrivateKey), { mode: 0o600 });
    secrets.push(auth.sshPrivateKey);
    args.push(`-i '${key}'`);
  }
  return args.join(" ");
}

// OpenSSH refuses a key file without a final newline.
function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
