/**
 * Synthetic API answers (dev fixtures) for the states gallery, the browser tests' rendering checks and the
 * browser benchmark: a fleet of N clusters × M Syncs and the other pages' answers. Deterministic.
 * Imports types only, so Node runs this file as it is (bench/dashboard-ui.ts).
 */
import type {
  ClusterView,
  FleetResponse,
  ReadinessResponse,
  SloSeriesResponse,
  SlosResponse,
  SyncClusterView,
  SyncDetailResponse,
  SyncView,
  VersionsResponse,
  WhoamiResponse,
} from "../api/types.ts";

const envs = ["prod", "prod", "staging", "dev"];
const regions = ["osaka", "tokyo", "frankfurt", "virginia", "sao-paulo"];
const providers = ["onprem", "gke", "eks", "aks", "k3s"];
const apps = ["shop", "payments", "identity", "search", "catalog", "orders", "shipping", "ads", "media", "notify"];
const base = Date.parse("2026-05-12T09:30:00Z");

function rev(i: number): string {
  const hex = ((i * 2654435761) >>> 0).toString(16).padStart(8, "0");
  return `main@sha1:${hex}${hex}${hex}${hex}${hex}`;
}

const iso = (msAgo: number, now = base) => new Date(now - msAgo).toISOString();

/** Each fixture Sync's per-cluster rows (the detail's `clusters`). */
const syncRows = new WeakMap<SyncView, SyncClusterView[]>();

