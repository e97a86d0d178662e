/** A local fleet: one etcd and N clusters on loopback, for tests and for `kaika dev up`. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BuildEvent, ensureBinaries } from "./binaries.ts";
import { type LocalCluster, startCluster } from "./cluster.ts";
import { type LocalEtcd, startEtcd } from "./etcd.ts";
import { renderKubeconfig } from "./kubeconfig.ts";

/** Options of startFleet. */
export interface FleetOptions {
  /** Number of clusters, named kaika-1..kaika-N; default 1. */
  readonly clusters?: number;
  /** Fake nodes per cluster; default 3. */
  readonly nodesPerCluster?: number;
  /** Where data and logs go; default a new folder under the OS temp dir, removed on stop. */
  readonly dir?: string;
  /** Keep `dir` after stop (for reading logs); default false for a temp dir. */
  readonly keepDir?: boolean;
  /** Extra kube-apiserver flags for every cluster. */
  readonly apiserverArgs?: readonly string[];
  /** Build progress, when binaries are not cached yet. */
  readonly onBuild?: (event: BuildEvent) => void;
}

/** A running local fleet. */
export interface LocalFleet {
  readonly dir: string;
  readonly etcd: LocalEtcd;
  readonly clusters: readonly LocalCluster[];
  /** A kubeconfig with one context per cluster (kaika-1..N). */
  readonly kubeconfigPath: string;
  /** PIDs of every process of the fleet. */
  pids(): number[];
  /** Stops every process (clusters first, then etcd) and removes a temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts etcd and `clusters` local clusters in parallel and resolves when all
 * are ready. On failure everything already started is stopped before the error
 * is rethrown.
 */
export async function startFleet(options: FleetOptions = {}): Promise<LocalFleet> {
  const count = options.clusters ?? 1;
  const binaries = await ensureBinaries(options.onBuild);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "kaika-fleet-"));
  const removeDir = options.dir === undefined && !options.keepDir;
  const etcd = await startEtcd(binaries.etcd, join(dir, "etcd"));
  const names = Array.from({ length: count }, (_, i) => `kaika-${i + 1}`);
  const started = await Promise.allSettled(
    names.map((name) =>
      startCluster({
        name,
        binaries,
        etcdEndpoint: etcd.endpoint,
        dir: join(dir, name),
        ...(options.nodesPerCluster !== undefined ? { nodes: options.nodesPerCluster } : {}),
        ...(options.apiserverArgs ? { apiserverArgs: options.apiserverArgs } : {}),
      }),
    ),
  );
  const clusters = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(clusters.map((c) => c.stop()));
    await etcd.process.stop();
    if (removeDir) rmSync(dir, { recursive: true, force: true });
  };
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }

  const kubeconfigPath = join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, renderKubeconfig(clusters.map((c) => c.admin)), { mode: 0o600 });
  return {
    dir,
    etcd,
    clusters,
    kubeconfigPath,
    pids: () => [etcd.process.pid, ...clusters.flatMap((c) => c.processes.map((p) => p.pid))],
    stop,
  };
}
