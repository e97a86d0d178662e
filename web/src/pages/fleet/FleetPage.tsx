/** Fleet: every cluster and what each Sync runs there, rollouts in progress, drift and violations; filters in the URL. */
import { useEffect, useMemo } from "react";
import { api } from "../../api/endpoints.ts";
import type { ChangeEvent, FleetResponse } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { useQueryParam } from "../../app/router.tsx";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { PageHeader, Stat } from "../../components/Panel.tsx";
import { ClusterTable } from "./ClusterTable.tsx";
import { FleetToolbar, ViewSwitch } from "./FleetToolbar.tsx";
import { filterClusters, filterSyncs, fleetTotals } from "./fleet-filter.ts";
import { Rollouts } from "./Rollouts.tsx";
import { MatrixLegend, SyncMatrix } from "./SyncMatrix.tsx";

/** Applies a change event that carries the new view of a Cluster or Sync, in place. */
export function patchFleet(data: FleetResponse, e: ChangeEvent): FleetResponse | undefined {
  const same = (x: { namespace: string; name: string }) => x.namespace === e.namespace && x.name === e.name;
  if (e.kind === "Cluster" && (e.cluster || e.type === "delete")) {
    const rest = data.clusters.filter((c) => !same(c));
    const i = data.clusters.findIndex(same);
    const clusters =
      e.type === "delete" || !e.cluster ? rest : i < 0 ? [...rest, e.cluster] : data.clusters.with(i, e.cluster);
    return { ...data, clusters };
  }
  if (e.kind === "Sync" && (e.sync || e.type === "delete")) {
    const rest = data.syncs.filter((s) => !same(s));
    const i = data.syncs.findIndex(same);
    const syncs = e.type === "delete" || !e.sync ? rest : i < 0 ? [...rest, e.sync] : data.syncs.with(i, e.sync);
    return { ...data, syncs };
  }
  return undefined;
}

export function FleetPage() {
  const fleet = useResource("fleet", (signal) => api.fleet(signal), {
    kinds: ["Cluster", "Sync", "GitSource"],
    patch: patchFleet,
  });
  return (
    <>
      <PageHeader title="Fleet" lead="Every cluster, what each Sync runs there, and what a rollout is waiting for." />
      <Async resource={fleet} rows={10}>
        {(data) => <FleetView data={data} />}
      </Async>
    </>
  );
}

/** The fleet page's content for one answer (also rendered by the states gallery). */
export function FleetView({ data }: { data: FleetResponse }) {
  const [q] = useQueryParam("q");
  const [env] = useQueryParam("env");
  const [region] = useQueryParam("region");
  const [provider] = useQueryParam("provider");
  const [status] = useQueryParam("status");
  const [group] = useQueryParam("group", "env");
  const [view] = useQueryParam("view", "clusters");

  const clusters = useMemo(
    () => filterClusters(data.clusters, { q, env, region, provider, status }),
    [data.clusters, q, env, region, provider, status],
  );
  const syncs = useMemo(() => filterSyncs(data.syncs, q), [data.syncs, q]);
  const totals = useMemo(() => fleetTotals(data.clusters, data.syncs), [data.clusters, data.syncs]);
  // When the fleet's data is first on screen (bench/dashboard-ui.ts reads it).
  useEffect(() => {
    if (!performance.getEntriesByName("kaika:fleet-ready").length) performance.mark("kaika:fleet-ready");
  }, []);

  if (!data.clusters.length && !data.syncs.length)
    return (
      <div className="panel">
        <EmptyState title="No clusters yet">
          Register one with <code>kaika cluster add NAME --kubeconfig FILE</code>, and point a Sync at it.
        </EmptyState>
      </div>
    );

  return (
    <>
      <div className="stats">
        <Stat
          label="Clusters"
          value={`${totals.reachable}/${totals.clusters}`}
          sub={totals.unreachable ? `${totals.unreachable} unreachable` : "all reachable"}
          tone={totals.unreachable ? "err" : "ok"}
        />
        <Stat
          label="Syncs ready"
          value={`${totals.ready}/${totals.syncs}`}
          sub={totals.failing ? `${totals.failing} failing` : "none failing"}
          tone={totals.failing ? "err" : "ok"}
        />
        <Stat label="Rollouts" value={totals.rollouts} sub="in progress" />
        <Stat
          label="Drift"
          value={totals.drift}
          sub="objects reverted at last apply"
          tone={totals.drift ? "warn" : undefined}
        />
        <Stat
          label="Violations"
          value={totals.violations}
          sub="readiness warnings"
          tone={totals.violations ? "warn" : undefined}
        />
      </div>

      <Rollouts syncs={data.syncs} />

      <section className="panel" aria-labelledby="clusters-title" style={{ marginTop: 16 }}>
        <div className="panel-head">
          <div>
            <h2 id="clusters-title">{view === "matrix" ? "Syncs × clusters" : "Clusters"}</h2>
            <p>
              {view === "matrix"
                ? "The state of every Sync on every cluster; hover a square for revision and message."
                : "Grouped by label; sort by any column."}
            </p>
          </div>
          <ViewSwitch />
        </div>
        <FleetToolbar all={data.clusters} shown={clusters.length} />
        {view === "matrix" && (
          <div style={{ padding: "8px 16px", borderBottom: "1px solid var(--border)" }}>
            <MatrixLegend />
          </div>
        )}
        {clusters.length === 0 ? (
          <EmptyState title="No cluster matches">Clear the search or a filter to see more.</EmptyState>
        ) : view === "matrix" ? (
          <SyncMatrix clusters={clusters} syncs={syncs} />
        ) : (
          <ClusterTable clusters={clusters} groupBy={group} />
        )}
      </section>
    </>
  );
}
