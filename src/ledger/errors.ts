/** The ledger's one error type: which ledger, and what went wrong with it. */

/**
 * What failed: NotFound (no ledger file), SchemaTooNew (written by a newer kaika), Open (cannot open or
 * migrate), Location (neither a path nor a postgres:// URL), InvalidRecord (no cluster, or a bad time).
 */
export type LedgerErrorCode = "NotFound" | "SchemaTooNew" | "Open" | "Location" | "InvalidRecord";

/** A ledger could not be used; `location` names it (a PostgreSQL URL without its password). */
export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  readonly location: string;
  constructor(code: LedgerErrorCode, location: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.location = location;
  }
}
