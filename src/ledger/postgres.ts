/** The ledger in PostgreSQL (pg), for several kaika replicas writing one fleet's history. */
import pg from "pg";
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

// One statement per step whatever the size of the apply: rows travel as arrays and unnest() expands them.
const sql = {
  existing: "SELECT id, ref, state FROM ledger_objects WHERE cluster = $1 AND ref = ANY($2::text[])",
  insertObjects: `INSERT INTO ledger_objects (cluster, ref, kind, namespace, name, state, confirmed_at, confirmed_revision)
    SELECT $1, t.ref, t.kind, t.namespace, t.name, '', $6, $7
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(ref, kind, namespace, name)
    RETURNING id, ref`,
  insertChanges: `INSERT INTO ledger_changes (object_id, time, sync, revision, action, service, version, images)
    SELECT t.object_id, $2, $3, $4, t.action, t.service, t.version, t.images
    FROM unnest($1::bigint[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(object_id, action, service, version, images)
    RETURNING id, object_id`,
  setStates: `UPDATE ledger_objects o SET state = t.state, last_change = t.change
    FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS t(id, state, change) WHERE o.id = t.id`,
  confirm: "UPDATE ledger_objects SET confirmed_at = $1, confirmed_revision = $2 WHERE id = ANY($3::bigint[])",
};

/** Any 64-bit key shared by every kaika that migrates this database. */
const migrationLock = 0x6b61696b61;

/** A postgres:// URL with its password hidden, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

// `?` placeholders to $1, $2, …; the shared SQL has no `?` inside literals.
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * Connects to the PostgreSQL ledger at `url` (postgres:// or postgresql://) and runs its migrations under an
 * advisory lock, so replicas starting together migrate once. Writes of one cluster are serialised by a
 * transaction-scoped advisory lock on the cluster's name.
 * @throws LedgerError Open when the server cannot be reached or refuses; SchemaTooNew.
 */
export async function openPostgres(url: string): Promise<Store> {
  const location = redact(url);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client's connection error must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    await transaction(pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLock]);
      await client.query(createSchemaTable);
      const rows = (await client.query<{ version: number }>("SELECT version FROM ledger_schema")).rows;
      const current = rows[0]?.version ?? 0;
      const steps = migrations.postgres;
      if (current > steps.length)
        throw new LedgerError(
          "SchemaTooNew",
          location,
          `${location} has ledger schema version ${current}; this kaika knows up to ${steps.length}: upgrade kaika`,
        );
      for (const step of steps.slice(current)) await client.query(step);
      if (rows.length === 0) await client.query("INSERT INTO ledger_schema (version) VALUES ($1)", [steps.length]);
      else if (current < steps.length) await client.query("UPDATE ledger_schema SET version = $1", [steps.length]);
    });
  } catch (error) {
    await pool.end();
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(
      "Open",
      location,
      `cannot open the ledger at ${location}: ${(error as Error).message}`,
      error,
    );
  }
  return new PostgresStore(pool, location);
}

async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

class PostgresStore implements Store {
  readonly location: string;
  readonly #pool: pg.Pool;
  #closed = false;

  constructor(pool: pg.Pool, location: string) {
    this.#pool = pool;
    this.location = location;
  }

  async write(
    cluster: string,
    refs: readonly string[],
    decide: (existing: Map<string, StoredObject>) => WritePlan,
  ): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`kaika-ledger/${cluster}`]);
      const existing = new Map<string, StoredObject>();
      const found = await client.query<{ id: string; ref: string; state: string }>(sql.existing, [cluster, [...refs]]);
      for (const row of found.rows) existing.set(row.ref, { id: Number(row.id), ref: row.ref, state: row.state });
      const plan = decide(existing);
      const ids = new Map([...existing].map(([ref, o]) => [ref, o.id]));
      if (plan.creates.length > 0) {
        const c = plan.creates;
        const created = await client.query<{ id: string; ref: string }>(sql.insertObjects, [
          cluster,
          c.map((o) => o.ref),
          c.map((o) => o.kind),
          c.map((o) => o.namespace),
          c.map((o) => o.name),
          plan.confirmedAt,
          plan.confirmedRevision,
        ]);
        for (const row of created.rows) ids.set(row.ref, Number(row.id));
      }
      if (plan.changes.length > 0) {
        const c = plan.changes;
        const first = c[0]!;
        const inserted = await client.query<{ id: string; object_id: string }>(sql.insertChanges, [
          c.map((x) => ids.get(x.ref)!),
          first.time,
          first.sync,
          first.revision,
          c.map((x) => x.action),
          c.map((x) => x.service),
          c.map((x) => x.version),
          c.map((x) => x.images),
        ]);
        // Each object ends on its last change: the highest id the sequence gave it, the last state planned.
        const last = new Map<number, { state: string; change: number }>();
        for (const x of c) last.set(ids.get(x.ref)!, { state: x.state, change: 0 });
        for (const row of inserted.rows) {
          const entry = last.get(Number(row.object_id))!;
          entry.change = Math.max(entry.change, Number(row.id));
        }
        await client.query(sql.setStates, [
          [...last.keys()],
          [...last.values()].map((e) => e.state),
          [...last.values()].map((e) => e.change),
        ]);
      }
      if (plan.confirms.length > 0)
        await client.query(sql.confirm, [
          plan.confirmedAt,
          plan.confirmedRevision,
          plan.confirms.map((ref) => ids.get(ref)!),
        ]);
    });
  }

  async latest(at: number, cluster?: string | undefined): Promise<LatestRow[]> {
    const params = cluster === undefined ? [at] : [at, cluster];
    return (await this.#pool.query<LatestRow>(numbered(latestSql("postgres", cluster !== undefined)), params)).rows;
  }

  async history(sync: string, cluster: string | undefined, limit: number): Promise<HistoryRow[]> {
    const params = cluster === undefined ? [sync, limit] : [sync, cluster, limit];
    return (await this.#pool.query<HistoryRow>(numbered(historySql(cluster !== undefined)), params)).rows;
  }

  async earliest(): Promise<number | null> {
    const row = (await this.#pool.query<{ time: string | number }>(earliestSql)).rows[0];
    return row === undefined ? null : Number(row.time);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
