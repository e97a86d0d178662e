/** Polling until a condition holds, failing early when the process it waits on dies. */
import { readFileSync } from "node:fs";
import type { ManagedProcess } from "./process.ts";

/** The thing waited for did not happen in time, or its process exited. */
export class WaitError extends Error {
  readonly code = "WaitFailed";
  readonly what: string;
  constructor(what: string, reason: string, options?: ErrorOptions) {
    super(`${what}: ${reason}`, options);
    this.what = what;
  }
}

/** Options for waitFor. */
export interface WaitOptions {
  readonly timeoutMs: number;
  /** Poll interval; default 100 ms. */
  readonly intervalMs?: number;
  /** Stop waiting as soon as this process exits, quoting its log's tail. */
  readonly process?: ManagedProcess;
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Polls `check` until it returns true; throws WaitError on timeout or when the watched process exits. */
export async function waitFor(what: string, check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const proc = options.process;
    if (proc && !proc.running) {
      throw new WaitError(what, `${proc.name} exited; last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`);
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      const log = proc ? `; last lines of ${proc.logFile}:\n${logTail(proc.logFile)}` : "";
      throw new WaitError(what, `not within ${options.timeoutMs} ms${detail}${log}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
