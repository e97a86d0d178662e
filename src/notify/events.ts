/** What kaika tells people about: a rollout halted by its SLO gate, an error budget spent. */

/** A burn rate as a notification shows it. */
export interface NotifiedBurnRate {
  readonly slo: string;
  readonly service: string;
  /** Other labels of the series, e.g. cluster. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly window: string;
  readonly burnRate: number;
}

/** A Sync's wave did not pass its SLO gate; the rollout stopped there. */
export interface GateHaltedEvent {
  readonly type: "GateHalted";
  readonly sync: { readonly namespace: string; readonly name: string };
  /** The wave whose SLO gate failed: the waves after it were not started (it was rolled back with rolledBack). */
  readonly wave: string;
  /** The commit being rolled out. */
  readonly revision?: string | undefined;
  /** The gate's one-line reason. */
  readonly reason: string;
  readonly threshold?: number | undefined;
  readonly burnRates?: readonly NotifiedBurnRate[] | undefined;
  /** True when the failed wave was rolled back to the previous commit. */
  readonly rolledBack?: boolean | undefined;
  /** RFC 3339; default now. */
  readonly time?: string | undefined;
}

/** An SLO's error budget for its window is spent (remaining ≤ 0). */
export interface BudgetExhaustedEvent {
  readonly type: "BudgetExhausted";
  readonly slo: {
    readonly namespace?: string | undefined;
    readonly name: string;
    readonly service: string;
  };
  /** Percentage, e.g. 99.9. */
  readonly objective: number;
  /** e.g. "30d". */
  readonly window: string;
  /** Share of the budget left: 0 or below. */
  readonly errorBudgetRemaining: number;
  readonly burnRates?: readonly NotifiedBurnRate[] | undefined;
  readonly time?: string | undefined;
}

/** Every event a notifier sends. */
export type NotificationEvent = GateHaltedEvent | BudgetExhaustedEvent;
