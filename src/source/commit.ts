/** What a fetched commit says of itself: subject and body, author, time — read from the URL's mirror. */
import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Git } from "./git.ts";
import { openGitEnv } from "./git-env.ts";
import { mirrorDir } from "./mirror.ts";
import { parseSourceUrl } from "./url.ts";

/** A commit's metadata. */
export interface CommitInfo {
  readonly sha: string;
  /** The whole message: subject, a blank line, the body. */
  readonly message: string;
  readonly author: string;
  readonly authorEmail: string;
  /** Author time, RFC 3339 with the author's offset. */
  readonly time: string;
}

/** Where to look: the cache dir fetchArtifact used for this URL. */
export interface ReadCommitOptions {
  readonly cacheDir: string;
  readonly url: string;
  readonly commit: string;
  readonly timeoutMs?: number;
}

/**
 * Reads a commit from the bare mirror fetchArtifact keeps for the URL under `cacheDir`; undefined
 * when there is no mirror or it does not hold the commit (never fetches). Throws SourceError for a
 * bad URL and when git fails otherwise.
 */
export async function readCommit(options: ReadCommitOptions): Promise<CommitInfo | undefined> {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(options.commit)) return undefined;
  const source = parseSourceUrl(options.url);
  const dir = mirrorDir(resolve(options.cacheDir), source);
  try {
    await access(join(dir, "HEAD"));
  } catch {
    return undefined;
  }
  const env = await openGitEnv(source.display, undefined);
  try {
    const git = new Git(env, source.display, undefined, options.timeoutMs ?? 10_000);
    const result = await git.tryRun(
      ["log", "-1", "--no-show-signature", "--format=%H%x00%an%x00%ae%x00%aI%x00%B", options.commit],
      {
        cwd: dir,
        maxOutputBytes: 1 << 20,
      },
    );
    if (result.code !== 0) return undefined;
    const [sha = "", author = "", authorEmail = "", time = "", ...message] = result.stdout.toString("utf8").split("\0");
    return { sha, author, authorEmail, time, message: message.join("\0").trim() };
  } finally {
    await env.dispose();
  }
}
