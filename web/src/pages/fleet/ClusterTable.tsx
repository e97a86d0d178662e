/** The fleet's clusters: reachability, version, nodes, last contact, shard, and what their Syncs run; virtualised. */
import type { ClusterView } from "../../api/types.ts";
import { RelTime } from "../../components/RelTime.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { type Column, VirtualTable } from "../../components/VirtualTable.tsx";

function reach(c: ClusterView): string {
  if (c.suspended) return "Suspended";
  return c.reachable === null ? "Pending" : c.reachable ? "Reachable" : "Unreachable";
}

function SyncSummary({ c }: { c: ClusterView }) {
  const n = c.syncs.length;
  if (!n) return <span className="muted">none</span>;
  const applied = c.syncs.filter((s) => s.state === "Applied").length;
  const failed = c.syncs.filter((s) => s.state === "Failed").length;
  const progressing = c.syncs.filter((s) => s.state === "Progressing").length;
  return (
    <span title={`${applied} applied, ${progressing} progressing, ${failed} failed of ${n}`}>
      {applied}/{n} applied
      {failed > 0 && <span className="err-text"> · {failed} failed</span>}
      {progressing > 0 && <span className="muted"> · {progressing} progressing</span>}
    </span>
  );
}

const sum = (c: ClusterView, k: "drift" | "violations") => c.syncs.reduce((a, s) => a + s[k], 0);

const columns: Column<ClusterView>[] = [
  {
    id: "name",
    header: "Cluster",
    sortValue: (c) => c.name,
    cell: (c) => (
      <span title={`${c.namespace}/${c.name}`}>
        <strong>{c.name}</strong>
      </span>
    ),
  },
  { id: "env", header: "Env", sortValue: (c) => c.env ?? "", cell: (c) => c.env ?? <span className="muted">—</span> },
  {
    id: "region",
    header: "Region",
    sortValue: (c) => c.region ?? "",
    cell: (c) => c.region ?? <span className="muted">—</span>,
  },
  {
    id: "provider",
    header: "Provider",
    sortValue: (c) => c.provider ?? "",
    cell: (c) => c.provider ?? <span className="muted">—</span>,
  },
  {
    id: "reach",
    header: "Status",
    sortValue: reach,
    cell: (c) => <StatusBadge state={reach(c)} tone={c.reachable === false ? "err" : undefined} />,
  },
  {
    id: "version",
    header: "Kubernetes",
    sortValue: (c) => c.kubernetesVersion ?? "",
    cell: (c) => c.kubernetesVersion ?? <span className="muted">—</span>,
  },
  {
    id: "nodes",
    header: "Nodes",
    className: "num",
    sortValue: (c) => c.nodeCount ?? -1,
    cell: (c) => c.nodeCount ?? "—",
  },
  {
    id: "contact",
    header: "Last contact",
    sortValue: (c) => c.lastContactTime ?? "",
    cell: (c) => <RelTime iso={c.lastContactTime} />,
  },
  {
    id: "shard",
    header: "Shard",
    sortValue: (c) => c.shard ?? -1,
    cell: (c) =>
      c.shard === null ? (
        <span className="muted">—</span>
      ) : (
        <span title={c.handledBy ? `handled by ${c.handledBy}` : "no replica holds this shard"}>
          {c.shard}
          {c.handledBy && <span className="muted"> · {c.handledBy}</span>}
        </span>
      ),
  },
  { id: "syncs", header: "Syncs", cell: (c) => <SyncSummary c={c} /> },
  {
    id: "drift",
    header: "Drift",
    className: "num",
    sortValue: (c) => sum(c, "drift"),
    cell: (c) => {
      const n = sum(c, "drift");
      return n ? <span className="badge warn plain">{n}</span> : <span className="muted">0</span>;
    },
  },
  {
    id: "violations",
    header: "Violations",
    className: "num",
    sortValue: (c) => sum(c, "violations"),
    cell: (c) => {
      const n = sum(c, "violations");
      return n ? <span className="badge warn plain">{n}</span> : <span className="muted">0</span>;
    },
  },
];

const groupers = {
  env: (c: ClusterView) => `env: ${c.env ?? "(none)"}`,
  region: (c: ClusterView) => `region: ${c.region ?? "(none)"}`,
  provider: (c: ClusterView) => `provider: ${c.provider ?? "(none)"}`,
} as const;

export function ClusterTable({ clusters, groupBy }: { clusters: readonly ClusterView[]; groupBy: string }) {
  const grouper = groupBy in groupers ? groupers[groupBy as keyof typeof groupers] : undefined;
  return (
    <VirtualTable
      caption="Clusters of the fleet"
      columns={columns}
      rows={clusters}
      rowKey={(c) => `${c.namespace}/${c.name}`}
      groupBy={grouper}
      maxHeight="min(560px, 62vh)"
    />
  );
}
