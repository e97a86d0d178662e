/** Turns the ledger's latest rows into the service × cluster matrix, and compares two sides of it. */
import type { LatestRow } from "./store.ts";
import type { ServiceDifference, VersionMatrix, WorkloadVersion } from "./types.ts";
import { expandImage, type StoredImage } from "./workload.ts";

// One collator for all comparisons: localeCompare with options builds a new one per call.
const byName = new Intl.Collator("en", { numeric: true }).compare;

/** A workload from its latest row; undefined when the row says it is gone. */
export function workloadFromRow(row: LatestRow): WorkloadVersion | undefined {
  if (row.service === null || row.version === null) return undefined;
  const current = row.last_change !== null && Number(row.last_change) === Number(row.id);
  return {
    cluster: row.cluster,
    service: row.service,
    version: row.version,
    kind: row.kind,
    namespace: row.namespace,
    name: row.name,
    images: (JSON.parse(row.images) as StoredImage[]).map(expandImage),
    sync: row.sync,
    revision: row.revision,
    action: row.action,
    since: new Date(Number(row.time)),
    ...(current
      ? { lastConfirmed: new Date(Number(row.confirmed_at)), lastConfirmedRevision: row.confirmed_revision }
      : {}),
  };
}

/** The matrix at `at` from every object's latest row: clusters are those with any row, gone or not. */
export function buildMatrix(at: Date, rows: readonly LatestRow[]): VersionMatrix {
  const clusters = [...new Set(rows.map((r) => r.cluster))].sort(byName);
  const workloads = rows
    .flatMap((r) => workloadFromRow(r) ?? [])
    .sort(
      (a, b) =>
        byName(a.cluster, b.cluster) ||
        byName(a.service, b.service) ||
        byName(a.namespace, b.namespace) ||
        byName(`${a.kind}/${a.name}`, `${b.kind}/${b.name}`),
    );
  const cells = new Map<string, Map<string, Set<string>>>();
  for (const w of workloads) {
    const row = cells.get(w.service) ?? new Map<string, Set<string>>();
    cells.set(w.service, row);
    const versions = row.get(w.cluster) ?? new Set<string>();
    row.set(w.cluster, versions);
    versions.add(w.version);
  }
  const services = [...cells.keys()].sort(byName).map((service) => ({
    service,
    clusters: Object.fromEntries(
      [...(cells.get(service) ?? [])].map(([cluster, versions]) => [cluster, [...versions].sort(byName).join(", ")]),
    ),
  }));
  return { at, clusters, services, workloads };
}

interface Seen {
  readonly version: string;
  readonly images: readonly string[];
}

function servicesOf(matrix: VersionMatrix, cluster: string): Map<string, Seen> {
  const out = new Map<string, { versions: Set<string>; images: Set<string> }>();
  for (const w of matrix.workloads) {
    if (w.cluster !== cluster) continue;
    const entry = out.get(w.service) ?? { versions: new Set<string>(), images: new Set<string>() };
    out.set(w.service, entry);
    entry.versions.add(w.version);
    for (const i of w.images) entry.images.add(i.image);
  }
  return new Map(
    [...out].map(([service, e]) => [
      service,
      { version: [...e.versions].sort(byName).join(", "), images: [...e.images].sort() },
    ]),
  );
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The services of `a`'s cluster in matrix `a` and `b`'s in matrix `b` whose versions or images differ. */
export function compare(a: VersionMatrix, aCluster: string, b: VersionMatrix, bCluster: string): ServiceDifference[] {
  const left = servicesOf(a, aCluster);
  const right = servicesOf(b, bCluster);
  const names = [...new Set([...left.keys(), ...right.keys()])].sort(byName);
  return names.flatMap((service) => {
    const l = left.get(service);
    const r = right.get(service);
    if (l && r && l.version === r.version && sameList(l.images, r.images)) return [];
    return [
      {
        service,
        ...(l ? { a: l.version } : {}),
        ...(r ? { b: r.version } : {}),
        aImages: l?.images ?? [],
        bImages: r?.images ?? [],
      },
    ];
  });
}
