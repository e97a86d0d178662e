/** Rules for untrusted trees, checked from `git ls-tree` before anything is written: paths, symlinks, limits. */
import { type ContentLimitName, SourceError } from "./errors.ts";
import type { ContentLimits, GitRef } from "./types.ts";

/** One file or symlink of a commit's tree, as `git ls-tree -r -l` lists it. */
export interface TreeEntry {
  /** `100644`, `100755` or `120000` (gitlinks are dropped, other blob modes become `100644`). */
  readonly mode: "100644" | "100755" | "120000";
  readonly object: string;
  readonly size: number;
  readonly path: string;
}

/** Content limits with every default filled in. */
export type Limits = Required<ContentLimits>;

/** The defaults: 10 MiB per file, 20,000 files, 200 MiB in total. */
export const defaultLimits: Limits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxFiles: 20_000,
  maxTotalBytes: 200 * 1024 * 1024,
};

/** Longest symlink target accepted (Linux PATH_MAX). */
export const maxLinkTarget = 4096;

/** Where a rule is enforced, for error messages. */
export interface TreeContext {
  readonly url: string;
  readonly ref: GitRef | undefined;
  readonly commit: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses `git ls-tree -r -l -z` output, dropping gitlinks (submodules are not
 * fetched and not mentioned). Throws `ContentRefused` for a path that is not
 * UTF-8 or that a checkout must never write (`..`, `.git`, absolute, empty parts).
 */
export function parseLsTree(stdout: Buffer, where: TreeContext): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let start = 0;
  while (start < stdout.length) {
    let end = stdout.indexOf(0, start);
    if (end === -1) end = stdout.length;
    const record = stdout.subarray(start, end);
    start = end + 1;
    const tab = record.indexOf(9);
    const [mode, type, object, size] = record.subarray(0, tab).toString("latin1").split(/ +/);
    let path: string;
    try {
      path = utf8.decode(record.subarray(tab + 1));
    } catch {
      throw refused(where, record.subarray(tab + 1).toString("latin1"), "the path is not valid UTF-8");
    }
    if (type === "commit" || mode === "160000") continue;
    if (type !== "blob" || object === undefined) continue;
    checkPath(where, path);
    const normalized = mode === "120000" || mode === "100755" ? mode : "100644";
    entries.push({ mode: normalized, object, size: Number(size), path });
  }
  return entries;
}

function checkPath(where: TreeContext, path: string): void {
  const parts = path.split("/");
  for (const part of parts) {
    if (part === "" || part === "." || part === "..")
      throw refused(where, path, "the path has an empty, '.' or '..' part");
    if (part.toLowerCase() === ".git") throw refused(where, path, "the path has a '.git' part");
  }
}

/**
 * Enforces the limits over the listed sizes and checks that nothing lies
 * beneath a symlink. Returns the file count and byte total. Throws
 * `ContentRefused` naming the path and the limit.
 */
export function checkLimits(
  entries: readonly TreeEntry[],
  limits: Limits,
  where: TreeContext,
): { files: number; bytes: number } {
  const links = new Set(entries.filter((e) => e.mode === "120000").map((e) => e.path));
  let bytes = 0;
  for (const entry of entries) {
    if (entry.mode === "120000" && entry.size > maxLinkTarget) {
      throw refused(where, entry.path, `the symlink target is longer than ${maxLinkTarget} bytes`);
    }
    if (entry.size > limits.maxFileBytes) {
      throw refused(
        where,
        entry.path,
        `the file has ${entry.size} bytes, more than maxFileBytes ${limits.maxFileBytes}`,
        "maxFileBytes",
      );
    }
    bytes += entry.size;
    if (links.size > 0) {
      for (let i = entry.path.indexOf("/"); i !== -1; i = entry.path.indexOf("/", i + 1)) {
        const parent = entry.path.slice(0, i);
        if (links.has(parent)) throw refused(where, entry.path, `the path lies beneath the symlink ${parent}`);
      }
    }
  }
  if (entries.length > limits.maxFiles) {
    throw refused(
      where,
      undefined,
      `the tree has ${entries.length} files, more than maxFiles ${limits.maxFiles}`,
      "maxFiles",
    );
  }
  if (bytes > limits.maxTotalBytes) {
    throw refused(
      where,
      undefined,
      `the tree has ${bytes} bytes, more than maxTotalBytes ${limits.maxTotalBytes}`,
      "maxTotalBytes",
    );
  }
  return { files: entries.length, bytes };
}

/**
 * Checks every symlink (path → target) resolves inside the tree, following
 * symlinks through other symlinks the way the kernel would. Throws
 * `ContentRefused` naming the first symlink that is absolute, escapes, or loops.
 */
export function checkSymlinks(links: ReadonlyMap<string, string>, where: TreeContext): void {
  for (const [path, target] of links) {
    const why = symlinkProblem(path, links);
    if (why !== undefined) throw refused(where, path, `the symlink (-> ${JSON.stringify(target)}) ${why}`);
  }
}

/** Why the symlink at `path` is unsafe, or undefined when it stays inside the tree. */
export function symlinkProblem(path: string, links: ReadonlyMap<string, string>): string | undefined {
  const first = links.get(path);
  if (first === undefined) return undefined;
  if (first.startsWith("/")) return "is absolute";
  const stack = path.split("/").slice(0, -1);
  let pending = first.split("/");
  let hops = 0;
  for (let part = pending.shift(); part !== undefined; part = pending.shift()) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return "points outside the repository";
      stack.pop();
      continue;
    }
    stack.push(part);
    const target = links.get(stack.join("/"));
    if (target === undefined) continue;
    if (++hops > 40) return "loops";
    if (target.startsWith("/")) return "leads to an absolute symlink";
    stack.pop();
    pending = [...target.split("/"), ...pending];
  }
  return undefined;
}

function refused(where: TreeContext, path: string | undefined, why: string, limit?: ContentLimitName): SourceError {
  const at = path === undefined ? "" : `${path}: `;
  return new SourceError("ContentRefused", where.url, `commit ${where.commit}: ${at}${why}`, {
    ref: where.ref,
    path,
    limit,
  });
}
