/**
 * The Sync controller: render the source's path, apply it all-or-nothing,
 * prune by inventory, wait for health, and revert drift on the objects it
 * applied. Phases: load → dependencies → artifact → render → apply → status.
 */
import type { SyncSpec, SyncStatus } from "../api/sync.ts";
import { type ApplyEvent, type ApplySummary, apply } from "../apply/applier.ts";
import { configMapInventory } from "../apply/inventory.ts";
import type { LiveState } from "../apply/live-cache.ts";
import { pruneObjects } from "../apply/prune.ts";
import { type KubeApi, serverVersion } from "../kube/api.ts";
import { serviceAccountIdentity } from "../kube/client.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import type { NamespaceLabels } from "../render/namespace-fanout.ts";
import type { RenderedObject } from "../render/types.ts";
import type { EventRecorder, Informer, ReconcileContext, Reconciler, Request, Result } from "../runtime/index.ts";
import { addFinalizer, findCondition, hasFinalizer, removeFinalizer, statusConditions } from "../runtime/index.ts";
import type { ArtifactStore } from "./artifacts.ts";
import { parseDuration } from "./durations.ts";
import type { FleetSyncer } from "./fleet-sync.ts";
import { readinessGate } from "./gate.ts";
import { renderFor } from "./render.ts";
import { RenderMemo } from "./render-memo.ts";
import { FullResyncClock } from "./resync.ts";
import { reconcileRequestedAnnotation, writeStatus } from "./status.ts";

export const SyncKind = gvk("kaika.dev/v1alpha1", "Sync");
/** Held by every Sync so that deleting it first prunes what it applied (when prune is on). */
export const finalizer = "kaika.dev/finalizer";
/** Labels on every applied object: which Sync owns it (drift is traced back through them). */
export const syncNameLabel = "kaika.dev/sync-name";
export const syncNamespaceLabel = "kaika.dev/sync-namespace";

/** A Sync as read from the cache. */
export type SyncObject = KubeObject & { spec: SyncSpec; status?: SyncStatus };

/** Status reasons, one per phase that can fail. */
const Reason = {
  Suspended: "Suspended",
  DependencyNotReady: "DependencyNotReady",
  ArtifactMissing: "ArtifactMissing",
  RenderFailed: "RenderFailed",
  PolicyViolation: "PolicyViolation",
  ApplyFailed: "ApplyFailed",
  HealthCheckFailed: "HealthCheckFailed",
  Succeeded: "ReconciliationSucceeded",
} as const;

/** What a SyncReconciler reads live state from, and how often it does a full resync. */
export interface SyncEngineOptions {
  /** Watches of the objects Syncs applied (the caller routes their changes back to the Syncs). */
  readonly live?: LiveState | undefined;
  /** When each Sync's next full resync is due; default every hour. */
  readonly resync?: FullResyncClock | undefined;
}

/** Reconciles Syncs. */
export class SyncReconciler implements Reconciler {
  readonly #api: KubeApi;
  readonly #syncs: Informer<SyncObject>;
  readonly #artifacts: ArtifactStore;
  readonly #events: EventRecorder;
  /** The ReadinessPolicy objects of the admin cluster, for the gate. */
  readonly #policies: () => readonly KubeObject[];
  readonly #live: LiveState | undefined;
  readonly #resync: FullResyncClock;
  readonly #rendered = new RenderMemo();
  readonly #impersonated = new Map<string, KubeApi>();
  readonly #defaultServiceAccount: string | undefined;
  /** Live Namespace labels for NamespaceSelectors in mode: dynamic, reading as Sync "namespace/name" (see LiveNamespaces). */
  readonly #liveNamespaces: ((key: string) => Promise<NamespaceLabels>) | undefined;
  /** The cluster's Kubernetes version, read once per 10 minutes rather than on every reconcile. */
  #version: { readonly value: string | undefined; readonly at: number } | undefined;
  #fleet: FleetSyncer | undefined;

  constructor(
    api: KubeApi,
    syncs: Informer<SyncObject>,
    artifacts: ArtifactStore,
    events: EventRecorder,
    policies: () => readonly KubeObject[],
    options: {
      defaultServiceAccount?: string | undefined;
      liveNamespaces?: ((key: string) => Promise<NamespaceLabels>) | undefined;
    } & SyncEngineOptions = {},
  ) {
    this.#api = api;
    this.#liveNamespaces = options.liveNamespaces;
    this.#live = options.live;
    this.#resync = options.resync ?? new FullResyncClock();
    this.#defaultServiceAccount = options.defaultServiceAccount;
    this.#policies = policies;
    this.#syncs = syncs;
    this.#artifacts = artifacts;
    this.#events = events;
  }

