/**
 * The manager: starts the shared cache, elects a leader, runs controllers,
 * serves /livez, /readyz and /metrics, and shuts down gracefully.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { KubeApi } from "../kube/api.ts";
import { SharedCache } from "./cache.ts";
import { Controller, type ControllerOptions } from "./controller.ts";
import { LeaderElector } from "./leader-election.ts";
import { type Logger, silentLogger } from "./log.ts";
import { RuntimeMetrics } from "./metrics.ts";

/** Options of a manager; names and defaults follow controller-runtime. */
export interface ManagerOptions {
  readonly api: KubeApi;
  readonly log?: Logger;
  /** host:port for /metrics; "0" disables; port 0 picks a free one. Default 127.0.0.1:8080. */
  readonly metricsBindAddress?: string;
  /** host:port for /livez and /readyz; "0" disables. Default 127.0.0.1:8081. */
  readonly healthProbeBindAddress?: string;
  /** Run controllers only while holding a Lease. Default false. */
  readonly leaderElection?: boolean;
  /** Default "kaika-system". */
  readonly leaderElectionNamespace?: string;
  /** The Lease name. Default "kaika-leader". */
  readonly leaderElectionId?: string;
  /** Defaults 15 s, 10 s, 2 s. */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** How long caches may take to sync before start fails. Default 2 min. */
  readonly cacheSyncTimeoutMs?: number;
  /** How long in-flight reconciles may take after shutdown begins. Default 30 s. */
  readonly gracefulShutdownTimeoutMs?: number;
}

/** Leadership was lost: this process must stop working at once (controller-runtime exits). */
export class LeadershipLostError extends Error {
  readonly code = "LeadershipLost";
}

/** Runs controllers over one cluster. */
export class Manager {
  readonly api: KubeApi;
  readonly cache: SharedCache;
  readonly metrics = new RuntimeMetrics();
  readonly log: Logger;
  readonly #options: ManagerOptions;
  readonly #controllers: Controller[] = [];
  readonly #servers: Server[] = [];
  #state: "new" | "standby" | "syncing" | "running" | "stopping" | "failed" = "new";
  #leading = false;
  readonly #onLeading: (() => void)[] = [];
  #addresses: { metrics?: string; health?: string } = {};

  constructor(options: ManagerOptions) {
    this.#options = options;
    this.api = options.api;
    this.log = options.log ?? silentLogger();
    this.cache = new SharedCache(options.api, {
      onRestart: (reason, error) => {
        this.metrics.watchRestarts.inc({ kind: "any", reason });
        if (reason !== "closed") this.log.debug({ reason, err: error }, "watch restarted");
      },
    });
  }

  /** Adds a controller; its informers join the shared cache. Call before start(). */
  add(options: ControllerOptions): Controller {
    const controller = new Controller(options, { cache: this.cache, metrics: this.metrics, log: this.log });
    this.#controllers.push(controller);
    return controller;
  }

  /** True when this replica may do leader-only work: it holds the Lease, or there is no election. */
  isLeader(): boolean {
    return !this.#options.leaderElection || this.#leading;
  }

  /**
   * Calls `callback` once this replica may do leader-only work: when it acquires the Lease, or when
   * the controllers start if there is no election. Call before start().
   */
  onLeading(callback: () => void): void {
    this.#onLeading.push(callback);
  }

  /** Where the servers listen once started (host:port), for tests and logs. */
  get addresses(): { metrics?: string; health?: string } {
    return this.#addresses;
  }

