/**
 * The greeter operator: `node examples/greeter/operator.ts [manager flags]`.
 * Written only against kaika's public runtime API.
 */
import { KubeApi } from "kaika/kube";
import {
  createLogger,
  eventRecorder,
  LeadershipLostError,
  Manager,
  managerOptionsFrom,
  parseManagerFlags,
} from "kaika/runtime";
import { ConfigMap, Greeting, type GreetingObject, GreetingReconciler } from "./reconciler.ts";

const { flags } = parseManagerFlags(process.argv.slice(2), { leaderElectionId: "greeter-leader" });
const log = createLogger({ name: "greeter" });
const api = KubeApi.load({
  ...(flags.kubeconfig ? { path: flags.kubeconfig } : {}),
  ...(flags.context ? { context: flags.context } : {}),
});
const manager = new Manager({ api, log, ...managerOptionsFrom(flags) });
const greetings = manager.cache.informer<GreetingObject>(Greeting);
manager.add({
  name: "greeting",
  for: Greeting,
  owns: [ConfigMap],
  reconciler: new GreetingReconciler(
    api,
    greetings,
    eventRecorder(api, "greeter", (err) => log.warn({ err }, "event not recorded")),
  ),
  maxConcurrentReconciles: 2,
});

const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info({ signal }, "shutting down");
    stop.abort();
  });
}
try {
  await manager.start(stop.signal);
  await api.close();
} catch (error) {
  log.error({ err: error }, error instanceof LeadershipLostError ? "leadership lost" : "manager failed");
  process.exitCode = 1;
}
