/** The greeter's reconciler: a Greeting owns a ConfigMap with its message and is listed in a registry. */
import { gvk, isNotFound, type KubeApi, type KubeObject } from "kaika/kube";
import {
  addFinalizer,
  type Condition,
  controllerReference,
  type EventRecorder,
  type Informer,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  removeFinalizer,
  statusConditions,
} from "kaika/runtime";

export const Greeting = gvk("example.kaika.dev/v1", "Greeting");
export const ConfigMap = gvk("v1", "ConfigMap");
/** Removes the Greeting's line from the registry before the Greeting may go. */
export const finalizer = "example.kaika.dev/registry";
/** Per namespace, one ConfigMap lists every Greeting's message: state outside the owned objects, so deletion needs the finalizer. */
export const registryName = "greetings-registry";
const fieldManager = "greeter";

/** A Greeting as the reconciler reads it. */
export interface GreetingObject extends KubeObject {
  spec?: { to?: string; salutation?: string };
  status?: { observedGeneration?: number; message?: string; conditions?: Condition[] };
}

/** Reconciles Greetings read from the shared cache, writing through the API. */
export class GreetingReconciler implements Reconciler {
  readonly #api: KubeApi;
  readonly #greetings: Informer<GreetingObject>;
  readonly #events: EventRecorder;

  constructor(api: KubeApi, greetings: Informer<GreetingObject>, events: EventRecorder) {
    this.#api = api;
    this.#greetings = greetings;
    this.#events = events;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const cached = this.#greetings.get(`${request.namespace}/${request.name}`);
    if (!cached) return undefined; // deleted; the owned ConfigMap goes with it by garbage collection
    const namespace = request.namespace ?? "";

    if (cached.metadata.deletionTimestamp) {
      await this.#patchRegistry(namespace, { [request.name]: null });
      await removeFinalizer(this.#api, cached, finalizer);
      log.info("removed from the registry; finalizer released");
      return undefined;
    }
    const greeting = (await addFinalizer(this.#api, cached, finalizer)) as GreetingObject;

    const to = greeting.spec?.to?.trim() ?? "";
    if (!to) {
      // Retrying cannot fix an empty name: say so in status and wait for a new spec.
      await this.#writeStatus(greeting, "stalled", "InvalidSpec", "spec.to is empty", undefined);
      return undefined;
    }
    const message = `${greeting.spec?.salutation ?? "Hello"}, ${to}!`;
    await this.#api.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `${request.name}-greeting`, namespace, ownerReferences: [controllerReference(greeting)] },
        data: { message },
      },
      { fieldManager, force: true },
    );
    await this.#patchRegistry(namespace, { [request.name]: message });
    if (greeting.status?.message !== message) await this.#events.event(greeting, "Normal", "Greeted", message);
    await this.#writeStatus(greeting, "ready", "Greeted", message, message);
    return undefined;
  }

  async #patchRegistry(namespace: string, data: Record<string, string | null>): Promise<void> {
    try {
      await this.#api.patch(ConfigMap, registryName, namespace, { data });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const entries = Object.entries(data).filter((e): e is [string, string] => e[1] !== null);
      if (entries.length === 0) return;
      await this.#api.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: registryName, namespace },
        data: Object.fromEntries(entries),
      });
    }
  }

  async #writeStatus(
    greeting: GreetingObject,
    outcome: "ready" | "stalled",
    reason: string,
    text: string,
    message: string | undefined,
  ): Promise<void> {
    const generation = greeting.metadata.generation;
    const conditions = statusConditions(greeting.status?.conditions, outcome, reason, text, generation);
    await this.#api.apply(
      {
        apiVersion: greeting.apiVersion,
        kind: greeting.kind,
        metadata: { name: greeting.metadata.name, namespace: greeting.metadata.namespace },
        status: { observedGeneration: generation, conditions, ...(message ? { message } : {}) },
      },
      { fieldManager, force: true, subresource: "status" },
    );
  }
}
