/** The fleet's one etcd: every cluster's apiserver stores under its own key prefix. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { type ManagedProcess, startProcess } from "./process.ts";
import { waitFor } from "./wait.ts";

/** A running etcd. */
export interface LocalEtcd {
  readonly endpoint: string;
  readonly process: ManagedProcess;
}

/** Starts etcd on free loopback ports with its data under `dir`, and waits until it is healthy. */
export async function startEtcd(binary: string, dir: string): Promise<LocalEtcd> {
  mkdirSync(dir, { recursive: true });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = startProcess({
    name: "etcd",
    command: binary,
    logFile: join(dir, "etcd.log"),
    args: [
      "--name=kaika",
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=kaika=${peer}`,
      // Test data is thrown away: skip fsync, which dominates etcd latency on shared disks.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
  });
  await waitFor(
    "etcd healthy",
    async () => {
      const res = await fetch(`${endpoint}/health`).catch(() => undefined);
      return res?.ok === true && ((await res.json()) as { health?: string }).health === "true";
    },
    { timeoutMs: 30_000, process: proc },
  );
  return { endpoint, process: proc };
}
