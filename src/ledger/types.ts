/** The version ledger's values: what the sync controller records, and the matrices and diffs it answers with. */
import type { KubeObject } from "../kube/types.ts";

/** What an apply did to one object; "pruned" and "deleted" mean the object is gone from the cluster. */
export type ChangeAction = "created" | "configured" | "unchanged" | "pruned" | "deleted";

/** One object of an apply, as it was sent to the cluster; for pruned/deleted, apiVersion, kind and metadata suffice. */
export interface LedgerChange {
  readonly object: KubeObject;
  readonly action: ChangeAction;
}

/** The outcome of one apply of one Sync to one cluster. */
export interface LedgerRecord {
  readonly time: Date;
  readonly cluster: string;
  /** "namespace/name" of the Sync. */
  readonly sync: string;
  /** The commit applied. */
  readonly revision: string;
  readonly changes: readonly LedgerChange[];
}

/** One container's image, split as the container runtime reads it. */
export interface ContainerImage {
  readonly container: string;
  /** An init container. */
  readonly init: boolean;
  /** The reference as written: "ghcr.io/acme/web:1.2@sha256:…". */
  readonly image: string;
  /** Registry host; "docker.io" when the reference names none. */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

/** A workload as the ledger knows it at a time: which service, which version, which images, since when. */
export interface WorkloadVersion {
  readonly cluster: string;
  readonly service: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly images: readonly ContainerImage[];
  /** The Sync and commit of the change that set this version. */
  readonly sync: string;
  readonly revision: string;
  readonly action: ChangeAction;
  /** When this version was recorded. */
  readonly since: Date;
  /** The last apply that found this version still in place; absent when a later change replaced it. */
  readonly lastConfirmed?: Date | undefined;
  readonly lastConfirmedRevision?: string | undefined;
}

/** One row of the matrix: a service's version per cluster (clusters where it does not run are absent). */
export interface ServiceVersions {
  readonly service: string;
  /** cluster → version; several workloads of one service with different versions read "1.2, 1.3". */
  readonly clusters: Readonly<Record<string, string>>;
}

/** Service × cluster → version at one time. */
export interface VersionMatrix {
  readonly at: Date;
  /** Every cluster the ledger had heard of by then, sorted. */
  readonly clusters: readonly string[];
  /** Sorted by service name. */
  readonly services: readonly ServiceVersions[];
  /** The workloads behind the matrix, by cluster then service. */
  readonly workloads: readonly WorkloadVersion[];
}

/** Which versions to read: all clusters unless `cluster`; now unless `at`. */
export interface VersionQuery {
  readonly cluster?: string | undefined;
  readonly at?: Date | undefined;
}

/** One side of a diff: a cluster, now or at a time. */
export interface Side {
  readonly cluster: string;
  readonly at?: Date | undefined;
}

/** A service whose version or images differ between the two sides; a side where it does not run has no version. */
export interface ServiceDifference {
  readonly service: string;
  readonly a?: string | undefined;
  readonly b?: string | undefined;
  /** Sorted, distinct image references on each side. */
  readonly aImages: readonly string[];
  readonly bImages: readonly string[];
}

/** What differs between two sides; `services` is empty when they ran the same. */
export interface VersionDiff {
  readonly a: { readonly cluster: string; readonly at: Date };
  readonly b: { readonly cluster: string; readonly at: Date };
  readonly services: readonly ServiceDifference[];
}

/** Which changes to list: those of one Sync ("namespace/name"), newest first. */
export interface HistoryQuery {
  readonly sync: string;
  readonly cluster?: string | undefined;
  /** At most this many; default 100. */
  readonly limit?: number | undefined;
}

/** One recorded change of a workload's service, version or images (or its removal). */
export interface HistoryChange {
  readonly time: Date;
  readonly cluster: string;
  readonly sync: string;
  readonly revision: string;
  readonly action: ChangeAction;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Undefined when the change removed the workload. */
  readonly service?: string | undefined;
  readonly version?: string | undefined;
}

/** The ledger: record applies, ask what ran where and when. */
export interface Ledger {
  /** Where it is kept: a file path, ":memory:" or a postgres:// URL without its password. */
  readonly location: string;
  /**
   * Records one apply. Only changes of a workload's service, version or images add a row; an apply that
   * finds the same version only moves its "last confirmed" time. Pruned and deleted workloads are gone from
   * later matrices (a removal needs only the object's identity). Objects without a pod template are ignored.
   * @throws LedgerError InvalidRecord without a cluster or with an invalid time; database errors as they come.
   */
  record(record: LedgerRecord): Promise<void>;
  /** The matrix as of the last change at or before `at` (default now), for one cluster or all. */
  versions(query?: VersionQuery): Promise<VersionMatrix>;
  /** The services whose versions differ between two clusters, or one cluster at two times. */
  diff(a: Side, b: Side): Promise<VersionDiff>;
  /** The changes one Sync recorded, newest first (a scan of the change table: no index on the Sync). */
  history(query: HistoryQuery): Promise<HistoryChange[]>;
  /** When the first change was recorded, or null when there is none: how far back `versions` can answer. */
  earliest(): Promise<Date | null>;
  close(): Promise<void>;
}
