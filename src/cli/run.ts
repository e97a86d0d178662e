/** `kaika run`: the controller process — installs the CRDs, then runs the GitSource and Sync controllers. */
import { join } from "node:path";
import { kaikaCrds } from "../api/crds.ts";
import { addControllers } from "../controllers/index.ts";
import { KubeApi } from "../kube/api.ts";
import { cacheDir } from "../localfleet/binaries.ts";
import { createLogger, LeadershipLostError, Manager } from "../runtime/index.ts";
import type { GlobalOptions } from "./main.ts";

/** Flags of `kaika run`, named as controller-runtime names them. */
export interface RunFlags {
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace: string;
  readonly leaderElectionId: string;
  readonly installCrds: boolean;
  readonly dataDir?: string;
  readonly logLevel: string;
}

/** Runs until SIGTERM/SIGINT; exit 1 if leadership is lost or the manager fails. */
export async function run(options: GlobalOptions, flags: RunFlags): Promise<void> {
  const log = createLogger({ name: "kaika", level: flags.logLevel });
  const api = KubeApi.load({
    ...(options.kubeconfig ? { path: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  if (flags.installCrds) {
    for (const crd of kaikaCrds()) await api.apply(crd, { fieldManager: "kaika", force: true });
    log.info("CRDs installed");
  }
  const manager = new Manager({
    api,
    log,
    metricsBindAddress: flags.metricsBindAddress,
    healthProbeBindAddress: flags.healthProbeBindAddress,
    leaderElection: flags.leaderElect,
    leaderElectionNamespace: flags.leaderElectionNamespace,
    leaderElectionId: flags.leaderElectionId,
  });
  addControllers(manager, { dataDir: flags.dataDir ?? join(cacheDir(), "controller") });
  const stop = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => stop.abort());
  try {
    await manager.start(stop.signal);
  } catch (error) {
    if (error instanceof LeadershipLostError) log.error("leadership lost");
    throw error;
  } finally {
    await api.close();
  }
}
