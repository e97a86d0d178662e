/** Syncs: every Sync with its revision, state, rollout and per-cluster counts; search and state filter in the URL. */
import { useMemo } from "react";
import { api } from "../../api/endpoints.ts";
import type { SyncView } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { Link, navigate, useQueryParam } from "../../app/router.tsx";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { shortRevision } from "../../components/format.ts";
import { PageHeader } from "../../components/Panel.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { type Column, VirtualTable } from "../../components/VirtualTable.tsx";
import { patchFleet } from "../fleet/FleetPage.tsx";
import { syncState } from "../fleet/fleet-filter.ts";

function clusterCounts(s: SyncView) {
  const by = (st: string) => s.clusterStates[st] ?? 0;
  const total = Object.values(s.clusterStates).reduce((a, b) => a + b, 0);
  return { applied: by("Applied"), failed: by("Failed") + by("Unreachable"), total };
}

const columns: Column<SyncView>[] = [
  {
    id: "name",
    header: "Sync",
    sortValue: (s) => `${s.namespace}/${s.name}`,
    cell: (s) => (
      <Link href={`/syncs/${s.namespace}/${s.name}`}>
        <span className="muted">{s.namespace}/</span>
        <strong>{s.name}</strong>
      </Link>
    ),
  },
  { id: "state", header: "State", sortValue: syncState, cell: (s) => <StatusBadge state={syncState(s)} /> },
  { id: "path", header: "Path", sortValue: (s) => s.path, cell: (s) => <code>{s.path}</code> },
  {
    id: "source",
    header: "Source",
    sortValue: (s) => s.source.name,
    cell: (s) => <span title={s.source.url ?? undefined}>{s.source.name}</span>,
  },
  {
    id: "revision",
    header: "Revision",
    sortValue: (s) => s.revision ?? "",
    cell: (s) => <code title={s.revision ?? undefined}>{shortRevision(s.revision)}</code>,
  },
  {
    id: "targets",
    header: "Clusters",
    sortValue: (s) => clusterCounts(s).failed * 1000 + clusterCounts(s).total,
    cell: (s) => {
      if (!s.fleet) return <span className="muted">admin cluster</span>;
      const c = clusterCounts(s);
      return (
        <span>
          {c.applied}/{c.total} applied{c.failed > 0 && <span className="err-text"> · {c.failed} failing</span>}
        </span>
      );
    },
  },
  {
    id: "violations",
    header: "Violations",
    className: "num",
    sortValue: (s) => s.violations,
    cell: (s) =>
      s.violations ? <span className="badge warn plain">{s.violations}</span> : <span className="muted">0</span>,
  },
  {
    id: "failures",
    header: "Failures",
    className: "num",
    sortValue: (s) => s.failures,
    cell: (s) =>
      s.failures ? <span className="badge err plain">{s.failures}</span> : <span className="muted">0</span>,
  },
];

export function SyncsPage() {
  const fleet = useResource("fleet", (signal) => api.fleet(signal), {
    kinds: ["Sync", "Cluster", "GitSource"],
    patch: patchFleet,
  });
  const [q, setQ] = useQueryParam("q");
  const [state, setState] = useQueryParam("state");
  return (
    <>
      <PageHeader title="Syncs" lead="What each Sync applies, from where, and how it is doing on its clusters." />
      <Async resource={fleet} rows={8}>
        {(data) => <SyncsTable syncs={data.syncs} q={q} setQ={setQ} state={state} setState={setState} />}
      </Async>
    </>
  );
}

function SyncsTable({
  syncs,
  q,
  setQ,
  state,
  setState,
}: {
  syncs: readonly SyncView[];
  q: string;
  setQ: (v: string) => void;
  state: string;
  setState: (v: string) => void;
}) {
  const shown = useMemo(() => {
    const s = q.trim().toLowerCase();
    return syncs.filter(
      (x) =>
        (!state || syncState(x) === state) &&
        (!s || `${x.namespace}/${x.name} ${x.path} ${x.source.name}`.toLowerCase().includes(s)),
    );
  }, [syncs, q, state]);
  const states = [...new Set(syncs.map(syncState))].sort();
  if (!syncs.length)
    return (
      <div className="panel">
        <EmptyState title="No Syncs yet">
          A Sync applies a path of a GitSource to clusters: <code>kubectl apply -f sync.yaml</code>.
        </EmptyState>
      </div>
    );
  return (
    <section className="panel" aria-label="Syncs">
      <search className="toolbar">
        <input
          type="search"
          aria-label="Search Syncs"
          placeholder="Search name, path, source…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <label>
          State
          <select value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">all</option>
            {states.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        <span className="count" aria-live="polite">
          {shown.length} of {syncs.length} Syncs
        </span>
      </search>
      {shown.length ? (
        <VirtualTable
          caption="Syncs"
          columns={columns}
          rows={shown}
          rowKey={(s) => `${s.namespace}/${s.name}`}
          onRowClick={(s) => navigate(`/syncs/${s.namespace}/${s.name}`)}
          maxHeight="calc(100vh - 240px)"
        />
      ) : (
        <EmptyState title="No Sync matches">Clear the search or the state filter.</EmptyState>
      )}
    </section>
  );
}
