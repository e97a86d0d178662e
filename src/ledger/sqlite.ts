/** The ledger in an embedded SQLite file (better-sqlite3): WAL, so readers never wait for the writer. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { LedgerError } from "./errors.ts";
import { createSchemaTable, migrations } from "./schema.ts";
import {
  earliestSql,
  type HistoryRow,
  historySql,
  type LatestRow,
  latestSql,
  type Store,
  type StoredObject,
  type WritePlan,
} from "./store.ts";

// Rows per IN (…) list, under SQLite's parameter limit.
const chunkSize = 500;
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += chunkSize) out.push(items.slice(i, i + chunkSize));
  return out;
}
const list = (n: number): string => Array(n).fill("?").join(", ");

const sql = {
  existing: (n: number): string =>
    `SELECT id, ref, state FROM ledger_objects WHERE cluster = ? AND ref IN (${list(n)})`,
  insertObject:
    "INSERT INTO ledger_objects (cluster, ref, kind, namespace, name, state, confirmed_at, confirmed_revision) VALUES (?, ?, ?, ?, ?, '', ?, ?)",
  insertChange:
    "INSERT INTO ledger_changes (object_id, time, sync, revision, action, service, version, images) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  setState: "UPDATE ledger_objects SET state = ?, last_change = ? WHERE id = ?",
  confirm: (n: number): string =>
    `UPDATE ledger_objects SET confirmed_at = ?, confirmed_revision = ? WHERE id IN (${list(n)})`,
};

/** Options of the SQLite store. */
export interface SqliteOptions {
  /** Fail when the file does not exist instead of creating it (default false). */
  readonly mustExist?: boolean | undefined;
  /** How long a writer waits for another process's transaction, in ms (default 10000). */
  readonly busyTimeoutMs?: number | undefined;
}

/**
 * Opens (creating when allowed) the SQLite ledger at `path` (":memory:" for a throwaway one) and runs its
 * migrations. Every write is one IMMEDIATE transaction that runs synchronously, so several ledgers on the
 * same file, in one process or many, take turns without deadlock.
 * @throws LedgerError NotFound when `mustExist` and the file is missing; SchemaTooNew; Open.
 */
export function openSqlite(path: string, options: SqliteOptions = {}): Store {
  const memory = path === ":memory:";
  if (!memory && options.mustExist && !existsSync(path))
    throw new LedgerError("NotFound", path, `no ledger at ${path}`);
  let db: Database.Database;
  try {
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 10_000 });
    if (!memory) db.pragma("journal_mode = WAL");
    // NORMAL is durable in WAL mode except for the last transactions before a power loss.
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db, path);
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    throw new LedgerError("Open", path, `cannot open the ledger at ${path}: ${(error as Error).message}`, error);
  }
  return new SqliteStore(db, path);
}

function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    db.exec(createSchemaTable);
    const row = db.prepare("SELECT version FROM ledger_schema").get() as { version: number } | undefined;
    const current = row?.version ?? 0;
    const steps = migrations.sqlite;
    if (current > steps.length)
      throw new LedgerError(
        "SchemaTooNew",
        path,
        `${path} has ledger schema version ${current}; this kaika knows up to ${steps.length}: upgrade kaika`,
      );
    for (const step of steps.slice(current)) db.exec(step);
    if (row === undefined) db.prepare("INSERT INTO ledger_schema (version) VALUES (?)").run(steps.length);
    else if (current < steps.length) db.prepare("UPDATE ledger_schema SET version = ?").run(steps.length);
  }).immediate();
}

class SqliteStore implements Store {
  readonly location: string;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database, location: string) {
    this.#db = db;
    this.location = location;
  }

  #prepare(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  async write(
    cluster: string,
    refs: readonly string[],
    decide: (existing: Map<string, StoredObject>) => WritePlan,
  ): Promise<void> {
    const db = this.#db;
    db.transaction(() => {
      const existing = new Map<string, StoredObject>();
      for (const part of chunks([...new Set(refs)]))
        for (const row of this.#prepare(sql.existing(part.length)).all(cluster, ...part) as StoredObject[])
          existing.set(row.ref, row);
      const plan = decide(existing);
      const ids = new Map([...existing].map(([ref, o]) => [ref, o.id]));
      const insertObject = this.#prepare(sql.insertObject);
      for (const o of plan.creates) {
        const result = insertObject.run(
          cluster,
          o.ref,
          o.kind,
          o.namespace,
          o.name,
          plan.confirmedAt,
          plan.confirmedRevision,
        );
        ids.set(o.ref, Number(result.lastInsertRowid));
      }
      const insertChange = this.#prepare(sql.insertChange);
      const setState = this.#prepare(sql.setState);
      for (const c of plan.changes) {
        const id = ids.get(c.ref)!;
        const result = insertChange.run(id, c.time, c.sync, c.revision, c.action, c.service, c.version, c.images);
        setState.run(c.state, Number(result.lastInsertRowid), id);
      }
      for (const part of chunks(plan.confirms.map((ref) => ids.get(ref)!)))
        this.#prepare(sql.confirm(part.length)).run(plan.confirmedAt, plan.confirmedRevision, ...part);
    }).immediate();
  }

  async latest(at: number, cluster?: string | undefined): Promise<LatestRow[]> {
    const params = cluster === undefined ? [at] : [at, cluster];
    return this.#prepare(latestSql("sqlite", cluster !== undefined)).all(...params) as LatestRow[];
  }

  async history(sync: string, cluster: string | undefined, limit: number): Promise<HistoryRow[]> {
    const params = cluster === undefined ? [sync, limit] : [sync, cluster, limit];
    return this.#prepare(historySql(cluster !== undefined)).all(...params) as HistoryRow[];
  }

  async earliest(): Promise<number | null> {
    const row = this.#prepare(earliestSql).get() as { time: number | bigint } | undefined;
    return row === undefined ? null : Number(row.time);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