  /** Wires the fleet path. */
  attach(fleet?: FleetSyncer): void {
    this.#fleet = fleet;
  }

  /** The labels put on every object a Sync applies. */
  static labels(sync: SyncObject): Record<string, string> {
    return { [syncNameLabel]: sync.metadata.name ?? "", [syncNamespaceLabel]: sync.metadata.namespace ?? "" };
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    if (!this.#syncs.get(`${request.namespace}/${request.name}`)) return undefined;
    // Read live, not from the cache: a reconcile right after our own status
    // write may find the cache a step behind, and with selfHeal off a stale
    // lastAppliedRevision would make it re-apply over a hand change.
    const sync = await this.#api
      .get<SyncObject>(SyncKind, request.name, request.namespace)
      .catch((e) => (e instanceof NotFoundError ? undefined : Promise.reject(e)));
    if (!sync) return undefined;
    const spec = sync.spec;
    if (sync.metadata.deletionTimestamp) return this.#finalize(sync, log);
    if (!hasFinalizer(sync, finalizer)) {
      await addFinalizer(this.#api, sync, finalizer);
      return undefined; // the update brings it back with the finalizer
    }
    const interval = parseDuration(spec.interval ?? "10m");
    const generation = sync.metadata.generation;
    const setStatus = async (
      outcome: "ready" | "reconciling" | "stalled",
      reason: string,
      message: string,
      extra: Partial<SyncStatus> = {},
    ): Promise<void> => {
      const requested = sync.metadata.annotations?.[reconcileRequestedAnnotation];
      await writeStatus(this.#api, sync, {
        ...sync.status,
        ...extra,
        ...(requested ? { lastHandledReconcileAt: requested } : {}),
        observedGeneration: generation,
        conditions: statusConditions(sync.status?.conditions, outcome, reason, message, generation),
      });
    };
    if (spec.suspend) return undefined;

    // dependencies
    for (const dep of spec.dependsOn ?? []) {
      const other = this.#syncs.get(`${dep.namespace ?? request.namespace}/${dep.name}`);
      const ready = other && findCondition(other.status?.conditions, "Ready")?.status === "True";
      if (!ready) {
        await setStatus(
          "reconciling",
          Reason.DependencyNotReady,
          `waiting for Sync ${dep.namespace ?? request.namespace}/${dep.name} to be Ready`,
        );
        return { requeueAfter: 5000 };
      }
    }

    // artifact
    const artifact = this.#artifacts.get(`${request.namespace}/${spec.sourceRef.name}`);
    if (!artifact) {
      await setStatus("reconciling", Reason.ArtifactMissing, `GitSource ${spec.sourceRef.name} has no artifact yet`);
      return { requeueAfter: 5000 };
    }
    const revision = artifact.revision;
    if (spec.targets?.length) {
      if (!this.#fleet) throw new Error("spec.targets: this kaika has no fleet support wired");
      return this.#fleet.reconcile(sync, revision, setStatus);
    }

    // render and gate (reused while the revision, the spec, the policies and the cluster version stay)
    const key = `${request.namespace}/${request.name}`;
    const targetNamespace = spec.targetNamespace ?? request.namespace ?? "default";
    const policies = this.#policies();
    const clusterVersion = await this.#clusterVersion();
    const memoKey = [
      revision,
      generation,
      clusterVersion,
      ...policies.map((p) => `${p.metadata.uid}@${p.metadata.resourceVersion}`),
    ].join("|");
    // Milliseconds of each phase, logged with the outcome: where a slow sync spent its time.
    const phaseMs: Record<string, number> = {};
    let phaseStart = performance.now();
    const endPhase = (name: string): void => {
      const now = performance.now();
      phaseMs[name] = Math.round(now - phaseStart);
      phaseStart = now;
    };
    let rendered = this.#rendered.get(key, memoKey);
    if (!rendered) {
      let objects: RenderedObject[];
      // Dynamic NamespaceSelectors read this cluster's Namespaces (a change to them re-queues this Sync);
      // a render that read them is not reused, since they are not in the memo key.
      const live = this.#liveNamespaces;
      let readLive = false;
      const liveNamespaces =
        live &&
        (() => {
          readLive = true;
          return live(key);
        });
      try {
        objects = (
          await renderFor(artifact.dir, spec, {
            name: request.name,
            namespace: targetNamespace,
            ignore: artifact.ignore,
            liveNamespaces,
          })
        ).objects;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await setStatus("stalled", Reason.RenderFailed, message, { lastAttemptedRevision: revision });
        await this.#events.event(sync, "Warning", Reason.RenderFailed, message);
        log.warn({ err: error, revision }, "render failed; the previous state stays");
        return { requeueAfter: interval };
      }
      endPhase("render");
      // readiness gate: critical findings hold back the whole commit (enforce) or are reported (warn)
      const gate = readinessGate(objects, spec, revision, policies, targetNamespace, clusterVersion);
      for (const { object } of objects) {
        object.metadata.labels = {
          ...object.metadata.labels,
          [syncNameLabel]: request.name,
          [syncNamespaceLabel]: request.namespace ?? "",
        };
      }
      rendered = { objects, gate };
      if (!readLive) this.#rendered.set(key, memoKey, rendered);
      endPhase("gate");
    }
    const { objects, gate } = rendered;
    const violations = gate.violations;
    if (gate.summary) {
      await this.#events.event(sync, "Warning", Reason.PolicyViolation, gate.summary);
      if (gate.hold) {
        await setStatus("stalled", Reason.PolicyViolation, `${gate.summary} (nothing from this commit was applied)`, {
          lastAttemptedRevision: revision,
          violations,
        });
        log.warn({ revision, violations: violations.length }, "readiness gate: commit held back");
        return { requeueAfter: interval };
      }
    }

    // With selfHeal off, a reconcile of the revision already applied only reports drift.
    const requestedNow = sync.metadata.annotations?.[reconcileRequestedAnnotation];
    const selfHeal = spec.selfHeal ?? true;
    if (
      !selfHeal &&
      sync.status?.lastAppliedRevision === revision &&
      sync.status?.observedGeneration === generation &&
      requestedNow === sync.status?.lastHandledReconcileAt
    ) {
      return this.#reportDrift(sync, objects, revision, setStatus, interval);
    }

    // apply, prune, wait
    const failures: NonNullable<SyncStatus["failures"]> = [];
    let summary: ApplySummary = { created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 };
    let ok = false;
    // With serviceAccountName every read and write, the inventory's too, is done as that ServiceAccount.
    const api = this.#apiFor(sync);
    const inventory = configMapInventory(api, { namespace: request.namespace ?? "", name: `sync-${request.name}` });
    const full = !this.#live || this.#resync.due(key);
    let checked = objects.length;
    for await (const event of apply(api, objects, {
      inventory,
      diffs: false,
      ...(this.#live ? { live: this.#live, full } : {}),
      prune: spec.prune ?? true,
      wait: spec.wait ?? true,
      timeoutMs: parseDuration(spec.timeout ?? "5m"),
      ...(spec.targetNamespace
        ? { defaultNamespace: spec.targetNamespace }
        : { defaultNamespace: request.namespace ?? "default" }),
    })) {
      this.#record(event, failures);
      if (event.type === "init") checked = event.checked;
      if (event.type === "done") {
        summary = event.summary;
        ok = event.ok;
      }
    }
    endPhase("apply");
    const counts = `${summary.created} created, ${summary.configured} configured, ${summary.unchanged} unchanged, ${summary.pruned} pruned`;
    if (!ok) {
      const first = failures[0];
      const phase = first?.phase === "wait" ? Reason.HealthCheckFailed : Reason.ApplyFailed;
      const message = `${revision}: ${failures.length} failed${first ? `; ${first.message}` : ""}`;
      await setStatus("reconciling", phase, message, { lastAttemptedRevision: revision, summary, failures });
      await this.#events.event(sync, "Warning", phase, message);
      log.warn({ revision, failures: failures.length }, "apply failed; nothing pruned");
      return { requeueAfter: Math.min(interval, 30_000) };
    }
    if (full) this.#resync.done(key);
    const changed = summary.created + summary.configured + summary.pruned > 0;
    if (changed) {
      await this.#events.event(sync, "Normal", "Applied", `${revision}: ${counts}`);
      log.info({ revision, ...summary, checked, full, ms: phaseMs }, "applied");
    } else log.debug({ revision, checked, full, ms: phaseMs }, "nothing to apply");
    await setStatus("ready", Reason.Succeeded, `applied revision ${revision}`, {
      lastAppliedRevision: revision,
      lastAttemptedRevision: revision,
      inventorySize: objects.length,
      summary,
      failures: [],
      drift: [],
      violations,
    });
    return { requeueAfter: Math.max(1000, Math.min(interval, this.#resync.remaining(key))) };
  }

  async #clusterVersion(): Promise<string | undefined> {
    if (!this.#version || Date.now() - this.#version.at > 600_000) {
      this.#version = { value: await serverVersion(this.#api), at: Date.now() };
    }
    return this.#version.value;
  }

  /** Plans against live without writing; lists what differs from Git in status and an Event. */
  async #reportDrift(
    sync: SyncObject,
    objects: RenderedObject[],
    revision: string,
    setStatus: (o: "ready", r: string, m: string, extra: Partial<SyncStatus>) => Promise<void>,
    interval: number,
  ): Promise<Result> {
    const drift: string[] = [];
    const api = this.#apiFor(sync);
    const inventory = configMapInventory(api, {
      namespace: sync.metadata.namespace ?? "",
      name: `sync-${sync.metadata.name}`,
    });
    for await (const event of apply(api, objects, {
      dryRun: true,
      diffs: false,
      // With the watches, only what they saw change (or cannot vouch for) is dry-run.
      ...(this.#live ? { live: this.#live, inventory, prune: false } : {}),
      defaultNamespace: sync.spec.targetNamespace ?? sync.metadata.namespace ?? "default",
    })) {
      if (event.type === "planned" && event.action !== "unchanged" && drift.length < 50) drift.push(event.ref);
    }
    const before = sync.status?.drift ?? [];
    if (drift.length > 0 && drift.join() !== before.join()) {
      await this.#events.event(sync, "Warning", "DriftDetected", `differs from ${revision}: ${drift.join(", ")}`);
    }
    const message =
      drift.length > 0
        ? `applied revision ${revision}; drift (selfHeal off): ${drift.join(", ")}`
        : `applied revision ${revision}`;
    await setStatus("ready", Reason.Succeeded, message, { drift });
    return { requeueAfter: interval };
  }

  /** On deletion with prune: delete everything the inventory holds, then release the Sync. */
  async #finalize(sync: SyncObject, log: ReconcileContext["log"]): Promise<Result | undefined> {
    if (!hasFinalizer(sync, finalizer)) return undefined;
    if ((sync.spec.prune ?? true) && sync.spec.targets?.length && this.#fleet) {
      await this.#fleet.finalize(sync, log);
    } else if (sync.spec.prune ?? true) {
      const api = this.#apiFor(sync);
      const inventory = configMapInventory(api, {
        namespace: sync.metadata.namespace ?? "",
        name: `sync-${sync.metadata.name}`,
      });
      const ids = (await inventory.read()) ?? [];
      let failed = 0;
      for await (const event of pruneObjects(api, ids, new Set(), 8)) if (event.type === "failed") failed++;
      if (failed > 0) throw new Error(`${failed} objects could not be pruned; the Sync stays until they are`);
      await inventory.write([]);
      log.info({ pruned: ids.length }, "Sync deleted: its objects were pruned");
    }
    await removeFinalizer(this.#api, sync, finalizer);
    this.#resync.forget(`${sync.metadata.namespace}/${sync.metadata.name}`);
    this.#rendered.forget(`${sync.metadata.namespace}/${sync.metadata.name}`);
    return undefined;
  }

  #apiFor(sync: SyncObject): KubeApi {
    const sa = sync.spec.serviceAccountName ?? this.#defaultServiceAccount;
    return sa ? this.#asServiceAccount(sync.metadata.namespace ?? "", sa) : this.#api;
  }

  /** One client per ServiceAccount, kept: each has its own connection pool. */
  #asServiceAccount(namespace: string, name: string): KubeApi {
    const key = `${namespace}/${name}`;
    let api = this.#impersonated.get(key);
    if (!api) {
      // The user alone: the apiserver adds a ServiceAccount's groups itself, so kaika needs
      // `impersonate` on serviceaccounts only, not on groups.
      api = this.#api.impersonating({ user: serviceAccountIdentity(namespace, name).user });
      this.#impersonated.set(key, api);
    }
    return api;
  }

  #record(event: ApplyEvent, failures: NonNullable<SyncStatus["failures"]>): void {
    if (event.type !== "failed" || failures.length >= 50) return;
    const e = event.error;
    failures.push({
      object: event.ref,
      phase: event.phase,
      message: e.message,
      ...(e.file ? { file: e.file } : {}),
      ...(e.line ? { line: e.line } : {}),
      ...(e.field ? { field: e.field } : {}),
    });
  }
}