/** A fleet of `clusters` clusters and `syncs` Syncs (every Sync targets every cluster). */
export function fleetFixture(clusters: number, syncs: number, now = base): FleetResponse {
  const syncViews: SyncView[] = [];
  const names = Array.from({ length: clusters }, (_, i) => {
    const env = envs[i % envs.length] ?? "prod";
    const region = regions[Math.floor(i / envs.length) % regions.length] ?? "osaka";
    return `${region}-${env}-${i + 1}`;
  });
  for (let j = 0; j < syncs; j++) {
    const app = apps[j % apps.length] ?? "app";
    const name = syncs > apps.length ? `${app}-${Math.floor(j / apps.length) + 1}` : app;
    const rolling = j === 1 || j === 7;
    const failing = j === 3;
    const rows: SyncClusterView[] = names.map((c, i) => ({
      name: c,
      wave: c.includes("staging") ? "staging" : "prod",
      desiredRevision: rev(j + (rolling ? 1 : 0)),
      revision: failing && i % 7 === 2 ? rev(j - 1) : rev(j),
      state:
        failing && i % 7 === 2
          ? "Failed"
          : i % 23 === 5
            ? "Unreachable"
            : rolling && i % 3 === 0
              ? "Progressing"
              : "Applied",
      message: failing && i % 7 === 2 ? "admission webhook denied the request" : null,
      lastAppliedTime: iso((i * 37 + j * 11) * 60e3, now),
    }));
    const view: SyncView = {
      namespace: "kaika-system",
      name,
      source: { name: "fleet", url: "https://git.example.com/platform/fleet.git", revision: rev(j + 1) },
      path: `apps/${name}`,
      fleet: true,
      suspended: j === 9,
      revision: rev(j + (rolling ? 1 : 0)),
      ready: failing
        ? {
            status: "False",
            reason: "ApplyFailed",
            message: "Deployment/orders/api: admission webhook denied the request",
          }
        : rolling
          ? { status: "Unknown", reason: "Progressing", message: "rolling out wave 2 of 3" }
          : { status: "True", reason: "Applied", message: `applied ${rev(j).slice(0, 17)} to ${clusters} clusters` },
      rollout: rolling
        ? {
            revision: rev(j + 1),
            previousRevision: rev(j),
            phase: j === 1 ? "Soaking" : "WaitingForPromotion",
            message: j === 1 ? "staging healthy, soaking before prod" : "canary done: promote to continue",
            paused: false,
            wave: 1,
            waves: [
              {
                name: "staging",
                state: "Done",
                clusters: names.filter((n) => n.includes("staging")),
                current: false,
                startedAt: iso(40 * 60e3, now),
                healthyAt: iso(35 * 60e3, now),
                soak: "10m",
                soakEndsAt: iso(25 * 60e3, now),
                requirePromotion: false,
                promoted: false,
                maxUnavailable: null,
                sloGate: null,
              },
              {
                name: "canary",
                state: j === 1 ? "Soaking" : "Done",
                clusters: names.slice(0, 1),
                current: true,
                startedAt: iso(20 * 60e3, now),
                healthyAt: iso(5 * 60e3, now),
                soak: "30m",
                soakEndsAt: new Date(now + 25 * 60e3).toISOString(),
                requirePromotion: j !== 1,
                promoted: false,
                maxUnavailable: 1,
                sloGate: { maxBurnRate: 2, services: ["web", "api"], rollback: true },
              },
              {
                name: "prod",
                state: "Pending",
                clusters: names.filter((n) => n.includes("prod")).slice(1),
                current: false,
                startedAt: null,
                healthyAt: null,
                soak: null,
                soakEndsAt: null,
                requirePromotion: false,
                promoted: false,
                maxUnavailable: 5,
                sloGate: null,
              },
            ],
          }
        : null,
      clusterStates: Object.fromEntries(
        [...new Set(rows.map((r) => r.state))].map((st) => [st, rows.filter((r) => r.state === st).length]),
      ),
      violations: j % 4 === 0 ? 3 : 0,
      failures: failing ? 2 : 0,
    };
    syncViews.push(view);
    syncRows.set(view, rows);
  }
  const clusterViews: ClusterView[] = names.map((name, i) => {
    const unreachable = i % 23 === 5;
    return {
      namespace: "kaika-system",
      name,
      labels: {
        env: envs[i % envs.length] ?? "prod",
        region: regions[Math.floor(i / envs.length) % regions.length] ?? "osaka",
        provider: providers[i % providers.length] ?? "onprem",
      },
      env: envs[i % envs.length] ?? null,
      region: regions[Math.floor(i / envs.length) % regions.length] ?? null,
      provider: providers[i % providers.length] ?? null,
      reachable: !unreachable,
      kubernetesVersion: `v1.${33 + (i % 3)}.${i % 5}`,
      nodeCount: 3 + ((i * 7) % 40),
      lastContactTime: iso(unreachable ? 3600e3 * 3 : (i % 5) * 15e3, now),
      shard: i % 3,
      handledBy: `kaika-${i % 3}`,
      suspended: false,
      ready: unreachable
        ? { status: "False", reason: "Unreachable", message: "dial tcp 10.0.0.5:6443: i/o timeout" }
        : { status: "True", reason: "Reachable", message: "" },
      audit: null,
      syncs: syncViews.map((s) => {
        const c = syncRows.get(s)?.[i];
        return {
          sync: `${s.namespace}/${s.name}`,
          revision: c?.revision ?? null,
          state: c?.state ?? "Pending",
          applying: null,
          failedRevision: c?.state === "Failed" ? s.revision : null,
          drift: (i + s.name.length) % 17 === 0 ? 2 : 0,
          violations: s.violations,
          message: c?.message ?? null,
          lastAppliedTime: c?.lastAppliedTime ?? null,
        };
      }),
    };
  });
  return { eventId: "1.0", clusters: clusterViews, syncs: syncViews };
}

