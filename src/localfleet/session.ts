/**
 * A long-lived local fleet for people (`kaika dev up/status/down`): a detached
 * supervisor process owns the fleet, a state file says where it is, and the
 * clusters appear as contexts kaika-1..N in the user's kubeconfig.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { KubeClient } from "../kube/client.ts";
import { cacheDir } from "./binaries.ts";
import { readyNodes } from "./cluster.ts";
import { startFleet } from "./fleet.ts";
import { mergeKubeconfig, removeFromKubeconfig } from "./kubeconfig.ts";

/** What the supervisor writes about itself; `phase` moves starting → ready → stopping. */
export interface SessionState {
  readonly supervisorPid: number;
  readonly phase: "starting" | "ready" | "failed" | "stopping";
  readonly error?: string;
  /** The kubeconfig the contexts were merged into. */
  readonly kubeconfigPath: string;
  readonly dir?: string;
  readonly startedAt: string;
  readonly readySeconds?: number;
  readonly clusters: readonly { readonly name: string; readonly server: string; readonly pids: readonly number[] }[];
  readonly etcdPid?: number;
}

/** One cluster as `kaika dev status` reports it. */
export interface ClusterStatus {
  readonly name: string;
  readonly server: string;
  readonly ready: boolean;
  readonly version?: string;
  readonly nodesReady?: number;
  readonly error?: string;
}

/** The folder of the dev session's state file and supervisor log: $KAIKA_DEV_STATE_DIR, else <cache>/dev. */
export function sessionDir(): string {
  return process.env.KAIKA_DEV_STATE_DIR || join(cacheDir(), "dev");
}

const statePath = (): string => join(sessionDir(), "state.json");

/** The kubeconfig contexts go to: the given path, else the first of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(explicit?: string): string {
  if (explicit) return explicit;
  const fromEnv = process.env.KUBECONFIG?.split(":").find((p) => p.length > 0);
  return fromEnv ?? join(homedir(), ".kube", "config");
}

/** The current session's state, or undefined when there is none. */
export function readSession(): SessionState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(), "utf8")) as SessionState;
  } catch {
    return undefined;
  }
}

function writeSession(state: SessionState): void {
  mkdirSync(sessionDir(), { recursive: true });
  // Readers poll this file: write whole, then rename.
  writeFileSync(`${statePath()}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${statePath()}.tmp`, statePath());
}

/** True while a process with this PID exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A PID of the state file may have been reused since: only kill what still runs our binaries. */
function isFleetProcess(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes(cacheDir()) || cmdline.includes("supervise");
  } catch {
    return false;
  }
}

function contextNames(state: SessionState): { contexts: string[]; users: string[] } {
  return { contexts: state.clusters.map((c) => c.name), users: state.clusters.map((c) => `${c.name}-admin`) };
}

function dropContexts(state: SessionState): void {
  if (!existsSync(state.kubeconfigPath)) return;
  const { contexts, users } = contextNames(state);
  writeFileSync(
    state.kubeconfigPath,
    removeFromKubeconfig(readFileSync(state.kubeconfigPath, "utf8"), contexts, users),
    {
      mode: 0o600,
    },
  );
}

/**
 * Runs in the detached supervisor: starts the fleet, merges its contexts into
 * the kubeconfig, publishes `ready`, then holds until SIGTERM/SIGINT and tears
 * everything down, contexts included.
 */
export async function superviseSession(options: { clusters: number; kubeconfigPath: string }): Promise<void> {
  const startedAt = new Date();
  const base = {
    supervisorPid: process.pid,
    kubeconfigPath: options.kubeconfigPath,
    startedAt: startedAt.toISOString(),
  };
  writeSession({ ...base, phase: "starting", clusters: [] });
  let fleet: Awaited<ReturnType<typeof startFleet>>;
  try {
    fleet = await startFleet({ clusters: options.clusters });
  } catch (error) {
    writeSession({
      ...base,
      phase: "failed",
      error: error instanceof Error ? error.message : String(error),
      clusters: [],
    });
    throw error;
  }
  const state: SessionState = {
    ...base,
    phase: "ready",
    dir: fleet.dir,
    readySeconds: (Date.now() - startedAt.getTime()) / 1000,
    etcdPid: fleet.etcd.process.pid,
    clusters: fleet.clusters.map((c) => ({ name: c.name, server: c.server, pids: c.processes.map((p) => p.pid) })),
  };
  mkdirSync(dirname(options.kubeconfigPath), { recursive: true });
  const existing = existsSync(options.kubeconfigPath) ? readFileSync(options.kubeconfigPath, "utf8") : undefined;
  writeFileSync(
    options.kubeconfigPath,
    mergeKubeconfig(
      existing,
      fleet.clusters.map((c) => c.admin),
    ),
    { mode: 0o600 },
  );
  writeSession(state);

  await new Promise<void>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(signal, () => resolve());
  });
  writeSession({ ...state, phase: "stopping" });
  dropContexts(state);
  await fleet.stop();
  rmSync(statePath(), { force: true });
}

