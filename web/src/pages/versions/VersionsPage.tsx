/**
 * Versions: which version of which service ran on which cluster at a chosen time (the ledger), and the
 * difference between two clusters or two times — "which combination of versions was deployed where".
 */
import { useMemo } from "react";
import { api } from "../../api/endpoints.ts";
import type { VersionsResponse } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { useQueryParam } from "../../app/router.tsx";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { absolute } from "../../components/format.ts";
import { PageHeader, Panel } from "../../components/Panel.tsx";
import { type Column, VirtualTable } from "../../components/VirtualTable.tsx";
import { TimeSlider } from "./TimeSlider.tsx";
import { VersionsDiff } from "./VersionsDiff.tsx";

type Row = VersionsResponse["services"][number];

/** The version most clusters run: cells that differ from it are highlighted. */
function majority(row: Row): string | undefined {
  const counts = new Map<string, number>();
  for (const v of Object.values(row.clusters)) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  let n = 0;
  for (const [v, c] of counts)
    if (c > n) {
      best = v;
      n = c;
    }
  return best;
}

export function VersionsPage() {
  const [at, setAt] = useQueryParam("at");
  const versions = useResource(`versions:${at}`, (signal) => api.versions(at || undefined, signal), {
    kinds: at ? [] : ["Sync", "Cluster"],
  });
  return (
    <>
      <PageHeader
        title="Versions"
        lead="Which version of each service runs on each cluster — now, or at any time the ledger remembers."
      />
      <section className="panel" aria-label="Point in time">
        <TimeSlider at={at} setAt={setAt} earliest={versions.data?.earliest ?? null} />
      </section>
      <div style={{ height: 16 }} />
      <Async resource={versions} rows={8}>
        {(data) => <VersionsMatrix data={data} />}
      </Async>
      <div style={{ height: 16 }} />
      <Panel title="Compare" subtitle="Two clusters at one time, or one cluster at two times">
        <Async resource={versions} rows={2}>
          {(data) => <VersionsDiff clusters={data.clusters} at={at} />}
        </Async>
      </Panel>
    </>
  );
}

/** The services × clusters matrix for one answer (also rendered by the states gallery). */
export function VersionsMatrix({ data }: { data: VersionsResponse }) {
  const [q, setQ] = useQueryParam("q");
  const [onlyDiff, setOnlyDiff] = useQueryParam("mixed");
  const rows = useMemo(() => {
    const s = q.trim().toLowerCase();
    return data.services.filter(
      (r) => (!s || r.service.toLowerCase().includes(s)) && (!onlyDiff || new Set(Object.values(r.clusters)).size > 1),
    );
  }, [data.services, q, onlyDiff]);

  const columns = useMemo<Column<Row>[]>(
    () => [
      {
        id: "service",
        header: "Service",
        sortValue: (r) => r.service,
        cell: (r) => <strong>{r.service}</strong>,
        width: 200,
      },
      ...data.clusters.map(
        (c): Column<Row> => ({
          id: `c:${c}`,
          header: c,
          sortValue: (r) => r.clusters[c] ?? "",
          cell: (r) => {
            const v = r.clusters[c];
            if (v === undefined) return <span className="muted">—</span>;
            const odd = v !== majority(r);
            return odd ? (
              <span className="badge warn plain" title="differs from most clusters">
                {v}
              </span>
            ) : (
              <code>{v}</code>
            );
          },
        }),
      ),
    ],
    [data.clusters],
  );

  if (!data.services.length)
    return (
      <div className="panel">
        <EmptyState title="The ledger has no rows for this time">
          kaika records versions as Syncs apply workloads; pick a later time, or wait for the first apply.
        </EmptyState>
      </div>
    );
  return (
    <section className="panel" aria-labelledby="matrix-title">
      <div className="panel-head">
        <div>
          <h2 id="matrix-title">Services × clusters</h2>
          <p>As of {absolute(data.at)}. A highlighted version differs from what most clusters run.</p>
        </div>
      </div>
      <search className="toolbar">
        <input
          type="search"
          aria-label="Search services"
          placeholder="Search services…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <label>
          <input type="checkbox" checked={!!onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked ? "1" : "")} />
          only services with mixed versions
        </label>
        <span className="spacer" />
        <span className="count">
          {rows.length} service{rows.length === 1 ? "" : "s"} · {data.clusters.length} cluster
          {data.clusters.length === 1 ? "" : "s"}
        </span>
      </search>
      <VirtualTable
        caption="Version of each service on each cluster"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.service}
        maxHeight="min(520px, 60vh)"
      />
    </section>
  );
}