/** The detail of the fleet fixture's first failing Sync. */
export function syncDetailFixture(fleet: FleetResponse = fleetFixture(3, 4)): SyncDetailResponse {
  const sync = fleet.syncs[Math.min(3, fleet.syncs.length - 1)] ?? fleet.syncs[0];
  if (!sync) throw new Error("empty fleet fixture");
  const kinds = [
    "Deployment",
    "Service",
    "ConfigMap",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "ServiceAccount",
  ];
  const clusters = syncRows.get(sync) ?? [];
  return {
    sync,
    clusters,
    spec: {
      renderer: "kustomize",
      interval: "1m",
      prune: true,
      selfHeal: true,
      policyMode: "enforce",
      serviceAccountName: "shop-deployer",
      targets: [],
    },
    commit: {
      revision: sync.revision ?? rev(1),
      sha: (sync.revision ?? rev(1)).split(":")[1] ?? "",
      message: "orders: raise api replicas to 6 for the sale",
      author: "Aiko Tanaka",
      authorEmail: "aiko@example.com",
      time: iso(42 * 60e3),
      link: "https://git.example.com/platform/fleet/commit/0123abc",
      missing: null,
    },
    objects: {
      cluster: clusters[0]?.name ?? null,
      total: 18,
      error: null,
      items: Array.from({ length: 18 }, (_, i) => {
        const kind = kinds[i % kinds.length] ?? "ConfigMap";
        const name = `${apps[i % apps.length]}-${kind === "Deployment" ? "api" : "cfg"}`;
        const health = i === 0 ? "Failed" : i === 6 ? "InProgress" : "Current";
        return {
          ref: `${kind}/orders/${name}-${i}`,
          group: kind === "Deployment" ? "apps" : "",
          kind,
          namespace: "orders",
          name: `${name}-${i}`,
          health,
          message:
            health === "Failed"
              ? "Progress deadline exceeded: 0 of 6 replicas available"
              : health === "InProgress"
                ? "3 of 6 replicas updated"
                : "Resource is current",
          reason: null,
        };
      }),
    },
    failures: [
      {
        object: "Deployment/orders/api",
        phase: "apply",
        message: 'admission webhook "readiness.kaika.dev" denied the request: container api has no readiness probe',
        file: "apps/orders/api.yaml",
        line: 24,
        field: "spec.template.spec.containers[0].readinessProbe",
      },
    ],
    violations: [
      {
        check: "resources.limits-memory",
        severity: "warning",
        object: "Deployment/orders/worker",
        message: "container worker sets no memory limit",
        file: "apps/orders/worker.yaml",
        line: 31,
        field: "spec.template.spec.containers[0].resources.limits.memory",
      },
    ],
    drift: ["Deployment/orders/api"],
    events: [
      {
        type: "Warning",
        reason: "ApplyFailed",
        message: "Deployment/orders/api: admission webhook denied the request",
        count: 3,
        firstTime: iso(30 * 60e3),
        lastTime: iso(2 * 60e3),
      },
      {
        type: "Normal",
        reason: "Applied",
        message: `applied ${rev(2).slice(0, 17)}: 3 configured, 15 unchanged`,
        count: 1,
        firstTime: iso(60 * 60e3),
        lastTime: iso(60 * 60e3),
      },
    ],
    history: {
      missing: null,
      entries: Array.from({ length: 8 }, (_, i) => ({
        time: iso(i * 3 * 3600e3),
        cluster: clusters[i % Math.max(1, clusters.length)]?.name ?? "kaika-1",
        revision: rev(8 - i),
        action: i % 3 === 2 ? "pruned" : "applied",
        kind: "Deployment",
        namespace: "orders",
        name: "api",
        service: "orders-api",
        version: `1.${8 - i}.0`,
      })),
    },
  };
}

/** services × clusters versions at `at`. */
export function versionsFixture(clusters = 6, services = 40): VersionsResponse {
  const names = Array.from(
    { length: clusters },
    (_, i) => `${regions[i % regions.length]}-${envs[i % envs.length]}-${i + 1}`,
  );
  const rows = Array.from({ length: services }, (_, s) => {
    const service = `${apps[s % apps.length]}-${["api", "web", "worker", "cache"][Math.floor(s / apps.length) % 4]}`;
    return {
      service,
      clusters: Object.fromEntries(
        names.map((c, i) => [c, `1.${4 + (s % 3)}.${(s * 7 + (i === 0 && s % 5 === 0 ? 1 : 0)) % 10}`]),
      ),
    };
  });
  return {
    at: new Date(base).toISOString(),
    earliest: new Date(base - 21 * 86_400_000).toISOString(),
    clusters: names,
    services: rows,
    workloads: [],
  };
}

