/** Status conditions as kstatus and `kubectl wait --for=condition=Ready` read them. */

/** One entry of status.conditions (metav1.Condition). */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** What setCondition takes: a condition without its transition time. */
export type ConditionUpdate = Omit<Condition, "lastTransitionTime">;

/**
 * Returns `conditions` with `update` set: lastTransitionTime is kept when the
 * status did not change, as the API conventions require. Does not mutate.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now = new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === update.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    ...update,
    lastTransitionTime:
      previous && previous.status === update.status
        ? previous.lastTransitionTime
        : now.toISOString().replace(/\.\d+Z$/, "Z"),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** The condition of `type`, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Removes the condition of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/**
 * The kstatus trio for one outcome of a reconcile, at `generation`:
 * - ready: Ready=True, Reconciling and Stalled removed;
 * - reconciling: Ready=False (or Unknown), Reconciling=True: work is under way, retry expected;
 * - stalled: Ready=False, Stalled=True: an error that retrying will not fix (bad spec).
 */
export function statusConditions(
  conditions: readonly Condition[] | undefined,
  outcome: "ready" | "reconciling" | "stalled",
  reason: string,
  message: string,
  generation?: number,
): Condition[] {
  const observedGeneration = generation === undefined ? {} : { observedGeneration: generation };
  let list = [...(conditions ?? [])];
  if (outcome === "ready") {
    list = removeCondition(removeCondition(list, "Reconciling"), "Stalled");
    return setCondition(list, { type: "Ready", status: "True", reason, message, ...observedGeneration });
  }
  const other = outcome === "reconciling" ? "Stalled" : "Reconciling";
  list = removeCondition(list, other);
  list = setCondition(list, {
    type: outcome === "reconciling" ? "Reconciling" : "Stalled",
    status: "True",
    reason,
    message,
    ...observedGeneration,
  });
  return setCondition(list, { type: "Ready", status: "False", reason, message, ...observedGeneration });
}
