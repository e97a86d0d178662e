/** Opens a ledger by location: a SQLite file path, ":memory:", or a postgres:// URL. */
import { join } from "node:path";
import { LedgerError } from "./errors.ts";
import { StoreLedger } from "./ledger.ts";
import { openPostgres } from "./postgres.ts";
import { openSqlite } from "./sqlite.ts";
import type { Ledger } from "./types.ts";

/** The ledger's file name inside a controller data directory. */
export const ledgerFileName = "ledger.sqlite";

/** Where `kaika run` keeps its ledger for a data directory: `<dataDir>/ledger.sqlite`. */
export function ledgerLocationIn(dataDir: string): string {
  return join(dataDir, ledgerFileName);
}

/** Options of openLedger. */
export interface OpenOptions {
  /** Fail with LedgerError NotFound when a SQLite file does not exist, rather than create it (default false). */
  readonly mustExist?: boolean | undefined;
}

/**
 * Opens the ledger at `location` and brings its schema up to date: postgres:// or postgresql:// URLs go to
 * PostgreSQL, ":memory:" is a throwaway SQLite database, anything else without a scheme is a SQLite file
 * (created with its folder unless `mustExist`).
 * @throws LedgerError Location for another URL scheme; NotFound, Open or SchemaTooNew from the store.
 */
export async function openLedger(location: string, options: OpenOptions = {}): Promise<Ledger> {
  if (/^postgres(?:ql)?:\/\//i.test(location)) return new StoreLedger(await openPostgres(location));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    throw new LedgerError("Location", location, `unknown ledger location ${location}: use a file path or postgres://`);
  return new StoreLedger(openSqlite(location, { mustExist: options.mustExist }));
}
