/** The version ledger: which version of which service ran on which cluster, and when. */

export { LedgerError, type LedgerErrorCode } from "./errors.ts";
export { ledgerFileName, ledgerLocationIn, type OpenOptions, openLedger } from "./open.ts";
export { parseDuration, parseTime, TimeFormatError } from "./time.ts";
export type {
  ChangeAction,
  ContainerImage,
  HistoryChange,
  HistoryQuery,
  Ledger,
  LedgerChange,
  LedgerRecord,
  ServiceDifference,
  ServiceVersions,
  Side,
  VersionDiff,
  VersionMatrix,
  VersionQuery,
  WorkloadVersion,
} from "./types.ts";
export { defaultContainerAnnotation, serviceLabel, versionLabel, type WorkloadState, workloadOf } from "./workload.ts";
