/** `kaika dev up|status|down|build`: a local fleet for people. */
import {
  type BuildEvent,
  defaultKubeconfigPath,
  ensureBinaries,
  readSession,
  sessionStatus,
  startSession,
  stopSession,
  superviseSession,
} from "../localfleet/index.ts";
import type { GlobalOptions } from "./main.ts";
import { bad, ok, print, table } from "./output.ts";

/** Progress of the binary build, on stderr so -o json stays clean. */
function showBuild(event: BuildEvent): void {
  switch (event.type) {
    case "cached":
      console.error(`  ${event.component}: cached`);
      break;
    case "step":
      console.error(
        `  ${event.component}: ${event.step === "download" ? "downloading modules" : "building (first time takes minutes)"}…`,
      );
      break;
    case "compiled":
      console.error(`  ${event.component}: ${event.packages} packages compiled`);
      break;
    case "done":
      console.error(`  ${event.component}: built in ${event.seconds}s`);
      break;
  }
}

/** Builds or finds the binaries. */
export async function build(options: GlobalOptions): Promise<void> {
  console.error("local fleet binaries:");
  const binaries = await ensureBinaries(showBuild);
  print(options.output, binaries, () => {
    for (const [name, path] of Object.entries(binaries)) console.log(`${name.padEnd(22)}${path}`);
  });
}

/** Starts the fleet in a detached supervisor and prints how to reach it. */
export async function up(options: GlobalOptions, clusters: number): Promise<void> {
  console.error("local fleet binaries:");
  await ensureBinaries(showBuild);
  const kubeconfigPath = defaultKubeconfigPath(options.kubeconfig);
  console.error(`starting ${clusters} cluster${clusters > 1 ? "s" : ""}…`);
  const cli = process.argv[1];
  if (!cli) throw new Error("cannot tell the CLI's own path");
  const state = await startSession({
    clusters,
    kubeconfigPath,
    supervisorArgv: [process.execPath, cli, "dev", "supervise"],
  });
  print(options.output, state, () => {
    console.log(
      `${ok("ready")} in ${state.readySeconds?.toFixed(1)}s: ${state.clusters.map((c) => c.name).join(", ")}`,
    );
    console.log(`contexts added to ${kubeconfigPath}`);
    console.log(
      `try:   kubectl ${options.kubeconfig ? `--kubeconfig ${kubeconfigPath} ` : ""}--context ${state.clusters[1]?.name ?? state.clusters[0]?.name} get nodes`,
    );
    console.log("stop:  kaika dev down");
  });
}

/** Runs in the detached supervisor process. */
export async function supervise(options: GlobalOptions, clusters: number): Promise<void> {
  await superviseSession({ clusters, kubeconfigPath: defaultKubeconfigPath(options.kubeconfig) });
}

/** Prints each cluster's readiness; fails (exit 1) when there is no fleet or a cluster is not ready. */
export async function status(options: GlobalOptions): Promise<void> {
  const state = readSession();
  if (!state) throw new Error("no local fleet is up; start one with 'kaika dev up'");
  const clusters = state.phase === "ready" ? await sessionStatus(state) : [];
  print(options.output, { phase: state.phase, kubeconfig: state.kubeconfigPath, clusters }, () => {
    console.log(`fleet ${state.phase}, supervisor pid ${state.supervisorPid}, kubeconfig ${state.kubeconfigPath}`);
    table(
      ["context", "ready", "version", "nodes", "server"],
      clusters.map((c) => [
        c.name,
        c.ready ? ok("yes") : bad("no"),
        c.version ?? "-",
        String(c.nodesReady ?? "-"),
        c.server,
      ]),
    );
  });
  if (state.phase !== "ready" || clusters.some((c) => !c.ready)) process.exitCode = 1;
}

/** Stops the fleet and says what was stopped. */
export async function down(options: GlobalOptions): Promise<void> {
  const result = await stopSession();
  print(
    options.output,
    { stopped: result?.stopped.clusters.map((c) => c.name) ?? [], stale: result?.stale ?? false },
    () => {
      if (!result) console.log("no local fleet was up");
      else if (result.stale)
        console.log(
          `the supervisor had already exited; cleaned up ${result.stopped.clusters.length} clusters' contexts and leftovers`,
        );
      else
        console.log(
          `stopped ${result.stopped.clusters.map((c) => c.name).join(", ")}; contexts removed from ${result.stopped.kubeconfigPath}`,
        );
    },
  );
}
