/** The ledger over a store: records applies, answers "what ran where, when" and diffs two answers. */
import { LedgerError } from "./errors.ts";
import { buildMatrix, compare } from "./matrix.ts";
import { planWrite, prepare } from "./plan.ts";
import type { Store } from "./store.ts";
import type {
  HistoryChange,
  HistoryQuery,
  Ledger,
  LedgerRecord,
  Side,
  VersionDiff,
  VersionMatrix,
  VersionQuery,
} from "./types.ts";

/** The Ledger interface over any Store (SQLite or PostgreSQL). */
export class StoreLedger implements Ledger {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get location(): string {
    return this.#store.location;
  }

  async record(record: LedgerRecord): Promise<void> {
    if (!record.cluster)
      throw new LedgerError("InvalidRecord", this.location, `record of Sync ${record.sync}: no cluster`);
    if (Number.isNaN(record.time.getTime()))
      throw new LedgerError(
        "InvalidRecord",
        this.location,
        `record of Sync ${record.sync} on ${record.cluster}: invalid time`,
      );
    const changes = prepare(record);
    if (changes.length === 0) return;
    await this.#store.write(
      record.cluster,
      changes.map((c) => c.ref),
      (existing) => planWrite(record, changes, existing),
    );
  }

  async versions(query: VersionQuery = {}): Promise<VersionMatrix> {
    const at = query.at ?? new Date();
    return buildMatrix(at, await this.#store.latest(at.getTime(), query.cluster));
  }

  async earliest(): Promise<Date | null> {
    const ms = await this.#store.earliest();
    return ms === null ? null : new Date(ms);
  }

  async diff(a: Side, b: Side): Promise<VersionDiff> {
    const now = new Date();
    const left = { cluster: a.cluster, at: a.at ?? now };
    const right = { cluster: b.cluster, at: b.at ?? now };
    const [ma, mb] = [await this.versions(left), await this.versions(right)];
    return { a: left, b: right, services: compare(ma, left.cluster, mb, right.cluster) };
  }

  async history(query: HistoryQuery): Promise<HistoryChange[]> {
    const rows = await this.#store.history(
      query.sync,
      query.cluster,
      Math.max(1, Math.min(query.limit ?? 100, 10_000)),
    );
    return rows.map((r) => ({
      time: new Date(Number(r.time)),
      cluster: r.cluster,
      sync: r.sync,
      revision: r.revision,
      action: r.action,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      ...(r.service === null ? {} : { service: r.service }),
      ...(r.version === null ? {} : { version: r.version }),
    }));
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
