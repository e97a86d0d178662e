/** The SLI windows and the multi-window multi-burn-rate alert parameters, derived from the SLO window. */

/** Windows whose error ratio is read from the raw queries. */
export const shortWindows = ["5m", "30m", "1h", "2h", "6h"] as const;
/** Windows built from the 5m rates (request-weighted), besides the SLO window itself. */
export const longWindows = ["1d", "3d"] as const;

/** A window kaika records: a short one, a long one, or the SLO window ("30d"). */
export type SliWindow = (typeof shortWindows)[number] | (typeof longWindows)[number] | `${number}d`;

/** Every window recorded for an SLO of `windowDays`, shortest first. */
export function sliWindows(windowDays: number): SliWindow[] {
  return [...shortWindows, ...longWindows, `${windowDays}d`];
}

/** Seconds in a Prometheus duration made of one unit ("5m", "30d"). */
export function windowSeconds(window: string): number {
  const match = /^([0-9]+)(s|m|h|d|w)$/.exec(window);
  if (!match) throw new Error(`not a window: "${window}"`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[match[2] as "s" | "m" | "h" | "d" | "w"];
  return Number(match[1]) * unit;
}

/** One multi-window condition: the burn rate must exceed `factor` over both windows. */
export interface BurnCondition {
  readonly longWindow: SliWindow;
  readonly shortWindow: SliWindow;
  /** Share of the whole window's budget this condition lets go before it fires. */
  readonly budgetFraction: number;
  /** Burn rate threshold: budgetFraction × SLO window / long window. */
  readonly factor: number;
}

/** The page and ticket alerts, each firing when either of its two conditions holds. */
export interface AlertWindows {
  readonly page: readonly [BurnCondition, BurnCondition];
  readonly ticket: readonly [BurnCondition, BurnCondition];
}

// The SRE workbook's table: budget shares of a 30-day window that each condition spends before it fires.
const workbook = {
  page: [
    { longWindow: "1h", shortWindow: "5m", budgetFraction: 0.02 },
    { longWindow: "6h", shortWindow: "30m", budgetFraction: 0.05 },
  ],
  ticket: [
    { longWindow: "1d", shortWindow: "2h", budgetFraction: 0.1 },
    { longWindow: "3d", shortWindow: "6h", budgetFraction: 0.1 },
  ],
} as const;

/**
 * The alert conditions for an SLO window of `windowDays`. The factors keep the
 * workbook's budget shares, so 30d gives 14.4, 6, 3, 1 and 28d gives 13.44,
 * 5.6, 2.8, 0.933…: factor = budgetFraction × window / longWindow.
 */
export function alertWindows(windowDays: number): AlertWindows {
  const condition = (c: { longWindow: SliWindow; shortWindow: SliWindow; budgetFraction: number }): BurnCondition => ({
    ...c,
    factor: round((c.budgetFraction * windowDays * 86_400) / windowSeconds(c.longWindow)),
  });
  return {
    page: [condition(workbook.page[0]), condition(workbook.page[1])],
    ticket: [condition(workbook.ticket[0]), condition(workbook.ticket[1])],
  };
}

/** Rounds away float noise (0.02 × 720 = 14.399999…) so rules show the numbers people expect. */
export function round(value: number): number {
  return Number(value.toPrecision(10));
}
