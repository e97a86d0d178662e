/** `kaika run`: the controller process — installs the CRDs, then runs the GitSource and Sync controllers. */
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";
import { join } from "node:path";
import { kaikaCrds } from "../api/crds.ts";
import { ReadinessPolicyKind } from "../api/readiness-policy.ts";
import { AuditMetrics, addAuditControllerIfServed } from "../audit/index.ts";
import type { ClusterObject } from "../controllers/cluster.ts";
import { ClusterClients } from "../controllers/cluster-clients.ts";
import { parseDuration } from "../controllers/durations.ts";
import type { GitSourceObject } from "../controllers/gitsource.ts";
import { addControllers, ClusterKind, GitSourceKind, SyncKind } from "../controllers/index.ts";
import { addSloControllerIfServed, ServiceLevelObjectiveKind, type SloObject } from "../controllers/slo.ts";
import type { SyncObject } from "../controllers/sync.ts";
import { Shards } from "../fleet/shards.ts";
import { sloGate } from "../fleet/slo-gate.ts";
import { ensureNamespace } from "../kube/api.ts";
import { ledgerLocationIn, openLedger } from "../ledger/index.ts";
import { cacheDir } from "../localfleet/binaries.ts";
import { Notifier } from "../notify/index.ts";
import { createLogger, LeadershipLostError, Manager } from "../runtime/index.ts";
import { serveAdmission } from "../server/admission-server.ts";
import { artifactTrees, type DashboardServer, openedLedger, serveDashboard } from "../server/dashboard/index.ts";
import { type WebhookOptions, webhookListener } from "../server/webhook.ts";
import { PrometheusClient } from "../slo/index.ts";
import { readUrlFiles } from "./config.ts";
import { connect } from "./connect.ts";
import type { GlobalOptions } from "./main.ts";
import { UsageError } from "./output.ts";

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
  readonly admissionCertValidity: string;
  readonly auditInterval: string;
  readonly policyNamespace: string;
  readonly clusterProbeInterval: string;
  readonly fleetConcurrency: string;
  readonly fullResyncInterval: string;
  readonly ledger?: string;
  readonly shards: string;
  readonly leaderElectLeaseDuration: string;
  readonly leaderElectRenewDeadline: string;
  readonly leaderElectRetryPeriod: string;
  readonly prometheusUrl?: string;
  readonly sloInterval: string;
  readonly notifyWebhookUrl?: string[];
  readonly notifySlackUrl?: string[];
  /** Files of webhook URLs, one per line: how a Secret reaches kaika without argv. */
  readonly notifyWebhookUrlFile?: string[];
  readonly notifySlackUrlFile?: string[];
  readonly defaultServiceAccount?: string;
  readonly admissionSecretNames: boolean;
  readonly dashboardBindAddress: string;
  readonly dashboardAllowActions?: boolean;
}