  /**
   * Runs until `signal` aborts, then shuts down: stop taking work, finish
   * in-flight reconciles (up to gracefulShutdownTimeoutMs), stop the cache,
   * release the Lease, close the servers. Rejects with LeadershipLostError if
   * the Lease is lost, and when caches do not sync in time.
   */
  async start(signal: AbortSignal): Promise<void> {
    const o = this.#options;
    await this.#serve(o.metricsBindAddress ?? "127.0.0.1:8080", "metrics", async (path) =>
      path === "/metrics"
        ? { status: 200, body: await this.metrics.registry.metrics(), type: this.metrics.registry.contentType }
        : undefined,
    );
    await this.#serve(o.healthProbeBindAddress ?? "127.0.0.1:8081", "health", async (path) => {
      if (path === "/livez" || path === "/healthz") {
        return this.#state === "failed" ? { status: 500, body: "leadership lost" } : { status: 200, body: "ok" };
      }
      if (path === "/readyz") {
        const ready = this.#state === "running" || this.#state === "standby";
        return ready ? { status: 200, body: "ok" } : { status: 503, body: this.#state };
      }
      return undefined;
    });

    const work = new AbortController();
    const leadership = new AbortController();
    let lost = false;
    let renewing: Promise<unknown> = Promise.resolve();
    const onAbort = (): void => work.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) work.abort();
    // As controller-runtime: caches and the controllers that need no leader run on every replica;
    // the others start once this replica holds the Lease.
    const free = this.#controllers.filter((c) => !(o.leaderElection && c.needLeaderElection));
    const led = this.#controllers.filter((c) => o.leaderElection && c.needLeaderElection);
    const running: Promise<void>[] = [];
    const cacheStop = new AbortController();
    try {
      this.#state = "syncing";
      this.cache.start(cacheStop.signal);
      await this.cache.waitForSync(o.cacheSyncTimeoutMs ?? 120_000);
      running.push(...free.map((c) => c.start(work.signal)));
      if (o.leaderElection) {
        const id = o.leaderElectionId ?? "kaika-leader";
        const elector = new LeaderElector({
          api: this.api,
          namespace: o.leaderElectionNamespace ?? "kaika-system",
          name: id,
          ...(o.leaseDurationMs !== undefined ? { leaseDurationMs: o.leaseDurationMs } : {}),
          ...(o.renewDeadlineMs !== undefined ? { renewDeadlineMs: o.renewDeadlineMs } : {}),
          ...(o.retryPeriodMs !== undefined ? { retryPeriodMs: o.retryPeriodMs } : {}),
          logger: this.log,
          onLeaderStatus: (leading) => this.metrics.leaderStatus.set({ name: id }, leading ? 1 : 0),
        });
        this.#state = "standby";
        this.log.info(
          { lease: id, identity: elector.identity, running: free.map((c) => c.name) },
          "waiting for leadership",
        );
        if (await elector.acquire(work.signal)) {
          this.log.info({ lease: id }, "became leader");
          this.#leading = true;
          renewing = elector.renewUntil(leadership.signal).then((outcome) => {
            this.#leading = false;
            if (outcome === "lost") {
              lost = true;
              this.#state = "failed";
              this.log.error({ lease: id }, "leadership lost; stopping");
              work.abort();
            }
          });
          running.push(...led.map((c) => c.start(work.signal)));
          for (const callback of this.#onLeading) callback();
        }
      } else {
        for (const callback of this.#onLeading) callback();
      }
      if (!work.signal.aborted) {
        this.#state = "running";
        this.log.info({ controllers: this.#controllers.map((c) => c.name) }, "caches synced; controllers running");
      }
      await new Promise<void>((resolve) => {
        if (work.signal.aborted) resolve();
        else work.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      signal.removeEventListener("abort", onAbort);
      if (!lost) this.#state = "stopping";
      this.log.info("shutting down: finishing in-flight reconciles");
      const deadline = o.gracefulShutdownTimeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all(running).then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), deadline);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut)
        this.log.warn({ deadlineMs: deadline }, "graceful shutdown deadline passed; abandoning in-flight reconciles");
    } finally {
      cacheStop.abort();
      await this.cache.stopped();
      // Released only now, after the controllers stopped: no two leaders ever work at once.
      leadership.abort();
      await renewing;
      await this.#close();
      this.log.info("manager stopped");
    }
    if (lost) throw new LeadershipLostError("lost the leader election Lease");
  }

  async #serve(
    address: string,
    name: "metrics" | "health",
    route: (path: string) => Promise<{ status: number; body: string; type?: string } | undefined>,
  ): Promise<void> {
    if (address === "0" || address === "") return;
    const colon = address.lastIndexOf(":");
    const host = colon > 0 ? address.slice(0, colon) : "127.0.0.1";
    const port = Number(address.slice(colon + 1));
    const server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      route(path).then(
        (answer) => {
          res.writeHead(answer?.status ?? 404, { "content-type": answer?.type ?? "text/plain; charset=utf-8" });
          res.end(answer?.body ?? "not found\n");
        },
        (error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const bound = server.address() as AddressInfo;
    this.#addresses = { ...this.#addresses, [name]: `${host}:${bound.port}` };
    this.#servers.push(server);
    this.log.info({ address: `${host}:${bound.port}` }, `serving ${name}`);
  }

  async #close(): Promise<void> {
    await Promise.all(
      this.#servers.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }
}
