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
import { type GroupVersionKind, gvk, type KubeObject } from "../kube/types.ts";
import type { NotificationEvent } from "../notify/events.ts";
import {
  type Condition,
  type Controller,
  controllerOf,
  controllerReference,
  type EventRecorder,
  eventRecorder,
  type Informer,
  type Manager,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  removeCondition,
  setCondition,
  statusConditions,
} from "../runtime/index.ts";
import {
  formatDuration,
  fromNative,
  PrometheusClient,
  PrometheusError,
  prometheusRule,
  readSloStatus,
  ruleFile,
  ruleFileKey,
  rulesObjectName,
  type SloDefinition,
  type SloReading,
  SloSpecError,
  sloRuleGroups,
} from "../slo/index.ts";
import { fieldManager, writeStatus } from "./status.ts";

export const ServiceLevelObjectiveKind = gvk("kaika.dev/v1alpha1", "ServiceLevelObjective");
export const PrometheusRuleKind = gvk("monitoring.coreos.com/v1", "PrometheusRule");
const ConfigMapKind = gvk("v1", "ConfigMap");

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
export function addSloController(manager: Manager, options: SloControllerOptions = {}): Controller {
  const { api, log } = manager;
  const slos = manager.cache.informer<SloObject>(ServiceLevelObjectiveKind);
  const events = eventRecorder(api, "kaika", (err) => log.warn({ err }, "event not recorded"));
  return manager.add({
    name: "servicelevelobjective",
    for: ServiceLevelObjectiveKind,
    reconciler: new SloReconciler(api, slos, events, options),
    maxConcurrentReconciles: options.concurrency ?? 2,
    // Status writes do not re-trigger: spec changes do, and the interval does the rest.
    updatePredicate: (previous, object) => previous.metadata.generation !== object.metadata.generation,
  });
}

/**
 * Adds the controller if the ServiceLevelObjective kind is served, waiting up
 * to `waitMs` for a CRD just installed to be established; otherwise returns
 * undefined (an informer on an unserved kind would hold the manager's start).
 */
export async function addSloControllerIfServed(
  manager: Manager,
  options: SloControllerOptions = {},
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

/** Where the rules went. */
type RulesRef = NonNullable<ServiceLevelObjectiveStatus["rules"]>;

/** Reconciles ServiceLevelObjectives into rules and status. */
export class SloReconciler implements Reconciler {
  readonly #api: KubeApi;
  readonly #slos: Informer<SloObject>;
  readonly #events: EventRecorder;
  readonly #options: SloControllerOptions;
  readonly #prometheus: PrometheusClient | undefined;

  constructor(api: KubeApi, slos: Informer<SloObject>, events: EventRecorder, options: SloControllerOptions) {
    this.#api = api;
    this.#slos = slos;
    this.#events = events;
    this.#options = options;
    this.#prometheus = options.prometheusUrl ? new PrometheusClient({ url: options.prometheusUrl }) : undefined;
  }

  async reconcile(request: Request, { log, signal }: ReconcileContext): Promise<Result | undefined> {
    const slo = this.#slos.get(`${request.namespace}/${request.name}`);
    // Deleted: the rules object goes with it (owner reference).
    if (!slo || slo.metadata.deletionTimestamp) return undefined;
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
      rules = await this.#writeRules(slo, definition);
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

    const budget = await this.#readBudget(definition, signal);
    let conditions = statusConditions(
      previous.conditions,
      "ready",
      SloReasons.rulesWritten,
      `rules in ${rules.kind} ${rules.name}; ${budget.summary}`,
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
      ...budget.fields,
    });
    return { requeueAfter: this.#options.intervalMs ?? 60_000 };
  }

  /** Phase rules: PrometheusRule if its CRD is served, else ConfigMap slo-rules-<name>; the other one goes. */
  async #writeRules(slo: SloObject, definition: SloDefinition): Promise<RulesRef> {
    const namespace = slo.metadata.namespace;
    const name = rulesObjectName(definition);
    const owner = { ownerReferences: [controllerReference(slo)] };
    const groups = sloRuleGroups(definition);
    const count = { groups: groups.length, rules: groups.reduce((n, g) => n + g.rules.length, 0) };
    const labels = { ...(slo.metadata.labels ?? {}) };
    if (await this.#served(PrometheusRuleKind)) {
      const object = prometheusRule(definition, { namespace, labels });
      await this.#api.apply({ ...object, metadata: { ...object.metadata, ...owner } }, { fieldManager, force: true });
      await this.#deleteOwned(ConfigMapKind, name, slo);
      return { kind: "PrometheusRule", name, ...count };
    }
    await this.#api.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name,
          namespace,
          labels: { ...labels, "app.kubernetes.io/managed-by": "kaika", "kaika.dev/slo": definition.name },
          ...owner,
        },
        data: { [ruleFileKey(definition)]: ruleFile([definition]) },
      },
      { fieldManager, force: true },
    );
    return { kind: "ConfigMap", name, ...count };
  }

  async #served(kind: GroupVersionKind): Promise<boolean> {
    try {
      await this.#api.mapper.mapping(kind);
      return true;
    } catch (error) {
      if (error instanceof NoKindMatchError) return false;
      throw error;
    }
  }

  /** Deletes `name` of `kind` only if this SLO owns it (never a user's object of the same name). */
  async #deleteOwned(kind: GroupVersionKind, name: string, slo: SloObject): Promise<void> {
    try {
      const existing = await this.#api.get(kind, name, slo.metadata.namespace);
      if (controllerOf(existing)?.uid !== slo.metadata.uid) return;
      await this.#api.delete(kind, name, slo.metadata.namespace);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
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
