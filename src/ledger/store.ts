/** The seam between the ledger's logic and its databases: what a store must do, and the SQL both share. */
import type { ChangeAction } from "./types.ts";

/** An object's row as a write finds it. */
export interface StoredObject {
  readonly id: number;
  readonly ref: string;
  /** JSON of service, version and images; "" when gone. */
  readonly state: string;
}

/** A new object row. */
export interface NewObject {
  readonly ref: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** A change row; service, version are null when the object is gone. */
export interface ChangeRow {
  readonly ref: string;
  readonly time: number;
  readonly sync: string;
  readonly revision: string;
  readonly action: ChangeAction;
  readonly service: string | null;
  readonly version: string | null;
  readonly images: string;
  readonly state: string;
}

/** What one record writes: new objects first, then changes in order, then confirmations. */
export interface WritePlan {
  readonly creates: readonly NewObject[];
  readonly changes: readonly ChangeRow[];
  /** Refs an apply found in place, with or without a change. */
  readonly confirms: readonly string[];
  readonly confirmedAt: number;
  readonly confirmedRevision: string;
}

/** The latest change of an object at or before a time, joined with the object. */
export interface LatestRow {
  readonly cluster: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly id: number | string;
  readonly last_change: number | string | null;
  readonly confirmed_at: number | string;
  readonly confirmed_revision: string;
  readonly time: number | string;
  readonly sync: string;
  readonly revision: string;
  readonly action: ChangeAction;
  readonly service: string | null;
  readonly version: string | null;
  readonly images: string;
}

/** A change row joined with its object, for history(). */
export interface HistoryRow {
  readonly cluster: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly time: number | string;
  readonly sync: string;
  readonly revision: string;
  readonly action: ChangeAction;
  readonly service: string | null;
  readonly version: string | null;
}

/** One Sync's changes, newest first: parameters sync, [cluster,] limit. */
export function historySql(oneCluster: boolean): string {
  return `SELECT o.cluster, o.kind, o.namespace, o.name, c.time, c.sync, c.revision, c.action, c.service, c.version
    FROM ledger_changes c JOIN ledger_objects o ON o.id = c.object_id
    WHERE c.sync = ?${oneCluster ? " AND o.cluster = ?" : ""} ORDER BY c.time DESC, c.id DESC LIMIT ?`;
}

/**
 * The time of the first change recorded: the row with the lowest id (one probe of the primary key;
 * rows are written as changes happen, so it is the oldest but for clock skew between writers).
 */
export const earliestSql = "SELECT time FROM ledger_changes ORDER BY id LIMIT 1";

/** A database the ledger keeps its tables in. */
export interface Store {
  readonly location: string;
  /**
   * Reads the rows of `refs` on `cluster`, lets `decide` plan the write, and applies it in one transaction.
   * Writers of one cluster run one at a time, across processes.
   */
  write(
    cluster: string,
    refs: readonly string[],
    decide: (existing: Map<string, StoredObject>) => WritePlan,
  ): Promise<void>;
  /** Every object's latest change at or before `at` (ms), on one cluster or all. */
  latest(at: number, cluster?: string | undefined): Promise<LatestRow[]>;
  /** One Sync's change rows, newest first. */
  history(sync: string, cluster: string | undefined, limit: number): Promise<HistoryRow[]>;
  /** The time (ms) of the first change recorded, or null for an empty ledger. */
  earliest(): Promise<number | null>;
  close(): Promise<void>;
}

const latestColumns = `o.cluster, o.kind, o.namespace, o.name, o.last_change, o.confirmed_at, o.confirmed_revision,
  c.id, c.time, c.sync, c.revision, c.action, c.service, c.version, c.images`;

/**
 * Every object's latest change at or before a time (first parameter), optionally on one cluster (second):
 * one backward probe of ledger_changes_object_time per object. PostgreSQL gets LATERAL, which keeps its
 * planner from hashing the whole change table; SQLite has no LATERAL but runs the scalar subquery per object.
 */
export function latestSql(dialect: "sqlite" | "postgres", oneCluster: boolean): string {
  const where = oneCluster ? "WHERE o.cluster = ?" : "";
  const latest = `SELECT l.* FROM ledger_changes l WHERE l.object_id = o.id AND l.time <= ?
    ORDER BY l.time DESC, l.id DESC LIMIT 1`;
  return dialect === "postgres"
    ? `SELECT ${latestColumns} FROM ledger_objects o CROSS JOIN LATERAL (${latest}) c ${where}`
    : `SELECT ${latestColumns} FROM ledger_objects o
       JOIN ledger_changes c ON c.id = (${latest.replace("l.*", "l.id")}) ${where}`;
}
