/**
 * The ServiceLevelObjective controller: writes each SLO's rules (a
 * PrometheusRule where the Prometheus Operator's CRD is served, else a
 * ConfigMap with the rule file) and its error budget from Prometheus into
 * status, reading it again every interval. Phases: definition → rules → budget → status.
 */
import type { ServiceLevelObjectiveSpec, ServiceLevelObjectiveStatus } from "../api/slo.ts";
import type { KubeApi } from "../kube/api.ts";
import { NoKindMatchError } from "../kube/discovery.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import type { NotificationEvent } from "../notify/events.ts";
import {
  addFinalizer,
  type Condition,
  type Controller,
  type EventRecorder,
  eventRecorder,
  hasFinalizer,
  type Informer,
  type Manager,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  removeCondition,
  removeFinalizer,
  setCondition,
  statusConditions,
} from "../runtime/index.ts";
import {
  formatDuration,
  fromNative,
  PrometheusClient,
  PrometheusError,
  readSloStatus,
  type SloDefinition,
  type SloReading,
  SloSpecError,
} from "../slo/index.ts";
import { ClusterKind, type ClusterObject } from "./cluster.ts";
import type { ClusterClients } from "./cluster-clients.ts";
import { type ClusterRules, SloFleetRules } from "./slo-fleet.ts";
import { type RulesRef, writeRulesObject } from "./slo-rules.ts";
import { writeStatus } from "./status.ts";

export const ServiceLevelObjectiveKind = gvk("kaika.dev/v1alpha1", "ServiceLevelObjective");
/** Held while an SLO's rules may still be in fleet Clusters (no owner reference reaches there). */
export const sloRulesFinalizer = "kaika.dev/slo-fleet-rules";

/** A ServiceLevelObjective as read from the cache. */
export type SloObject = KubeObject & { spec: ServiceLevelObjectiveSpec; status?: ServiceLevelObjectiveStatus };

/** Options of the SLO controller. */
export interface SloControllerOptions {
  /** The Prometheus that evaluates the rules; without it status carries no budget. */
  readonly prometheusUrl?: string | undefined;
  /** How often each SLO's budget is read again; default 60 s. */
  readonly intervalMs?: number | undefined;
  /** Told when a budget becomes exhausted (never throws). */
  readonly notifier?: { notify(event: NotificationEvent): Promise<unknown> } | undefined;
  /** Concurrent reconciles; default 2. */
  readonly concurrency?: number | undefined;
  /** Clients of the fleet Clusters that spec.clusterSelector reaches (the caller closes them). */
  readonly clusterClients: ClusterClients;
}

/** Status reasons, one per phase outcome. */
export const SloReasons = {
  invalidSpec: "InvalidSpec",
  rulesFailed: "RulesWriteFailed",
  rulesWritten: "RulesWritten",
  exhausted: "BudgetExhausted",
  budgetLeft: "BudgetLeft",
  noData: "NoData",
  prometheusUnavailable: "PrometheusUnavailable",
  noPrometheus: "PrometheusNotConfigured",
  alertsFiring: "AlertsFiring",
  noAlerts: "NoAlerts",
} as const;

/** Adds the ServiceLevelObjective controller to `manager`. */
export function addSloController(manager: Manager, options: SloControllerOptions): Controller {
  const { api, log } = manager;
  const slos = manager.cache.informer<SloObject>(ServiceLevelObjectiveKind);
  const clusters = manager.cache.informer<ClusterObject>(ClusterKind);
  const events = eventRecorder(api, "kaika", (err) => log.warn({ err }, "event not recorded"));
  const fleet = new SloFleetRules(api, clusters, options.clusterClients);
  // A Cluster added, removed, relabelled or back from unreachable: the SLOs reaching fleet Clusters look again.
  const fleetSlos = (): { namespace: string; name: string }[] =>
    slos
      .list()
      .filter((s) => s.spec.clusterSelector || s.status?.clusters?.length)
      .map((s) => ({ namespace: s.metadata.namespace ?? "", name: s.metadata.name ?? "" }));
  return manager.add({
    name: "servicelevelobjective",
    for: ServiceLevelObjectiveKind,
    reconciler: new SloReconciler(api, slos, events, options, fleet),
    maxConcurrentReconciles: options.concurrency ?? 2,
    // Status writes do not re-trigger: spec changes and deletion do, and the interval does the rest.
    updatePredicate: (previous, object) =>
      previous.metadata.generation !== object.metadata.generation ||
      previous.metadata.deletionTimestamp !== object.metadata.deletionTimestamp,
    watches: [
      {
        kind: ClusterKind,
        map: fleetSlos,
        updatePredicate: (previous, object) =>
          JSON.stringify(previous.metadata.labels ?? {}) !== JSON.stringify(object.metadata.labels ?? {}) ||
          previous.metadata.generation !== object.metadata.generation ||
          (previous as ClusterObject).status?.reachable !== (object as ClusterObject).status?.reachable,
      },
    ],
  });
}

