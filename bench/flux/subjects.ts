/**
 * kaika and Flux behind one interface, so bench/flux.ts runs the same steps against both: create the
 * source and sync objects of a set, tell the tool about a push, see a commit applied, ask for a no-op
 * resync, put the set in the mode drift is measured in, count reconciles, read memory.
 */
import type { KubeApi } from "../../src/kube/api.ts";
import { gvk, type KubeObject } from "../../src/kube/types.ts";
import { type KaikaRun, memoryMiB } from "../sync/controller.ts";
import { type FluxRun, fluxNamespace, GitRepository, Kustomization } from "./flux-run.ts";
import { pathOf, type Tool } from "./manifests.ts";

type Condition = { type: string; status: string; reason?: string; message?: string };
type Status = {
  conditions?: Condition[];
  lastAppliedRevision?: string;
  lastHandledReconcileAt?: string;
};
type WithStatus = KubeObject & { status?: Status };

const ready = (o: WithStatus): Condition | undefined => o.status?.conditions?.find((c) => c.type === "Ready");
const setName = (n: number): string => `n${n}`;

export interface Subject {
  readonly tool: Tool;
  /** For the table's header, e.g. "Flux v1.9.6". */
  readonly label: string;
  /** How a push reaches it, how it reverts drift and the settings that shape throughput. */
  readonly notes: readonly string[];
  /** Creates the source and the sync of set `n` (its folder is not committed yet); waits until both settled. */
  prepare(n: number): Promise<void>;
  /** Tells the tool a push happened (webhook / reconcile-request annotation); returns when it was sent. */
  notify(n: number): Promise<number>;
  /** True once set `n` reports `commit` applied and Ready. */
  applied(n: number, commit: string): Promise<boolean>;
  /** Asks for a reconcile of set `n` at the revision it has; returns a check that it was handled. */
  resync(n: number): Promise<() => Promise<boolean>>;
  /** Turns the periodic reconcile used for drift on (true) or back off (false); describes it. */
  driftMode(n: number, on: boolean): Promise<string>;
  /** Reconciles of the sync loop so far. */
  reconciles(): Promise<number>;
  waitQuiet(timeoutMs: number, quietMs?: number): Promise<void>;
  /** Resident memory of the tool's processes, MiB. */
  rss(): number;
  pids(): number[];
  stop(): Promise<void>;
}

/** Polls `check` every `pollMs` until it is true. */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const Sync = gvk("kaika.dev/v1alpha1", "Sync");
export const kaikaNamespace = "kaika-system";
const hookSecret = "bench-hook";
const hookToken = "bench-t0ken";

/** `kaika run`, one GitSource (with a push webhook) and one Sync per set, as bench/sync sets them up. */
export class KaikaSubject implements Subject {
  readonly tool = "kaika" as const;
  readonly label = "kaika";
  readonly notes = [
    "kaika: signed GitHub push webhook to the GitSource; drift reverted from its watch (selfHeal default)",
  ];

  private readonly run: KaikaRun;
  private readonly api: KubeApi;
  private readonly repoUrl: string;

  private constructor(run: KaikaRun, api: KubeApi, repoUrl: string) {
    this.run = run;
    this.api = api;
    this.repoUrl = repoUrl;
  }

  static async start(run: KaikaRun, api: KubeApi, repoUrl: string): Promise<KaikaSubject> {
    await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: kaikaNamespace } }).catch(() => {});
    await api.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: hookSecret, namespace: kaikaNamespace },
      stringData: { token: hookToken },
    });
    return new KaikaSubject(run, api, repoUrl);
  }

  async prepare(n: number): Promise<void> {
    const name = setName(n);
    await this.api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name, namespace: kaikaNamespace },
      spec: {
        url: this.repoUrl,
        interval: "1h",
        ref: { branch: "main" },
        webhook: { secretRef: { name: hookSecret } },
      },
    });
    await this.api.create({
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name, namespace: kaikaNamespace },
      spec: { sourceRef: { name }, path: pathOf("kaika", n), interval: "1h" },
    });
    // The source fetches at once; the Sync finds no folder yet and reports so.
    await until(async () => ready(await this.sync(n)) !== undefined, 120_000, `Sync ${name} reports Ready`);
    await this.run.waitQuiet(120_000);
  }

  private sync(n: number): Promise<WithStatus> {
    return this.api.get<WithStatus>(Sync, setName(n), kaikaNamespace);
  }

  async notify(n: number): Promise<number> {
    const t0 = performance.now();
    await this.run.pushWebhook(kaikaNamespace, setName(n), hookToken);
    return t0;
  }

  async applied(n: number, commit: string): Promise<boolean> {
    const s = await this.sync(n);
    return ready(s)?.status === "True" && (s.status?.lastAppliedRevision ?? "").endsWith(commit);
  }

  async resync(n: number): Promise<() => Promise<boolean>> {
    const at = new Date().toISOString();
    await this.api.patch(Sync, setName(n), kaikaNamespace, {
      metadata: { annotations: { "kaika.dev/reconcile-requested-at": at } },
    });
    return async () => (await this.sync(n)).status?.lastHandledReconcileAt === at;
  }

  async driftMode(): Promise<string> {
    return "watch (no interval)";
  }

  async reconciles(): Promise<number> {
    return (await this.run.syncMetrics()).reconciles;
  }

  async waitQuiet(timeoutMs: number, quietMs?: number): Promise<void> {
    await this.run.waitQuiet(timeoutMs, quietMs);
  }

  rss(): number {
    return memoryMiB(this.run.pid).rss;
  }

  pids(): number[] {
    return [this.run.pid];
  }

  async stop(): Promise<void> {
    await this.run.stop();
  }
}

