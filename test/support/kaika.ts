/** `kaika run` as a child process for integration tests, and fleet Clusters registered without the CLI. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureNamespace, type KubeApi } from "../../src/kube/api.ts";
import { NotFoundError } from "../../src/kube/errors.ts";
import { gvk } from "../../src/kube/types.ts";
import { type ContextEntry, renderKubeconfig } from "../../src/localfleet/kubeconfig.ts";

export const kaikaBin = fileURLToPath(new URL("../../bin/kaika", import.meta.url));

/** A running `kaika run`. */
export interface RunningKaika {
  readonly process: ChildProcess;
  /** Its stderr (the JSON log) so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts `bin/kaika --kubeconfig K [--context C] run` with servers that tests do not use turned off
 * (metrics, health, webhooks, audit) and `args` after them.
 */
export function startKaikaRun(kubeconfig: string, args: readonly string[], context?: string): RunningKaika {
  const child = spawn(
    kaikaBin,
    [
      "--kubeconfig",
      kubeconfig,
      ...(context ? ["--context", context] : []),
      "run",
      "--metrics-bind-address=0",
      "--health-probe-bind-address=0",
      "--webhook-bind-address=0",
      "--audit-interval=0",
      ...args,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    process: child,
    log: () => log,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), graceMs);
      });
      const first = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (first !== "late") return first;
      process.stderr.write(`kaika run (pid ${child.pid}) did not exit within ${graceMs} ms of SIGTERM: killed\n`);
      child.kill("SIGKILL");
      return exited;
    },
  };
}

/** Registers a local cluster as a fleet Cluster in kaika-system: a kubeconfig Secret and the Cluster, as `kaika cluster add` does. */
export async function registerCluster(
  admin: KubeApi,
  name: string,
  context: ContextEntry,
  labels: Record<string, string>,
): Promise<void> {
  await ensureNamespace(admin, "kaika-system");
  await admin.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${name}-kubeconfig`, namespace: "kaika-system" },
      stringData: { kubeconfig: renderKubeconfig([context]) },
    },
    { fieldManager: "test", force: true },
  );
  await admin.apply(
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Cluster",
      metadata: { name, namespace: "kaika-system", labels },
      spec: { kubeconfigSecretRef: { name: `${name}-kubeconfig` } },
    },
    { fieldManager: "test", force: true },
  );
}

/** The first container image of Deployment shop/web on a cluster, or undefined while it does not exist. */
export async function webImage(api: KubeApi): Promise<string | undefined> {
  try {
    const d = await api.get(gvk("apps/v1", "Deployment"), "web", "shop");
    return (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
