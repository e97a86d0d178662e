/** Decides what one apply writes to the ledger: a row only where a workload's state changed. */
import type { ChangeRow, NewObject, StoredObject, WritePlan } from "./store.ts";
import type { ChangeAction, LedgerRecord } from "./types.ts";
import { identityOf, workloadOf } from "./workload.ts";

/** One workload change of a record, read once before the transaction. */
export interface PreparedChange extends NewObject {
  readonly action: ChangeAction;
  /** JSON of service, version and images; "" when the action removes the object. */
  readonly state: string;
  readonly service: string | null;
  readonly version: string | null;
  readonly images: string;
}

const gone = (action: ChangeAction): boolean => action === "pruned" || action === "deleted";

/**
 * The workload changes of a record; objects without a pod template are left out. A removal needs only the
 * object's identity (apiVersion, kind, namespace, name), since a prune knows no more; removing an object the
 * ledger never recorded writes nothing.
 */
export function prepare(record: LedgerRecord): PreparedChange[] {
  return record.changes.flatMap(({ object, action }): PreparedChange[] => {
    const identity = identityOf(object);
    if (gone(action)) return [{ ...identity, action, state: "", service: null, version: null, images: "[]" }];
    const workload = workloadOf(object);
    if (!workload) return [];
    const images = JSON.stringify(workload.images);
    const state = JSON.stringify({ service: workload.service, version: workload.version, images: workload.images });
    return [{ ...identity, action, state, service: workload.service, version: workload.version, images }];
  });
}

/**
 * The write for prepared changes given the objects' current rows: a new object row for a workload seen for the
 * first time, a change row when its state differs from the stored one (a removal of an object never seen or
 * already gone writes nothing), and a confirmation for every workload found in place.
 */
export function planWrite(
  record: LedgerRecord,
  changes: readonly PreparedChange[],
  existing: ReadonlyMap<string, StoredObject>,
): WritePlan {
  const time = record.time.getTime();
  const state = new Map<string, string>([...existing].map(([ref, o]) => [ref, o.state]));
  const creates: NewObject[] = [];
  const rows: ChangeRow[] = [];
  const confirms = new Set<string>();
  for (const change of changes) {
    const current = state.get(change.ref);
    if (gone(change.action)) {
      confirms.delete(change.ref);
      if (current === undefined || current === "") continue;
    } else {
      confirms.add(change.ref);
      if (current === undefined) {
        const { ref, kind, namespace, name } = change;
        creates.push({ ref, kind, namespace, name });
      } else if (current === change.state) continue;
    }
    state.set(change.ref, change.state);
    const { ref, action, service, version, images } = change;
    rows.push({
      ref,
      time,
      sync: record.sync,
      revision: record.revision,
      action,
      service,
      version,
      images,
      state: change.state,
    });
  }
  return { creates, changes: rows, confirms: [...confirms], confirmedAt: time, confirmedRevision: record.revision };
}
