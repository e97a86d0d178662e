/** Which revision each Sync runs on each cluster: clusters as rows (virtualised), Syncs as columns, a square per cell. */
import type { ClusterSyncView, ClusterView, SyncView } from "../../api/types.ts";
import { Link } from "../../app/router.tsx";
import { shortRevision } from "../../components/format.ts";
import { toneOf } from "../../components/StatusBadge.tsx";
import { type Column, VirtualTable } from "../../components/VirtualTable.tsx";

function cellTone(s: ClusterSyncView | undefined): string {
  if (!s) return "";
  // Drift is what needs a look; readiness warnings are common and live in the tooltip and the Readiness page.
  if (s.state === "Applied" && s.drift > 0) return "warn";
  const t = toneOf(s.state);
  return t === "neutral" ? "" : t;
}

function Cell({ cluster, s }: { cluster: string; s: ClusterSyncView | undefined }) {
  if (!s)
    return (
      <span className="muted" title={`not targeted on ${cluster}`}>
        ·
      </span>
    );
  const label = `${s.sync} on ${cluster}: ${s.state} ${shortRevision(s.revision)}${s.drift ? `, ${s.drift} drifted` : ""}${
    s.violations ? `, ${s.violations} violations` : ""
  }${s.message ? ` — ${s.message}` : ""}`;
  return <span className={`cell-dot ${cellTone(s)}`} title={label} role="img" aria-label={label} />;
}

export function SyncMatrix({ clusters, syncs }: { clusters: readonly ClusterView[]; syncs: readonly SyncView[] }) {
  const columns: Column<ClusterView>[] = [
    {
      id: "name",
      header: "Cluster",
      sortValue: (c) => c.name,
      cell: (c) => <strong>{c.name}</strong>,
      width: 180,
    },
    ...syncs.map(
      (s): Column<ClusterView> => ({
        id: `s:${s.namespace}/${s.name}`,
        header: <Link href={`/syncs/${s.namespace}/${s.name}`}>{s.name}</Link>,
        title: `${s.namespace}/${s.name}`,
        className: "cell",
        cell: (c) => <Cell cluster={c.name} s={c.syncs.find((x) => x.sync === `${s.namespace}/${s.name}`)} />,
      }),
    ),
  ];
  return (
    <VirtualTable
      caption="State of each Sync on each cluster"
      className="matrix"
      columns={columns}
      rows={clusters}
      rowKey={(c) => `${c.namespace}/${c.name}`}
      sortParam="msort"
      maxHeight="min(520px, 60vh)"
    />
  );
}

export function MatrixLegend() {
  return (
    <div className="legend" aria-hidden="true">
      <span>
        <span className="cell-dot ok" /> applied
      </span>
      <span>
        <span className="cell-dot warn" /> drift / held
      </span>
      <span>
        <span className="cell-dot info" /> progressing
      </span>
      <span>
        <span className="cell-dot err" /> failed / unreachable
      </span>
      <span>
        <span className="cell-dot" /> pending
      </span>
    </div>
  );
}
