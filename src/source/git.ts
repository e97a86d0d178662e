/** Running the real git CLI: argv without secrets, a deadline, stderr classified into SourceError codes. */
import { type ChildProcess, spawn } from "node:child_process";
import { describeRef, redact, SourceError, type SourceErrorCode } from "./errors.ts";
import type { GitEnv } from "./git-env.ts";
import type { GitRef } from "./types.ts";

/** What one git child produced. */
export interface GitResult {
  readonly code: number;
  readonly stdout: Buffer;
  /** Redacted tail of stderr. */
  readonly stderr: string;
}

/** Where a git child runs and what it reads. */
export interface RunOptions {
  /** Working directory; default the environment's empty HOME. */
  readonly cwd?: string;
  /** Written to stdin, which is closed after. */
  readonly input?: string;
  /** Kill the child and fail once stdout passes this many bytes. Default 256 MiB. */
  readonly maxOutputBytes?: number;
}

const authFailures = [
  /authentication failed/i,
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /permission denied \(/i,
  /host key verification failed/i,
  /no more authentication methods/i,
  /returned error: 40[13]\b/i,
  /invalid username or password/i,
  /HTTP Basic: Access denied/i,
];
const unreachable = [
  /could not resolve (host|hostname)/i,
  /connection (refused|timed out|reset)/i,
  /unable to connect/i,
  /network is unreachable/i,
  /no route to host/i,
  /does not appear to be a git repository/i,
  /repository .*not found/i,
  /not exported/i,
  /no such repository/i,
  /returned error: 404\b/i,
  /unable to access/i,
  /could not read from remote repository/i,
];
const missingRef = [/couldn't find remote ref/i, /not our ref/i, /unadvertised object/i];

/**
 * Maps git's stderr to a SourceError code. Auth is checked first because
 * git prints "Could not read from remote repository" after an SSH auth failure too.
 */
export function classifyGitError(stderr: string): SourceErrorCode {
  if (authFailures.some((re) => re.test(stderr))) return "AuthFailed";
  if (missingRef.some((re) => re.test(stderr))) return "RefNotFound";
  if (unreachable.some((re) => re.test(stderr))) return "Unreachable";
  return "GitFailed";
}

const stderrLimit = 64 * 1024;

/** Keeps the last few meaningful lines of stderr, redacted. */
function tail(text: string, secrets: readonly string[]): string {
  const lines = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "" && !l.startsWith("hint:"));
  return redact(lines.slice(-8).join("\n"), secrets).slice(-2000);
}

/**
 * Runs git for one operation on one URL. Every child gets the prepared
 * environment, is killed (SIGKILL) when the signal aborts or the deadline
 * passes, and its failures become SourceErrors naming the URL and ref.
 */
export class Git {
  readonly url: string;
  readonly ref: GitRef | undefined;
  readonly #env: GitEnv;
  readonly #signal: AbortSignal;
  readonly #caller: AbortSignal | undefined;
  readonly #timeoutMs: number;

  constructor(env: GitEnv, url: string, ref: GitRef | undefined, timeoutMs: number, caller?: AbortSignal) {
    this.#env = env;
    this.url = url;
    this.ref = ref;
    this.#caller = caller;
    this.#timeoutMs = timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    this.#signal = caller ? AbortSignal.any([caller, deadline]) : deadline;
  }

  /** Runs `git <args>` and returns stdout; a non-zero exit throws a classified SourceError. */
  async run(args: readonly string[], options: RunOptions = {}): Promise<Buffer> {
    const result = await this.tryRun(args, options);
    if (result.code !== 0) throw this.failure(args, result);
    return result.stdout;
  }

  /** Runs `git <args>` and returns the result whatever the exit code; only abort and spawn errors throw. */
  async tryRun(args: readonly string[], options: RunOptions = {}): Promise<GitResult> {
    const child = this.#spawn("git", args, options.cwd, options.input === undefined ? "ignore" : "pipe");
    // A child that exits before reading all of stdin reports that through its own status.
    child.stdin?.on("error", () => {});
    if (options.input !== undefined) child.stdin?.end(options.input);
    const stdout: Buffer[] = [];
    const limit = options.maxOutputBytes ?? 256 * 1024 * 1024;
    let size = 0;
    child.stdout?.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) child.kill("SIGKILL");
      else stdout.push(chunk);
    });
    const [code, stderr] = await this.#wait(child, "git");
    if (size > limit) {
      throw new SourceError("GitFailed", this.url, `git ${args[0]} printed more than ${limit} bytes; stopped it`, {
        ref: this.ref,
      });
    }
    return { code, stdout: Buffer.concat(stdout), stderr };
  }

  /** Streams `git archive <commit>` from the repository `gitDir` into `tar -x` in `dir`. */
  async archive(gitDir: string, commit: string, dir: string): Promise<void> {
    const git = this.#spawn("git", ["archive", "--format=tar", commit], gitDir, "ignore");
    const tar = this.#spawn("tar", ["-x", "--no-same-owner", "-f", "-", "-C", dir], dir, "pipe");
    git.stdout?.pipe(tar.stdin!);
    // tar exiting early closes the pipe; that is reported by tar's own status.
    tar.stdin?.on("error", () => {});
    const [[gitCode, gitErr], [tarCode, tarErr]] = await Promise.all([this.#wait(git, "git"), this.#wait(tar, "tar")]);
    if (gitCode !== 0)
      throw this.failure(["archive", commit], { code: gitCode, stdout: Buffer.alloc(0), stderr: gitErr });
    if (tarCode !== 0) {
      throw new SourceError("GitFailed", this.url, `extracting commit ${commit} with tar failed (exit ${tarCode})`, {
        ref: this.ref,
        stderr: tarErr,
      });
    }
  }

  /** A SourceError for a failed git command, coded from its stderr. */
  failure(args: readonly string[], result: GitResult, message?: string): SourceError {
    const code = classifyGitError(result.stderr);
    const what =
      message ??
      {
        AuthFailed: "the remote refused the credentials (or the SSH host key is not trusted)",
        RefNotFound: `${describeRef(this.ref)} was not found on the remote`,
        Unreachable: "the remote cannot be reached or is not a git repository",
        GitFailed: `git ${args[0]} failed (exit ${result.code})`,
        ContentRefused: "content refused",
        Invalid: "invalid request",
      }[code];
    return new SourceError(code, this.url, what, { ref: this.ref, stderr: result.stderr || undefined });
  }

  #spawn(command: string, args: readonly string[], cwd: string | undefined, stdin: "ignore" | "pipe"): ChildProcess {
    return spawn(command, [...args], {
      cwd: cwd ?? this.#env.home,
      env: this.#env.env,
      stdio: [stdin, "pipe", "pipe"],
      signal: this.#signal,
      killSignal: "SIGKILL",
    });
  }

  /** Resolves with (exit code, redacted stderr tail) once the child is reaped. */
  #wait(child: ChildProcess, name: string): Promise<[number, string]> {
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-stderrLimit);
    });
    return new Promise((resolve, reject) => {
      let spawnError: Error | undefined;
      child.once("error", (error) => {
        spawnError = error;
      });
      child.once("close", (code) => {
        if (this.#signal.aborted) reject(this.#aborted());
        else if (spawnError) {
          reject(
            new SourceError("GitFailed", this.url, `cannot run ${name}: ${spawnError.message}`, { ref: this.ref }),
          );
        } else resolve([code ?? 128, tail(stderr, this.#env.secrets)]);
      });
    });
  }

  #aborted(): unknown {
    if (this.#caller?.aborted) return this.#caller.reason;
    return new SourceError("Unreachable", this.url, `gave up after the ${this.#timeoutMs} ms deadline`, {
      ref: this.ref,
    });
  }
}
