/** Repository URLs: which forms are allowed, and how a password in one is moved out of sight. */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { SourceError } from "./errors.ts";
import type { GitAuth } from "./types.ts";

/** How git reaches the remote. */
export type Transport = "file" | "git" | "http" | "ssh";

/** A checked repository URL. */
export interface SourceUrl {
  /** For people, status and cache keys: no password; local paths made absolute. */
  readonly display: string;
  /** What git is given (local paths become `file://` so shallow fetches work). */
  readonly remote: string;
  readonly transport: Transport;
  /** Credentials that were in the URL's userinfo, if it had a password. */
  readonly auth: GitAuth | undefined;
}

const schemes: Record<string, Transport> = {
  file: "file",
  git: "git",
  http: "http",
  https: "http",
  ssh: "ssh",
  "git+ssh": "ssh",
  "ssh+git": "ssh",
};

/**
 * Checks a repository URL: a local path, `file://`, `git://`, `http(s)://`,
 * `ssh://` or scp-like `[user@]host:path`. Any other scheme (`ext::` runs
 * commands) is refused with `Invalid`, as are arguments in disguise (`-…`).
 */
export function parseSourceUrl(url: string): SourceUrl {
  const invalid = (why: string): SourceError => new SourceError("Invalid", url, why);
  const raw = url.trim();
  if (raw === "") throw invalid("the repository URL is empty");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\x00-\x1f\x7f]/.test(raw)) throw invalid("the repository URL contains control characters");
  if (raw.startsWith("-")) throw invalid("the repository URL must not start with '-'");

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const transport = schemes[scheme];
    if (transport === undefined) throw invalid(`scheme "${scheme}://" is not allowed (use https, ssh, git or file)`);
    if (transport === "file") return { display: raw, remote: raw, transport, auth: undefined };
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw invalid("the repository URL cannot be parsed");
    }
    if (parsed.hostname.startsWith("-")) throw invalid("the host must not start with '-'");
    if (parsed.password === "") return { display: raw, remote: raw, transport, auth: undefined };
    if (transport !== "http") throw invalid("a password in the URL works only for http(s); use sshPrivateKey");
    const auth: GitAuth = {
      username: decodeURIComponent(parsed.username) || "git",
      password: decodeURIComponent(parsed.password),
    };
    parsed.username = "";
    parsed.password = "";
    return { display: parsed.href, remote: parsed.href, transport, auth };
  }
  if (raw.includes("::")) throw invalid("transport helpers (<transport>::<address>) are not allowed");

  // git's rule: a colon before the first slash makes it scp-like ssh.
  const colon = raw.indexOf(":");
  const slash = raw.indexOf("/");
  if (colon > 0 && (slash === -1 || colon < slash)) {
    const host = raw.slice(raw.indexOf("@") + 1, colon);
    if (host === "" || host.startsWith("-")) throw invalid("the host of an scp-like URL is empty or starts with '-'");
    return { display: raw, remote: raw, transport: "ssh", auth: undefined };
  }
  const path = resolve(raw);
  return { display: path, remote: `file://${path}`, transport: "file", auth: undefined };
}

/** A short, filesystem-safe key for a URL: the first 32 hex digits of its sha256. */
export function urlKey(display: string): string {
  return createHash("sha256").update(display).digest("hex").slice(0, 32);
}
