/** Child processes of the local fleet: started with a log file, stopped for sure. */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";

/** Where and how to start one process. */
export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr go here (appended). */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
}

// setpriv makes the kernel kill the child when this process dies, even by
// SIGKILL, so a crashed test run leaves no apiserver behind.
const setpriv = existsSync("/usr/bin/setpriv") ? "/usr/bin/setpriv" : undefined;

const live = new Set<ManagedProcess>();

/** A running child process that belongs to the fleet. */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or null when killed by a signal) once the process is reaped. */
  readonly exited: Promise<number | null>;
  #child: ChildProcess;
  #done = false;

  constructor(spec: ProcessSpec) {
    const fd = openSync(spec.logFile, "a");
    const [command, args] = setpriv
      ? [setpriv, ["--pdeathsig", "KILL", "--", spec.command, ...spec.args]]
      : [spec.command, [...spec.args]];
    try {
      this.#child = spawn(command, args, { stdio: ["ignore", fd, fd], env: spec.env ?? process.env });
    } finally {
      closeSync(fd);
    }
    if (this.#child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    this.name = spec.name;
    this.pid = this.#child.pid;
    this.logFile = spec.logFile;
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code) => {
        this.#done = true;
        live.delete(this);
        resolve(code);
      });
      this.#child.once("error", () => {
        this.#done = true;
        live.delete(this);
        resolve(null);
      });
    });
  }

  /** True until the process has exited and been reaped. */
  get running(): boolean {
    return !this.#done;
  }

  /** Kills the process at once (SIGKILL) without waiting. */
  kill(): void {
    if (!this.#done) this.#child.kill("SIGKILL");
  }

  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process is reaped. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#done) return;
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts a process and registers it for cleanup on exit and on SIGINT/SIGTERM. */
export function startProcess(spec: ProcessSpec): ManagedProcess {
  installCleanup();
  return new ManagedProcess(spec);
}

let installed = false;

/** Kills every live fleet process when this Node process exits or is told to stop. */
function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.once("exit", () => {
    // Only synchronous work runs here: no grace period, straight SIGKILL.
    for (const p of live) p.kill();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      const stops = [...live].map((p) => p.stop(3000));
      Promise.allSettled(stops).finally(() => {
        // Only exit when nobody else handles the signal (the dev supervisor does).
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
      process.removeListener(signal, onSignal);
    };
    process.on(signal, onSignal);
  }
}
