/**
 * The periodic audit in `kaika run`: a controller, so it runs only on the leader, with one work
 * item ("audit") that requeues itself every interval. A ReadinessPolicy created, deleted or
 * changed in spec audits again at once, so its status follows the policy.
 */
import { ReadinessPolicyKind } from "../api/readiness-policy.ts";
import type { KubeApi } from "../kube/api.ts";
import { NoKindMatchError } from "../kube/discovery.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Controller, Informer, Manager, ReconcileContext, Reconciler, Request, Result } from "../runtime/index.ts";
import { generationChanged } from "../runtime/index.ts";
import { AuditMetrics } from "./metrics.ts";
import { type AuditOptions, auditCluster } from "./scan.ts";
import { writeAuditStatus } from "./status.ts";

/** The one work item of the audit controller. */
export const auditKey = "audit";

/** Options of the audit controller. */
export interface AuditSetup extends AuditOptions {
  /** Time between audits. */
  readonly intervalMs: number;
  /** Findings listed in each policy's status; default 20. */
  readonly top?: number | undefined;
  /** Metrics shared with the fleet clusters' audits; default new ones on the manager's registry. */
  readonly metrics?: AuditMetrics | undefined;
}

/** Runs auditCluster() every interval; writes metrics and every ReadinessPolicy's status. */
export class AuditReconciler implements Reconciler {
  readonly metrics: AuditMetrics;
  readonly #api: KubeApi;
  readonly #policies: Informer;
  readonly #setup: AuditSetup;
  #controller: Controller | undefined;

  constructor(api: KubeApi, policies: Informer, metrics: AuditMetrics, setup: AuditSetup) {
    this.#api = api;
    this.#policies = policies;
    this.metrics = metrics;
    this.#setup = setup;
  }

  /** The controller whose queue a policy change puts the audit on. */
  attach(controller: Controller): void {
    this.#controller = controller;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    if (request.namespace !== undefined || request.name !== auditKey) {
      // A ReadinessPolicy changed: one audit covers every policy.
      this.#controller?.queue.add(auditKey);
      return undefined;
    }
    const policies: KubeObject[] = this.#policies.list();
    const report = await auditCluster(this.#api, policies, this.#setup);
    this.metrics.record(report);
    const failed = await writeAuditStatus(this.#api, policies, report, this.#setup);
    for (const f of failed) log.warn({ policy: f.policy, err: f.error }, "audit: status not written");
    const enforced = report.findings.filter((f) => f.mode === "enforce").length;
    log.info(
      {
        objects: [...report.objects.values()].reduce((a, b) => a + b, 0),
        findings: report.findings.length,
        enforced,
        skipped: report.skipped.map((s) => s.kind),
        seconds: Number(report.durationSeconds.toFixed(3)),
      },
      "audit done",
    );
    return { requeueAfter: this.#setup.intervalMs };
  }
}

/** Adds the audit controller to `manager` (metrics on the manager's registry); the first audit runs once caches synced. */
export function addAuditController(manager: Manager, setup: AuditSetup): AuditReconciler {
  const policies = manager.cache.informer(ReadinessPolicyKind);
  const reconciler = new AuditReconciler(
    manager.api,
    policies,
    setup.metrics ?? new AuditMetrics(manager.metrics.registry),
    setup,
  );
  const controller = manager.add({
    name: "audit",
    for: ReadinessPolicyKind,
    reconciler,
    // Status writes (the audit's own) do not change the generation: no audit loop.
    updatePredicate: generationChanged,
  });
  reconciler.attach(controller);
  controller.queue.add(auditKey);
  return reconciler;
}

/**
 * addAuditController() once the ReadinessPolicy CRD is served, waiting up to `waitMs` for it (just
 * installed); undefined when it is not (the manager's caches would never sync without it).
 */
export async function addAuditControllerIfServed(
  manager: Manager,
  setup: AuditSetup,
  waitMs = 0,
): Promise<AuditReconciler | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await manager.api.mapper.mapping(ReadinessPolicyKind);
      return addAuditController(manager, setup);
    } catch (error) {
      if (!(error instanceof NoKindMatchError)) throw error;
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