/** Options of startSession. */
export interface StartSessionOptions {
  readonly clusters: number;
  readonly kubeconfigPath: string;
  /** argv that runs `superviseSession` in a new process (the CLI's hidden `dev supervise`). */
  readonly supervisorArgv: readonly string[];
  readonly timeoutMs?: number;
}

/** Starts the supervisor detached from this terminal and waits until its fleet is ready. */
export async function startSession(options: StartSessionOptions): Promise<SessionState> {
  const current = readSession();
  if (current && isAlive(current.supervisorPid)) {
    throw new Error(
      `a local fleet is already up (${current.clusters.length} clusters, pid ${current.supervisorPid}); run 'kaika dev down' first`,
    );
  }
  mkdirSync(sessionDir(), { recursive: true });
  rmSync(statePath(), { force: true });
  const logPath = join(sessionDir(), "supervisor.log");
  const log = openSync(logPath, "w");
  const [command, ...args] = options.supervisorArgv;
  if (!command) throw new Error("supervisorArgv is empty");
  const child = spawn(command, [...args, `--clusters=${options.clusters}`, `--kubeconfig=${options.kubeconfigPath}`], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  child.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  for (;;) {
    const state = readSession();
    if (state?.phase === "ready") return state;
    if (state?.phase === "failed")
      throw new Error(`the local fleet failed to start: ${state.error}\n(log: ${logPath})`);
    if (child.exitCode !== null || (child.pid !== undefined && !isAlive(child.pid))) {
      throw new Error(`the fleet supervisor exited early; see ${logPath}`);
    }
    if (Date.now() > deadline) throw new Error(`the local fleet was not ready in time; see ${logPath}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Asks each cluster of the session for /readyz, its version and its Ready nodes. */
export async function sessionStatus(state: SessionState): Promise<ClusterStatus[]> {
  return Promise.all(
    state.clusters.map(async (c): Promise<ClusterStatus> => {
      const client = KubeClient.load({ path: state.kubeconfigPath, context: c.name });
      try {
        const ready = (await client.request<string>("GET", "/readyz", { timeoutMs: 3000 })) === "ok";
        const version = (await client.get<{ gitVersion: string }>("/version")).gitVersion;
        return { name: c.name, server: c.server, ready, version, nodesReady: await readyNodes(client) };
      } catch (error) {
        return {
          name: c.name,
          server: c.server,
          ready: false,
          error: error instanceof Error ? error.message : String(error),
        };
      } finally {
        await client.close();
      }
    }),
  );
}

/**
 * Stops the session: SIGTERM to the supervisor, wait for it, then make sure no
 * fleet process is left (SIGKILL stragglers) and the contexts are gone.
 * Returns undefined when no session existed.
 */
export async function stopSession(timeoutMs = 30_000): Promise<{ stopped: SessionState; stale: boolean } | undefined> {
  const state = readSession();
  if (!state) return undefined;
  const stale = !isAlive(state.supervisorPid);
  if (!stale) process.kill(state.supervisorPid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(state.supervisorPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const pids = [
    state.supervisorPid,
    ...(state.etcdPid ? [state.etcdPid] : []),
    ...state.clusters.flatMap((c) => c.pids),
  ];
  for (const pid of pids.filter(isFleetProcess)) process.kill(pid, "SIGKILL");
  dropContexts(state);
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  rmSync(statePath(), { force: true });
  return { stopped: state, stale };
}
