/** The tables and lists of the Sync detail page: clusters, objects, problems, history, events. */
import type { EventView, ObjectsView, SyncClusterView, SyncDetailResponse } from "../../api/types.ts";
import { EmptyState } from "../../components/DataState.tsx";
import { shortRevision } from "../../components/format.ts";
import { RelTime } from "../../components/RelTime.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { TableScroll } from "../../components/TableScroll.tsx";
import { type Column, VirtualTable } from "../../components/VirtualTable.tsx";

const clusterColumns: Column<SyncClusterView>[] = [
  { id: "name", header: "Cluster", sortValue: (c) => c.name, cell: (c) => <strong>{c.name}</strong> },
  {
    id: "wave",
    header: "Wave",
    sortValue: (c) => c.wave ?? "",
    cell: (c) => c.wave ?? <span className="muted">—</span>,
  },
  { id: "state", header: "State", sortValue: (c) => c.state, cell: (c) => <StatusBadge state={c.state} /> },
  {
    id: "revision",
    header: "Runs",
    sortValue: (c) => c.revision ?? "",
    cell: (c) => <code title={c.revision ?? undefined}>{shortRevision(c.revision)}</code>,
  },
  {
    id: "desired",
    header: "Wanted",
    cell: (c) =>
      c.desiredRevision && c.desiredRevision !== c.revision ? (
        <code>{shortRevision(c.desiredRevision)}</code>
      ) : (
        <span className="muted">same</span>
      ),
  },
  {
    id: "applied",
    header: "Applied",
    sortValue: (c) => c.lastAppliedTime ?? "",
    cell: (c) => <RelTime iso={c.lastAppliedTime} />,
  },
  { id: "message", header: "Message", cell: (c) => <span title={c.message ?? undefined}>{c.message ?? ""}</span> },
];

export function SyncClusters({ clusters }: { clusters: readonly SyncClusterView[] }) {
  if (!clusters.length)
    return <EmptyState title="No cluster targeted">No Cluster matches the Sync's selector.</EmptyState>;
  return (
    <VirtualTable
      caption="Clusters of this Sync"
      columns={clusterColumns}
      rows={clusters}
      rowKey={(c) => c.name}
      sortParam="csort"
      maxHeight={420}
    />
  );
}

type Obj = ObjectsView["items"][number];
const objectColumns: Column<Obj>[] = [
  { id: "kind", header: "Kind", sortValue: (o) => o.kind, cell: (o) => o.kind },
  {
    id: "ns",
    header: "Namespace",
    sortValue: (o) => o.namespace,
    cell: (o) => o.namespace || <span className="muted">—</span>,
  },
  { id: "name", header: "Name", sortValue: (o) => o.name, cell: (o) => <strong>{o.name}</strong> },
  { id: "health", header: "Health", sortValue: (o) => o.health, cell: (o) => <StatusBadge state={o.health} /> },
  { id: "message", header: "Message", cell: (o) => <span title={o.message}>{o.message}</span> },
];

export function ObjectsTable({ objects }: { objects: ObjectsView }) {
  return (
    <>
      {objects.error && (
        <div className="banner warn" role="status" style={{ margin: 12 }}>
          {objects.error}
        </div>
      )}
      {objects.items.length ? (
        <VirtualTable
          caption="Objects of this Sync"
          columns={objectColumns}
          rows={objects.items}
          rowKey={(o) => o.ref}
          sortParam="osort"
          maxHeight={440}
        />
      ) : (
        !objects.error && <EmptyState title="No objects">The Sync has not applied anything yet.</EmptyState>
      )}
    </>
  );
}

export interface Problem {
  kind: string;
  tone: "err" | "warn";
  title: string;
  message: string;
  where: string | null;
}

export function FailuresList({ items }: { items: readonly Problem[] }) {
  return (
    <ul className="list" style={{ margin: "-14px -16px" }}>
      {items.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a static list per answer
        <li key={i}>
          <div style={{ display: "flex", gap: 8, alignItems: "center", flexWrap: "wrap" }}>
            <span className={`badge ${p.tone} plain`}>{p.kind}</span>
            <strong>{p.title}</strong>
            {p.where && <code className="muted">{p.where}</code>}
          </div>
          <div style={{ marginTop: 4 }}>{p.message}</div>
        </li>
      ))}
    </ul>
  );
}

export function HistoryTable({ history }: { history: SyncDetailResponse["history"] }) {
  if (!history.entries.length)
    return <EmptyState title="No history">{history.missing ?? "The ledger has no rows for this Sync yet."}</EmptyState>;
  return (
    <TableScroll label="Version history" maxHeight={360}>
      <table className="data">
        <caption className="visually-hidden">Version history of this Sync</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Cluster</th>
            <th scope="col">Service</th>
            <th scope="col">Version</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {history.entries.slice(0, 200).map((h, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: ledger rows have no id
            <tr key={i}>
              <td>
                <RelTime iso={h.time} />
              </td>
              <td>{h.cluster}</td>
              <td>{h.service ?? `${h.kind}/${h.name}`}</td>
              <td>
                <code>{h.version ?? "—"}</code>
              </td>
              <td>{h.action}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

export function EventsList({ events }: { events: readonly EventView[] }) {
  if (!events.length) return <EmptyState title="No events">Kubernetes keeps Events for an hour.</EmptyState>;
  return (
    <ul className="list" style={{ maxHeight: 360, overflow: "auto" }}>
      {events.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: Events of one answer
        <li key={i}>
          <div style={{ display: "flex", gap: 8, alignItems: "center" }}>
            <span className={`badge ${e.type === "Warning" ? "warn" : "info"} plain`}>{e.reason}</span>
            {e.count > 1 && <span className="muted">×{e.count}</span>}
            <span className="muted" style={{ marginLeft: "auto", fontSize: 12 }}>
              <RelTime iso={e.lastTime} />
            </span>
          </div>
          <div style={{ marginTop: 4 }}>{e.message}</div>
        </li>
      ))}
    </ul>
  );
}