/** An audit with findings of several checks over namespaces and clusters. */
export function readinessFixture(findings = 60): ReadinessResponse {
  const checks = [
    ["probes.readiness", "Readiness probe", "critical"],
    ["resources.limits-memory", "Memory limit", "warning"],
    ["pdb.present", "PodDisruptionBudget", "warning"],
    ["security.run-as-non-root", "Run as non-root", "critical"],
    ["graceful.pre-stop", "Graceful shutdown", "info"],
  ] as const;
  const list = Array.from({ length: findings }, (_, i) => {
    const [check, title, severity] = checks[i % checks.length] ?? checks[0];
    const ns = apps[i % apps.length] ?? "shop";
    return {
      check,
      title,
      severity,
      mode: severity === "critical" ? "enforce" : "warn",
      object: `Deployment/${ns}/api-${i}`,
      namespace: ns,
      cluster: i % 3 ? `osaka-prod-${(i % 4) + 1}` : null,
      field: "spec.template.spec.containers[0]",
      message: `${title} missing on container api`,
      why: "Without it, Kubernetes sends traffic to pods that are not ready, and clients see 5xx during rollouts.",
      fix: "Add a readinessProbe that checks the endpoint the service serves, e.g. httpGet /healthz.",
    };
  });
  const group = (key: (f: (typeof list)[number]) => string) => {
    const m = new Map<
      string,
      { key: string; total: number; enforce: number; warn: number; critical: number; warning: number; info: number }
    >();
    for (const f of list) {
      const k = key(f);
      const g = m.get(k) ?? { key: k, total: 0, enforce: 0, warn: 0, critical: 0, warning: 0, info: 0 };
      g.total++;
      if (f.mode === "enforce") g.enforce++;
      else g.warn++;
      if (f.severity === "critical") g.critical++;
      else if (f.severity === "warning") g.warning++;
      else g.info++;
      m.set(k, g);
    }
    return [...m.values()].sort((a, b) => b.total - a.total);
  };
  return {
    score: 82.4,
    scopes: [
      {
        source: "policy",
        object: "kaika-system/fleet",
        scope: "*",
        cluster: null,
        lastAuditTime: iso(4 * 60e3),
        objects: 240,
        enforce: 8,
        warn: 30,
        critical: 8,
        warning: 24,
        info: 6,
        score: 84,
      },
      {
        source: "cluster",
        object: "kaika-system/osaka-prod-1",
        scope: "*",
        cluster: "osaka-prod-1",
        lastAuditTime: iso(6 * 60e3),
        objects: 180,
        enforce: 5,
        warn: 12,
        critical: 5,
        warning: 10,
        info: 2,
        score: 91,
      },
      {
        source: "cluster",
        object: "kaika-system/tokyo-prod-2",
        scope: "*",
        cluster: "tokyo-prod-2",
        lastAuditTime: iso(9 * 60e3),
        objects: 170,
        enforce: 9,
        warn: 20,
        critical: 9,
        warning: 14,
        info: 6,
        score: 66,
      },
    ],
    findings: list,
    byCheck: group((f) => f.check),
    byNamespace: group((f) => f.namespace),
    byCluster: group((f) => f.cluster ?? "admin"),
    exemptions: [
      {
        policy: "kaika-system/fleet",
        check: "security.run-as-non-root",
        object: "Deployment/legacy/billing",
        reason: "vendor image runs as root until 2.0",
        expires: new Date(Date.now() + 3 * 86400e3).toISOString(),
        expired: false,
      },
      {
        policy: "kaika-system/fleet",
        check: "pdb.present",
        object: "Deployment/ads/batch",
        reason: "batch job, no serving traffic",
        expires: null,
        expired: false,
      },
      {
        policy: "kaika-system/fleet",
        check: "probes.readiness",
        object: "Deployment/media/transcode",
        reason: "migration to HTTP health",
        expires: iso(86400e3),
        expired: true,
      },
    ],
    missing: null,
  };
}