/**
 * Adds the controller if the ServiceLevelObjective kind is served, waiting up
 * to `waitMs` for a CRD just installed to be established; otherwise returns
 * undefined (an informer on an unserved kind would hold the manager's start).
 */
export async function addSloControllerIfServed(
  manager: Manager,
  options: SloControllerOptions,
  waitMs = 0,
): Promise<Controller | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await manager.api.mapper.mapping(ServiceLevelObjectiveKind);
      return addSloController(manager, options);
    } catch (error) {
      if (!(error instanceof NoKindMatchError)) throw error;
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Reconciles ServiceLevelObjectives into rules and status. */
export class SloReconciler implements Reconciler {
  readonly #api: KubeApi;
  readonly #slos: Informer<SloObject>;
  readonly #events: EventRecorder;
  readonly #options: SloControllerOptions;
  readonly #prometheus: PrometheusClient | undefined;
  readonly #fleet: SloFleetRules;

  constructor(
    api: KubeApi,
    slos: Informer<SloObject>,
    events: EventRecorder,
    options: SloControllerOptions,
    fleet: SloFleetRules,
  ) {
    this.#api = api;
    this.#slos = slos;
    this.#events = events;
    this.#options = options;
    this.#fleet = fleet;
    this.#prometheus = options.prometheusUrl ? new PrometheusClient({ url: options.prometheusUrl }) : undefined;
  }

  async reconcile(request: Request, { log, signal }: ReconcileContext): Promise<Result | undefined> {
    if (!this.#slos.get(`${request.namespace}/${request.name}`)) return undefined;
    // Live, not cached: status.clusters says where rules were written, and a copy a step behind
    // could forget one (and leave its rules behind when they are removed).
    let slo = await this.#api
      .get<SloObject>(ServiceLevelObjectiveKind, request.name, request.namespace)
      .catch((e) => (e instanceof NotFoundError ? undefined : Promise.reject(e)));
    if (!slo) return undefined;
    // Deleted: the local rules object goes with it (owner reference); the fleet Clusters' ones by the finalizer.
    if (slo.metadata.deletionTimestamp) return this.#finalize(slo, log);
    const reachesFleet = slo.spec.clusterSelector !== undefined || (slo.status?.clusters?.length ?? 0) > 0;
    if (reachesFleet && !hasFinalizer(slo, sloRulesFinalizer)) {
      slo = (await addFinalizer(this.#api, slo, sloRulesFinalizer)) as SloObject;
    }
    const generation = slo.metadata.generation;
    const previous = slo.status ?? {};

    let definition: SloDefinition;
    try {
      definition = fromNative(slo as unknown as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof SloSpecError)) throw error;
      await writeStatus(this.#api, slo, {
        ...previous,
        observedGeneration: generation,
        conditions: statusConditions(previous.conditions, "stalled", SloReasons.invalidSpec, error.message, generation),
      });
      log.warn({ err: error }, "invalid SLO spec; waiting for a change");
      return undefined;
    }

    let rules: RulesRef;
    try {
      rules = await writeRulesObject(this.#api, slo, definition, true);
    } catch (error) {
      const message = `writing rules: ${error instanceof Error ? error.message : String(error)}`;
      await writeStatus(this.#api, slo, {
        ...previous,
        observedGeneration: generation,
        conditions: statusConditions(previous.conditions, "reconciling", SloReasons.rulesFailed, message, generation),
      });
      await this.#events.event(slo, "Warning", SloReasons.rulesFailed, message);
      throw error;
    }

    const clusters = await this.#fleet.write(slo, definition, previous.clusters ?? []);
    if (clusters.length === 0 && !slo.spec.clusterSelector && hasFinalizer(slo, sloRulesFinalizer)) {
      slo = (await removeFinalizer(this.#api, slo, sloRulesFinalizer)) as SloObject;
    }
    const budget = await this.#readBudget(definition, signal);
    let conditions = statusConditions(
      previous.conditions,
      "ready",
      SloReasons.rulesWritten,
      `rules in ${rules.kind} ${rules.name}${fleetSummary(clusters, slo.spec.clusterSelector !== undefined)}; ${budget.summary}`,
      generation,
    );
    const observed = generation === undefined ? {} : { observedGeneration: generation };
    conditions = setCondition(conditions, { ...budget.exhausted, ...observed });
    conditions = budget.alerting
      ? setCondition(conditions, { ...budget.alerting, ...observed })
      : removeCondition(conditions, "Alerting");
    await this.#announce(slo, definition, previous.conditions, budget);
    await writeStatus(this.#api, slo, {
      observedGeneration: generation,
      conditions,
      rules,
      ...(clusters.length > 0 ? { clusters } : {}),
      ...budget.fields,
    });
    return { requeueAfter: this.#options.intervalMs ?? 60_000 };
  }

  /** Removes the rules from the fleet Clusters that got them, then lets the SLO go. */
  async #finalize(slo: SloObject, log: ReconcileContext["log"]): Promise<Result | undefined> {
    if (!hasFinalizer(slo, sloRulesFinalizer)) return undefined;
    const left = await this.#fleet.removeAll(slo, slo.status?.clusters ?? []);
    if (left.length > 0) {
      log.warn({ clusters: left.map((c) => c.cluster) }, "SLO rules not yet removed from every Cluster; retrying");
      await writeStatus(this.#api, slo, { ...slo.status, clusters: left });
      return { requeueAfter: 10_000 };
    }
    await removeFinalizer(this.#api, slo, sloRulesFinalizer);
    return undefined;
  }

  /** Phase budget: the worst of the SLO's series in Prometheus, as status fields and conditions. */
  async #readBudget(definition: SloDefinition, signal: AbortSignal): Promise<BudgetOutcome> {
    if (!this.#prometheus) {
      return {
        summary: "no --prometheus-url, so no budget",
        exhausted: unknown(SloReasons.noPrometheus, "kaika run has no --prometheus-url"),
        fields: {},
      };
    }
    let readings: SloReading[];
    try {
      readings = await readSloStatus(this.#prometheus, { id: definition.id, signal });
    } catch (error) {
      if (!(error instanceof PrometheusError)) throw error;
      return {
        summary: "budget unknown: Prometheus unavailable",
        exhausted: unknown(SloReasons.prometheusUnavailable, error.message),
        fields: {},
      };
    }
    return budgetOutcome(readings, new Date());
  }

  /** Events and notifications when the budget runs out or comes back. */
  async #announce(
    slo: SloObject,
    definition: SloDefinition,
    before: readonly Condition[] | undefined,
    budget: BudgetOutcome,
  ): Promise<void> {
    const was = before?.find((c) => c.type === "ErrorBudgetExhausted")?.status;
    const now = budget.exhausted.status;
    if (now === "True" && was !== "True") {
      await this.#events.event(slo, "Warning", SloReasons.exhausted, budget.exhausted.message);
      await this.#options.notifier?.notify({
        type: "BudgetExhausted",
        slo: { namespace: definition.namespace, name: definition.name, service: definition.service },
        objective: definition.objective,
        window: `${definition.windowDays}d`,
        errorBudgetRemaining: budget.fields.errorBudgetRemaining ?? 0,
        burnRates: (budget.fields.burnRates ?? []).map((r) => ({
          slo: definition.id,
          service: definition.service,
          window: r.window,
          burnRate: r.rate,
        })),
      });
    } else if (now === "False" && was === "True") {
      await this.#events.event(slo, "Normal", SloReasons.budgetLeft, budget.exhausted.message);
    }
  }
}

/** ", and in 2 of 3 Clusters (prod-2 Unreachable)" for the Ready message; empty without a clusterSelector. */
function fleetSummary(clusters: readonly ClusterRules[], selecting: boolean): string {
  if (!selecting) return "";
  const written = clusters.filter((c) => c.state === "Written").length;
  const others = clusters.filter((c) => c.state !== "Written").map((c) => `${c.cluster} ${c.state}`);
  return ` and in ${written} of ${clusters.length} Clusters${others.length ? ` (${others.join(", ")})` : ""}`;
}

type ConditionFields = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

interface BudgetOutcome {
  /** For the Ready message. */
  readonly summary: string;
  readonly exhausted: ConditionFields;
  readonly alerting?: ConditionFields | undefined;
  readonly fields: Pick<
    ServiceLevelObjectiveStatus,
    "errorBudgetRemaining" | "burnRates" | "timeToExhaustion" | "alerts" | "lastEvaluationTime"
  >;
}

const unknown = (reason: string, message: string): ConditionFields => ({
  type: "ErrorBudgetExhausted",
  status: "Unknown",
  reason,
  message,
});

/** The worst of several series (e.g. one per cluster): lowest budget, highest burn rate, soonest exhaustion. */
export function budgetOutcome(readings: readonly SloReading[], now: Date): BudgetOutcome {
  const budgets = readings.flatMap((r) => (r.errorBudgetRemaining === undefined ? [] : [r.errorBudgetRemaining]));
  const alerts = new Map<string, { name: string; severity: string; state: string }>();
  for (const r of readings) for (const a of r.alerts) alerts.set(`${a.name}/${a.severity}/${a.state}`, { ...a });
  const firing = [...alerts.values()].filter((a) => a.state === "firing");
  const alerting: ConditionFields =
    firing.length > 0
      ? {
          type: "Alerting",
          status: "True",
          reason: SloReasons.alertsFiring,
          message: `firing: ${firing.map((a) => `${a.name} (${a.severity})`).join(", ")}`,
        }
      : { type: "Alerting", status: "False", reason: SloReasons.noAlerts, message: "no SLO alert is firing" };
  const lastEvaluationTime = now.toISOString().replace(/\.\d+Z$/, "Z");
  if (budgets.length === 0) {
    return {
      summary: "no budget data yet",
      exhausted: unknown(SloReasons.noData, "Prometheus has no budget series for this SLO yet"),
      alerting,
      fields: { lastEvaluationTime, ...(alerts.size ? { alerts: [...alerts.values()] } : {}) },
    };
  }
  const remaining = Math.min(...budgets);
  const burn = new Map<string, number>();
  for (const r of readings) {
    for (const [window, rate] of Object.entries(r.burnRates)) burn.set(window, Math.max(burn.get(window) ?? 0, rate));
  }
  const ttes = readings.flatMap((r) => (r.timeToExhaustionSeconds === null ? [] : [r.timeToExhaustionSeconds]));
  const tte = ttes.length ? Math.min(...ttes) : undefined;
  const left = `${(remaining * 100).toFixed(1)}% of the error budget left`;
  return {
    summary: left,
    exhausted:
      remaining <= 0
        ? { type: "ErrorBudgetExhausted", status: "True", reason: SloReasons.exhausted, message: `${left}: exhausted` }
        : { type: "ErrorBudgetExhausted", status: "False", reason: SloReasons.budgetLeft, message: left },
    alerting,
    fields: {
      errorBudgetRemaining: Number(remaining.toFixed(6)),
      burnRates: [...burn].map(([window, rate]) => ({ window, rate: Number(rate.toPrecision(6)) })),
      ...(tte !== undefined ? { timeToExhaustion: formatDuration(tte) } : {}),
      ...(alerts.size ? { alerts: [...alerts.values()] } : {}),
      lastEvaluationTime,
    },
  };
}