/** Runs until SIGTERM/SIGINT; exit 1 if leadership is lost or the manager fails. */
export async function run(options: GlobalOptions, flags: RunFlags): Promise<void> {
  const log = createLogger({ name: "kaika", level: flags.logLevel });
  // Read first, so a missing or bad Secret file stops kaika before it touches the cluster.
  const notifyUrls = {
    webhook: [...(flags.notifyWebhookUrl ?? []), ...readUrlFiles(flags.notifyWebhookUrlFile)],
    slack: [...(flags.notifySlackUrl ?? []), ...readUrlFiles(flags.notifySlackUrlFile)],
  };
  const api = connect(options);
  if (flags.installCrds) {
    for (const crd of kaikaCrds()) await api.apply(crd, { fieldManager: "kaika", force: true });
    log.info("CRDs installed");
  }
  const shardCount = Number(flags.shards);
  if (!(Number.isInteger(shardCount) && shardCount >= 1)) throw new UsageError("--shards must be a whole number ≥ 1");
  if (shardCount > 1 && !flags.leaderElect)
    throw new UsageError("--shards above 1 needs --leader-elect: replicas split the clusters, one leader plans");
  const leases = {
    leaseDurationMs: Number(flags.leaderElectLeaseDuration) * 1000,
    renewDeadlineMs: Number(flags.leaderElectRenewDeadline) * 1000,
    retryPeriodMs: Number(flags.leaderElectRetryPeriod) * 1000,
  };
  const identity = `${hostname()}_${process.pid}`;
  const shardListeners: (() => void)[] = [];
  const shards =
    shardCount > 1
      ? Shards.leased({
          api,
          namespace: flags.leaderElectionNamespace,
          count: shardCount,
          identity,
          ...leases,
          log,
          onChange: () => {
            for (const listener of shardListeners) listener();
          },
        })
      : Shards.single();
  const manager = new Manager({
    api,
    log,
    ...leases,
    metricsBindAddress: flags.metricsBindAddress,
    healthProbeBindAddress: flags.healthProbeBindAddress,
    leaderElection: flags.leaderElect,
    leaderElectionNamespace: flags.leaderElectionNamespace,
    leaderElectionId: flags.leaderElectionId,
  });
  // One set of audit metrics: the admin cluster's audit and each fleet cluster's (label cluster).
  const auditMetrics = flags.auditInterval === "0" ? undefined : new AuditMetrics(manager.metrics.registry);
  // Gate halts and exhausted budgets go to these receivers (the notifier never throws).
  const notifier = Notifier.fromUrls(notifyUrls, { log });
  const dataDir = flags.dataDir ?? join(cacheDir(), "controller");
  mkdirSync(dataDir, { recursive: true });
  const ledger = await openLedger(flags.ledger ?? ledgerLocationIn(dataDir));
  log.info({ ledger: ledger.location }, "version ledger open");
  const handles = addControllers(manager, {
    dataDir,
    clusterProbeIntervalMs: Number(flags.clusterProbeInterval) * 1000,
    fleetConcurrency: { overall: Number(flags.fleetConcurrency) },
    fullResyncIntervalMs: flags.fullResyncInterval === "0" ? 0 : parseDuration(flags.fullResyncInterval),
    ledger,
    shards,
    identity,
    ...(flags.defaultServiceAccount ? { defaultServiceAccount: flags.defaultServiceAccount } : {}),
    onShardsChange: (callback) => shardListeners.push(callback),
    ...(auditMetrics
      ? {
          fleetAudit: {
            intervalMs: parseDuration(flags.auditInterval),
            metrics: auditMetrics,
            systemNamespace: flags.policyNamespace,
          },
        }
      : {}),
    ...(flags.prometheusUrl ? { sloGate: sloGate(flags.prometheusUrl, notifier) } : {}),
  });
  const clusterClients = new ClusterClients(api);
  const slo = await addSloControllerIfServed(
    manager,
    {
      prometheusUrl: flags.prometheusUrl,
      intervalMs: (Number(flags.sloInterval) || 60) * 1000,
      notifier,
      clusterClients,
    },
    flags.installCrds ? 30_000 : 0,
  );
  if (!slo) log.warn("ServiceLevelObjective CRD not served: the SLO controller is off");
  const audit =
    flags.auditInterval === "0"
      ? undefined
      : await addAuditControllerIfServed(
          manager,
          {
            intervalMs: parseDuration(flags.auditInterval),
            systemNamespace: flags.policyNamespace,
            ...(auditMetrics ? { metrics: auditMetrics } : {}),
          },
          flags.installCrds ? 30_000 : 0,
        );
  if (flags.auditInterval !== "0" && !audit) log.warn("ReadinessPolicy CRD not served: the audit is off");
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
          certValidityMs: parseDuration(flags.admissionCertValidity),
          // Every replica serves; only the leader's URL and CA are registered.
          register: flags.leaderElect ? "claimed" : "start",
          systemNamespace: flags.policyNamespace,
          secretNames: flags.admissionSecretNames,
          signal: stop.signal,
          log,
        });
  if (admission) {
    log.info({ address: admission.address }, "serving the readiness admission webhook");
    manager.onLeading(
      () =>
        void admission
          .claim()
          .then(() => log.info({ address: admission.address }, "admission webhook registered here")),
    );
  }
  const dashboard: DashboardServer | undefined =
    flags.dashboardBindAddress === "0" || flags.dashboardBindAddress === ""
      ? undefined
      : await serveDashboard({
          address: flags.dashboardBindAddress,
          // The controllers' own caches: the dashboard adds no list or watch of these kinds.
          context: {
            api,
            caches: {
              syncs: manager.cache.informer<SyncObject>(SyncKind),
              clusters: manager.cache.informer<ClusterObject>(ClusterKind),
              sources: manager.cache.informer<GitSourceObject>(GitSourceKind),
              slos: slo ? manager.cache.informer<SloObject>(ServiceLevelObjectiveKind) : undefined,
              policies: manager.cache.informer(ReadinessPolicyKind),
            },
            ledger: openedLedger(ledger),
            prometheus: flags.prometheusUrl ? new PrometheusClient({ url: flags.prometheusUrl }) : undefined,
            artifacts: artifactTrees(join(dataDir, "sources"), handles.artifacts, handles.fetchRevision),
            clusterClients,
            log,
          },
          synced: () => manager.cache.hasSynced(),
          allowActions: flags.dashboardAllowActions === true,
        });
  if (dashboard) log.info({ url: dashboard.url }, "dashboard");
  // kaika's own namespace: Leases, Clusters, the default ReadinessPolicy.
  await ensureNamespace(api, flags.leaderElectionNamespace);
  const sharding = shards.run(stop.signal);
  try {
    await manager.start(stop.signal);
  } catch (error) {
    if (error instanceof LeadershipLostError) log.error("leadership lost");
    throw error;
  } finally {
    hooks?.closeAllConnections();
    hooks?.close();
    await dashboard?.close();
    stop.abort();
    await sharding;
    await handles.close();
    await clusterClients.close();
    await admission?.close();
    await ledger.close();
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