/** SLOs of the shop's services, one burning and one exhausted. */
export function slosFixture(): SlosResponse {
  const services = ["web", "api", "checkout", "payments", "search", "catalog", "cart", "auth"];
  return {
    prometheus: "http://prometheus.monitoring:9090",
    slos: services.map((service, i) => {
      const budget = i === 2 ? 0.12 : i === 3 ? -0.05 : 0.55 + ((i * 13) % 40) / 100;
      const burn1h = i === 2 ? 3.2 : i === 3 ? 9.5 : 0.2 + (i % 4) * 0.15;
      return {
        namespace: "shop",
        name: `${service}-availability`,
        id: `shop/${service}-availability`,
        service,
        description: `${service} answers without 5xx`,
        objective: i % 2 ? 99.9 : 99.5,
        window: "30d",
        ready: { status: "True", reason: "RulesReady", message: "" },
        errorBudgetRemaining: budget,
        timeToExhaustionSeconds: i === 3 ? 0 : burn1h > 1 ? 5.5 * 3600 : null,
        exhausted: i === 3,
        readings: [
          {
            labels: {},
            errorBudgetRemaining: budget,
            burnRates: { "5m": burn1h * 1.3, "1h": burn1h, "6h": burn1h * 0.7, "3d": burn1h * 0.4 },
            timeToExhaustionSeconds: i === 3 ? 0 : burn1h > 1 ? 5.5 * 3600 : null,
            exhausted: i === 3,
            alerts:
              i === 3
                ? [{ name: "SLOErrorBudgetBurn", severity: "page", state: "firing" }]
                : i === 2
                  ? [{ name: "SLOErrorBudgetBurn", severity: "ticket", state: "pending" }]
                  : [],
          },
        ],
      };
    }),
  };
}

/** A day of budget and burn-rate points for one SLO. */
export function sloSeriesFixture(id = "shop/checkout-availability", points = 96): SloSeriesResponse {
  const start = Math.floor(base / 1000) - points * 900;
  const timestamps = Array.from({ length: points }, (_, i) => start + i * 900);
  const wave = (i: number, k: number) => Math.max(0, Math.sin(i / k) + (i > points * 0.7 ? 2.4 : 0.3));
  return {
    id,
    range: "1d",
    stepSeconds: 900,
    timestamps,
    series: [
      {
        metric: "budgetRemaining",
        window: null,
        labels: {},
        values: timestamps.map((_, i) => 0.6 - (i / points) * 0.48),
      },
      { metric: "burnRate", window: "5m", labels: {}, values: timestamps.map((_, i) => wave(i, 3) * 1.3) },
      { metric: "burnRate", window: "1h", labels: {}, values: timestamps.map((_, i) => wave(i, 6)) },
      { metric: "burnRate", window: "6h", labels: {}, values: timestamps.map((_, i) => wave(i, 12) * 0.7) },
    ],
  };
}

/** A local user who may act, or a read-only one. */
export function whoamiFixture(allowed = true): WhoamiResponse {
  return {
    user: allowed ? "local" : "viewer@example.com",
    groups: allowed ? [] : ["viewers"],
    via: allowed ? "loopback" : "token",
    actionsEnabled: allowed,
    actions: ["reconcile", "suspend", "resume", "rollout/pause", "rollout/resume", "rollout/promote"],
    namespaces: [{ namespace: "kaika-system", allowed }],
    csrfToken: "fixture-token-0000000000000000000000",
  };
}
