/**
 * The states gallery (/_states): every page's view in each named state — default, loading, not connected,
 * error, empty, many — rendered from fixtures, for review and for the browser tests' screenshots.
 */
import type { ReactNode } from "react";
import { ApiRequestError } from "../../api/client.ts";
import type { Resource } from "../../api/use-resource.ts";
import { Link, useLocation } from "../../app/router.tsx";
import { Async } from "../../components/DataState.tsx";
import { PageHeader } from "../../components/Panel.tsx";
import {
  fleetFixture,
  readinessFixture,
  sloSeriesFixture,
  slosFixture,
  syncDetailFixture,
  versionsFixture,
} from "../../dev/fixtures.ts";
import { FleetView } from "../fleet/FleetPage.tsx";
import { ReadinessView } from "../readiness/ReadinessPage.tsx";
import { SloSeriesCharts } from "../slo/SloCharts.tsx";
import { SlosView } from "../slo/SloPage.tsx";
import { SyncDetail } from "../sync/SyncPage.tsx";
import { syntheticGraph } from "../topology/synthetic.ts";
import { TopologyView } from "../topology/TopologyPage.tsx";
import { VersionsMatrix } from "../versions/VersionsPage.tsx";

export const galleryStates = ["default", "loading", "offline", "error", "empty", "many"] as const;
type State = (typeof galleryStates)[number];

const noop = () => {};
const fixed = <T,>(data: T | undefined, state: State): Resource<T> => ({
  data: state === "loading" || state === "offline" || state === "error" ? undefined : data,
  error:
    state === "offline"
      ? new ApiRequestError(0, "kaika's server cannot be reached")
      : state === "error"
        ? new ApiRequestError(500, "reading Clusters: the admin cluster answered 503 Service Unavailable", {
            reason: "Unreachable",
          })
        : undefined,
  loading: state === "loading",
  reload: noop,
});

const emptyFleet = { eventId: "0", clusters: [], syncs: [] };

export const galleryComponents: Record<string, { title: string; render: (s: State) => ReactNode }> = {
  fleet: {
    title: "Fleet",
    render: (s) => (
      <Async
        resource={fixed(s === "empty" ? emptyFleet : fleetFixture(s === "many" ? 200 : 6, s === "many" ? 50 : 5), s)}
      >
        {(d) => <FleetView data={d} />}
      </Async>
    ),
  },
  sync: {
    title: "Sync detail",
    render: (s) => (
      <Async resource={fixed(syncDetailFixture(fleetFixture(s === "many" ? 200 : 3, 5)), s)}>
        {(d) =>
          s === "empty" ? (
            <SyncDetail
              d={{
                ...d,
                commit: null,
                failures: [],
                violations: [],
                drift: [],
                events: [],
                objects: { ...d.objects, items: [], total: 0 },
                history: { entries: [], missing: "the ledger has no rows for this Sync" },
              }}
              reload={noop}
            />
          ) : (
            <SyncDetail d={d} reload={noop} />
          )
        }
      </Async>
    ),
  },
  versions: {
    title: "Versions",
    render: (s) => (
      <Async
        resource={fixed(
          s === "empty"
            ? { ...versionsFixture(), services: [] }
            : versionsFixture(s === "many" ? 40 : 6, s === "many" ? 300 : 24),
          s,
        )}
      >
        {(d) => <VersionsMatrix data={d} />}
      </Async>
    ),
  },
  readiness: {
    title: "Readiness",
    render: (s) => (
      <Async
        resource={fixed(
          s === "empty"
            ? { ...readinessFixture(0), scopes: [], missing: "no ReadinessPolicy audits live objects yet" }
            : readinessFixture(s === "many" ? 10_000 : 60),
          s,
        )}
      >
        {(d) => <ReadinessView data={d} />}
      </Async>
    ),
  },
  slo: {
    title: "SLOs",
    render: (s) => (
      <Async resource={fixed(s === "empty" ? { ...slosFixture(), slos: [] } : slosFixture(), s)}>
        {(d) => (
          <SlosView
            data={d}
            charts={() => (
              <div className="panel" style={{ marginTop: 16 }}>
                <div className="panel-body">
                  <SloSeriesCharts data={sloSeriesFixture()} />
                </div>
              </div>
            )}
          />
        )}
      </Async>
    ),
  },
  topology: {
    title: "Topology",
    render: (s) => (
      <Async resource={fixed(syntheticGraph(s === "many" ? 500 : s === "empty" ? 0 : 60), s)}>
        {(g) => <TopologyView graph={g} />}
      </Async>
    ),
  },
};

export default function StatesPage() {
  const { query } = useLocation();
  const c = query.get("c") ?? "";
  const s = (query.get("s") ?? "default") as State;
  const entry = galleryComponents[c];
  if (!entry || !galleryStates.includes(s))
    return (
      <>
        <PageHeader title="Component states" lead="Each page's view in each state, from fixtures." />
        <div className="panel">
          <table className="data">
            <caption className="visually-hidden">Views and their states</caption>
            <thead>
              <tr>
                <th scope="col">View</th>
                {galleryStates.map((st) => (
                  <th key={st} scope="col">
                    {st}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.entries(galleryComponents).map(([key, v]) => (
                <tr key={key}>
                  <th scope="row" style={{ textAlign: "left", padding: "0 12px" }}>
                    {v.title}
                  </th>
                  {galleryStates.map((st) => (
                    <td key={st}>
                      <Link href={`/_states?c=${key}&s=${st}`}>{st}</Link>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </>
    );
  return (
    <>
      <p className="muted" style={{ margin: "0 0 12px" }}>
        <Link href="/_states">States</Link> / {entry.title} / <strong>{s}</strong>
      </p>
      {entry.render(s)}
    </>
  );
}