/**
 * Flux: one GitRepository and one Kustomization per set. A push is announced the way Flux's
 * notification-controller Receiver does it: the reconcile.fluxcd.io/requestedAt annotation on the
 * GitRepository; source-controller fetches, and kustomize-controller reconciles on the new revision.
 */
export class FluxSubject implements Subject {
  readonly tool = "flux" as const;
  readonly label: string;
  readonly notes: readonly string[];

  private readonly run: FluxRun;
  private readonly api: KubeApi;
  private readonly repoUrl: string;
  private readonly driftInterval: string;

  private constructor(run: FluxRun, api: KubeApi, repoUrl: string, version: string, driftInterval: string) {
    this.run = run;
    this.api = api;
    this.repoUrl = repoUrl;
    this.driftInterval = driftInterval;
    this.label = `Flux ${version}`;
    this.notes = [
      `Flux: reconcile.fluxcd.io/requestedAt on the GitRepository (as its Receiver does); Kustomization prune: true, ` +
        `wait: false (defaults otherwise); drift reverted only on the Kustomization's interval, ${driftInterval} while drift is measured (1h otherwise)`,
      `Flux settings: ${run.settings}, --interval-jitter-percentage=5 (default)`,
    ];
  }

  static async start(
    run: FluxRun,
    api: KubeApi,
    repoUrl: string,
    version: string,
    driftInterval: string,
  ): Promise<FluxSubject> {
    await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: fluxNamespace } }).catch(() => {});
    return new FluxSubject(run, api, repoUrl, version, driftInterval);
  }

  async prepare(n: number): Promise<void> {
    const name = setName(n);
    await this.api.create({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name, namespace: fluxNamespace },
      spec: {
        url: this.repoUrl,
        interval: "1h",
        ref: { branch: "main" },
        // Only this set's folder goes into the artifact (the repository also holds kaika's folders).
        ignore: `/*\n!/${pathOf("flux", n)}/\n`,
      },
    });
    // Kustomization after the source has an artifact, or it requeues itself 30 s later (--requeue-dependency).
    await until(
      async () => ready(await this.api.get<WithStatus>(GitRepository, name, fluxNamespace))?.status === "True",
      120_000,
      `GitRepository ${name} Ready`,
    );
    await this.api.create({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name, namespace: fluxNamespace },
      spec: {
        sourceRef: { kind: "GitRepository", name },
        path: `./${pathOf("flux", n)}`,
        interval: "1h",
        timeout: "30m",
        prune: true,
      },
    });
    // The source fetches at once; the Kustomization finds no folder yet and reports so.
    await until(
      async () => ready(await this.kustomization(n)) !== undefined,
      120_000,
      `Kustomization ${name} reports Ready`,
    );
    await this.run.waitQuiet(120_000);
  }

  private kustomization(n: number): Promise<WithStatus> {
    return this.api.get<WithStatus>(Kustomization, setName(n), fluxNamespace);
  }

  async notify(n: number): Promise<number> {
    const t0 = performance.now();
    await this.api.patch(GitRepository, setName(n), fluxNamespace, {
      metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } },
    });
    return t0;
  }

  async applied(n: number, commit: string): Promise<boolean> {
    const k = await this.kustomization(n);
    return ready(k)?.status === "True" && k.status?.lastAppliedRevision === `main@sha1:${commit}`;
  }

  async resync(n: number): Promise<() => Promise<boolean>> {
    const at = new Date().toISOString();
    await this.api.patch(Kustomization, setName(n), fluxNamespace, {
      metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } },
    });
    return async () => {
      const k = await this.kustomization(n);
      return k.status?.lastHandledReconcileAt === at && ready(k)?.status === "True";
    };
  }

  async driftMode(n: number, on: boolean): Promise<string> {
    const interval = on ? this.driftInterval : "1h";
    await this.api.patch(Kustomization, setName(n), fluxNamespace, { spec: { interval } });
    return `Kustomization interval ${interval}`;
  }

  async reconciles(): Promise<number> {
    return (await this.run.metrics()).reconciles;
  }

  async waitQuiet(timeoutMs: number, quietMs?: number): Promise<void> {
    await this.run.waitQuiet(timeoutMs, quietMs);
  }

  rss(): number {
    return this.run.memory().total;
  }

  pids(): number[] {
    return this.run.pids();
  }

  async stop(): Promise<void> {
    await this.run.stop();
  }
}
