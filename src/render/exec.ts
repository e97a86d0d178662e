/** Runs an external renderer (kubectl kustomize, helm template) with a timeout, an output cap and a clean environment. */
import { spawn } from "node:child_process";
import { realpath } from "node:fs/promises";
import { relative, resolve, sep } from "node:path";
import { RenderError } from "./errors.ts";

/** How long a renderer may run by default (60 s). */
export const defaultRenderTimeoutMs = 60_000;

/** The most output a renderer may print (64 MiB, as for a plain manifest file). */
export const maxRenderOutputBytes = 64 * 1024 * 1024;

/** How one external render runs. */
export interface ToolRun {
  readonly cwd: string;
  /** The whole environment of the child: nothing is inherited. */
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  /** Path relative to the render root, for errors: the kustomization or the chart. */
  readonly file: string;
  /** The real render root; removed from the tool's messages so they show repository paths. */
  readonly root: string;
}

/**
 * Runs `command args` and returns its stdout. Throws RenderError at `run.file`:
 * InvalidManifest with the tool's own message when it exits non-zero; FileTooLarge when it
 * prints more than maxRenderOutputBytes; ReadError when it cannot start (cause: the system
 * error) or runs past the timeout. The whole process group is killed on timeout.
 */
export function runTool(command: string, args: readonly string[], run: ToolRun): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: run.cwd,
      env: run.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let failure: RenderError | undefined;
    const stop = (error: RenderError): void => {
      failure ??= error;
      // Negative pid: the group, so helpers the tool started (git for remote bases) die too.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    };
    const timer = setTimeout(
      () => stop(new RenderError("ReadError", { file: run.file }, `${command} did not finish in ${run.timeoutMs} ms`)),
      run.timeoutMs,
    );
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxRenderOutputBytes) {
        stop(
          new RenderError("FileTooLarge", { file: run.file }, `${command} printed over ${maxRenderOutputBytes} bytes`),
        );
      } else out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (errBytes < 64 * 1024) err.push(chunk);
      errBytes += chunk.length;
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new RenderError("ReadError", { file: run.file, cause: error }, `cannot run ${command}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (code === 0) return resolvePromise(Buffer.concat(out).toString("utf8"));
      const message = toolMessage(Buffer.concat(err).toString("utf8"), run.root) || `exit ${code ?? signal}`;
      reject(new RenderError("InvalidManifest", { file: run.file }, message));
    });
  });
}

/**
 * The useful part of a tool's stderr: klog's `err="..."`, or `Error: ...` with the lines after it
 * (helm's schema errors list the bad keys there), with root paths made relative.
 */
export function toolMessage(stderr: string, root: string): string {
  let text = stderr.trim();
  const klog = /\berr="((?:[^"\\]|\\.)*)"/.exec(text);
  if (klog?.[1] !== undefined) {
    try {
      text = JSON.parse(`"${klog[1]}"`) as string;
    } catch {
      text = klog[1];
    }
  } else {
    const lines = text.split("\n");
    const first = lines.findIndex((l) => l.startsWith("Error: "));
    if (first >= 0)
      text = lines
        .slice(first)
        .map((l) => (l.startsWith("Error: ") ? l.slice("Error: ".length) : l))
        .join("\n");
  }
  return text.split(`${root}${sep}`).join("").split(root).join(".");
}

/** Whether real path `real` is `root` or below it. */
export function isInside(real: string, root: string): boolean {
  return real === root || real.startsWith(root + sep);
}

/** Outcome of resolving a path a renderer was given. */
export type Resolved =
  | { readonly ok: true; readonly real: string; readonly exists: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Resolves `entry` (relative to `base`, or absolute) and checks it stays under `root`
 * (a real path), before and after following symlinks. A missing target is ok when its
 * path stays inside (the tool reports it); `real` is then the lexical path.
 */
export async function resolveUnder(root: string, base: string, entry: string): Promise<Resolved> {
  const lexical = resolve(base, entry);
  if (!isInside(lexical, root)) return { ok: false, reason: "leads outside the repository root" };
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return { ok: true, real: lexical, exists: false };
  }
  if (!isInside(real, root)) return { ok: false, reason: "leads outside the repository root through a symlink" };
  return { ok: true, real, exists: true };
}

/** `full` relative to `root`, posix separators ("." for the root itself). */
export function relativePosix(root: string, full: string): string {
  return relative(root, full).split(sep).join("/") || ".";
}

/** A small environment for a renderer: PATH and a private HOME, nothing else unless asked. */
export function baseEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TMPDIR: home, ...extra };
}
