/** `kaika run`: the controller process — installs the CRDs, then runs the GitSource and Sync controllers. */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { kaikaCrds } from "../api/crds.ts";
import { addControllers } from "../controllers/index.ts";
import { KubeApi } from "../kube/api.ts";
import { cacheDir } from "../localfleet/binaries.ts";
import { createLogger, LeadershipLostError, Manager } from "../runtime/index.ts";
import { serveAdmission } from "../server/admission-server.ts";
import { type WebhookOptions, webhookListener } from "../server/webhook.ts";
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
  readonly webhookBindAddress: string;
  readonly admissionBindAddress: string;
  readonly admissionFailurePolicy: "Fail" | "Ignore";
  readonly admissionTimeout: string;
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
  const handles = addControllers(manager, { dataDir: flags.dataDir ?? join(cacheDir(), "controller") });
  const stop = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => stop.abort());
  const hooks = await serveWebhooks(flags.webhookBindAddress, {
    lookup: (namespace, name) => handles.webhookTarget(namespace, name),
    trigger: (namespace, name) => {
      log.info({ source: `${namespace}/${name}` }, "webhook: fetch requested");
      handles.triggerSource(namespace, name);
    },
  });
  if (hooks) log.info({ address: flags.webhookBindAddress }, "serving webhooks at /hooks/<namespace>/<gitsource>");
  const admission =
    flags.admissionBindAddress === "0"
      ? undefined
      : await serveAdmission(api, {
          address: flags.admissionBindAddress,
          failurePolicy: flags.admissionFailurePolicy,
          timeoutSeconds: Number(flags.admissionTimeout),
        });
  if (admission) log.info({ address: flags.admissionBindAddress }, "serving the readiness admission webhook");
  try {
    await manager.start(stop.signal);
  } catch (error) {
    if (error instanceof LeadershipLostError) log.error("leadership lost");
    throw error;
  } finally {
    hooks?.closeAllConnections();
    hooks?.close();
    admission?.closeAllConnections();
    admission?.close();
    await api.close();
  }
}

/** Listens for webhooks on host:port; "0" disables. */
async function serveWebhooks(address: string, options: WebhookOptions): Promise<Server | undefined> {
  if (address === "0" || address === "") return undefined;
  const colon = address.lastIndexOf(":");
  const server = createServer(webhookListener(options));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(address.slice(colon + 1)), address.slice(0, colon) || "127.0.0.1", () => resolve());
  });
  return server;
}
