/** Child process of bench/runtime.ts: runs one informer (kaika or client-node) and reports its memory and latency over IPC. */
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { KubeObject } from "../../src/kube/types.ts";
import type { WorkQueue } from "../../src/runtime/workqueue.ts";
import { type ChildMessage, type Memory, type ParentMessage, type Side, sleep, summarize } from "./protocol.ts";

/** The part of a ConfigMap the benchmark reads. */
interface ConfigMapLike {
  metadata?: { name?: string | undefined; namespace?: string | undefined } | undefined;
  data?: Record<string, string> | undefined;
}

/** Called for each update event the informer delivers, with the object's "namespace/name" key. */
type OnUpdate = (key: string, object: ConfigMapLike) => void;

/** A synced informer: its cache and how to stop it. */
interface Running {
  size(): number;
  get(key: string): ConfigMapLike | undefined;
  errors(): number;
  stop(): Promise<void>;
}

/** A loaded library, not yet talking to the cluster. */
type Starter = (onUpdate: OnUpdate) => Promise<Running>;

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** Loads kaika's Informer; the starter lists and watches `namespace` with default options (managedFields dropped). */
async function loadKaika(kubeconfig: string, namespace: string): Promise<Starter> {
  const [{ KubeApi }, { Informer }, { objectKey }] = await Promise.all([
    import("../../src/kube/api.ts"),
    import("../../src/runtime/informer.ts"),
    import("../../src/kube/types.ts"),
  ]);
  return async (onUpdate) => {
    const api = KubeApi.load({ path: kubeconfig });
    let restarts = 0;
    const informer = new Informer<ConfigMap>(
      api,
      { group: "", version: "v1", kind: "ConfigMap" },
      { namespace, onRestart: () => restarts++ },
    );
    informer.addHandler({ onUpdate: (_previous, object) => onUpdate(objectKey(object), object) });
    const abort = new AbortController();
    const running = informer.run(abort.signal).catch(() => undefined);
    await informer.waitForSync(600_000);
    return {
      size: () => informer.size,
      get: (key) => informer.get(key),
      errors: () => restarts,
      stop: async () => {
        abort.abort();
        await running;
        await api.close();
      },
    };
  };
}

/**
 * Loads @kubernetes/client-node's informer as its docs use it: makeInformer(kc, path, listFn) with
 * CoreV1Api.listNamespacedConfigMap, and on error a restart after a delay.
 */
async function loadClientNode(kubeconfig: string, namespace: string): Promise<Starter> {
  const k8s = await import("@kubernetes/client-node");
  return async (onUpdate) => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace }),
    );
    let errors = 0;
    let stopped = false;
    informer.on("update", (object) => onUpdate(`${object.metadata?.namespace}/${object.metadata?.name}`, object));
    informer.on("error", () => {
      errors++;
      if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 1000);
    });
    await informer.start();
    return {
      size: () => informer.list().length,
      get: (key) => {
        const [ns, name] = key.split("/");
        return informer.get(name ?? "", ns);
      },
      errors: () => errors,
      stop: async () => {
        stopped = true;
        await informer.stop();
      },
    };
  };
}

/** Memory after forcing full garbage collections and letting the process settle. */
async function settledMemory(): Promise<Memory> {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(200);
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, {}, () => resolve()));
}

function nextMessage(): Promise<ParentMessage> {
  return new Promise((resolve) => process.once("message", (m) => resolve(m as ParentMessage)));
}

/** Runs the child's protocol: baseline → start/synced → stats… → finish/result, then exits. */
async function main(): Promise<void> {
  const [side, kubeconfig, namespace] = process.argv.slice(2) as [Side, string, string];
  if (!globalThis.gc) throw new Error("run with --expose-gc");
  // Both sides feed the same reconcile path, kaika's WorkQueue + runWorkers, so only the informers differ.
  const { WorkQueue, runWorkers } = await import("../../src/runtime/workqueue.ts");
  const starter =
    side === "kaika" ? await loadKaika(kubeconfig, namespace) : await loadClientNode(kubeconfig, namespace);
  await send({ type: "baseline", memory: await settledMemory() });

  if ((await nextMessage()).type !== "start") throw new Error("expected start");
  const queue: WorkQueue = new WorkQueue();
  let events = 0;
  let reconciles = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  const informer = await starter((key, object) => {
    // Objects start with t = "0"; only the parent's updates carry a send time.
    if (!object.data?.t || object.data.t === "0") return;
    events++;
    queue.add(key);
  });
  const syncMs = performance.now() - t0;
  const workers = runWorkers(queue, 2, async (key) => {
    const sentAt = Number(informer.get(key)?.data?.t);
    reconciles++;
    if (sentAt > 0) latencies.push(Date.now() - sentAt);
  });
  await send({ type: "synced", memory: await settledMemory(), cached: informer.size(), syncMs });

  for (let message = await nextMessage(); ; message = await nextMessage()) {
    if (message.type === "stats") {
      await send({ type: "stats", events, reconciles });
    } else if (message.type === "finish") {
      queue.shutDown();
      await workers;
      await send({ type: "result", events, reconciles, errors: informer.errors(), latency: summarize(latencies) });
      await informer.stop();
      return;
    }
  }
}

// The parent owns this process: if it goes away, so do we.
process.on("disconnect", () => process.exit(0));
main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
