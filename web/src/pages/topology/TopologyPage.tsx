/**
 * Topology: which service calls which, with rate, errors and p95 per call and SLO state per service; grouping by
 * namespace, focus + depth, search; from GET /api/v1/topology (the mesh's request metrics in Prometheus). Without a
 * Prometheus or mesh metrics, says so — and previews the view on a synthetic graph (?synthetic=500).
 */
import type { Core } from "cytoscape";
import { useMemo, useRef } from "react";
import { api } from "../../api/endpoints.ts";
import { useResource } from "../../api/use-resource.ts";
import { Link, useQueryParam } from "../../app/router.tsx";
import { Async } from "../../components/DataState.tsx";
import { FitIcon, MinusIcon, PlusIcon, TopologyIcon } from "../../components/icons.tsx";
import { PageHeader } from "../../components/Panel.tsx";
import { GraphSide } from "./GraphSide.tsx";
import { GraphView } from "./GraphView.tsx";
import { neighbourhood, search, type TopoGraph } from "./graph-model.ts";
import { syntheticGraph } from "./synthetic.ts";

export default function TopologyPage() {
  const [synthetic] = useQueryParam("synthetic");
  const n = Math.min(5000, Math.max(10, Number.parseInt(synthetic, 10) || 0));
  // Rates move with the traffic, not with kaika's objects: read again every 30 s.
  const topology = useResource("topology", (signal) => api.topology(signal), { pollMs: 30_000 });
  const graph = useMemo(() => (synthetic ? syntheticGraph(n) : null), [synthetic, n]);

  if (graph)
    return (
      <>
        <PageHeader
          title="Topology"
          lead="Which service calls which: request rate, error rate and p95 per call, SLO state per service."
        />
        <div className="banner info" role="status">
          Synthetic preview: {graph.nodes.length} generated services and {graph.edges.length} calls, not your fleet.{" "}
          <Link href="/topology">Back to the fleet's topology</Link>
        </div>
        <TopologyView graph={graph} />
      </>
    );
  return (
    <>
      <PageHeader
        title="Topology"
        lead="Which service calls which, with per-call rates, errors and latency and per-service SLOs."
      />
      <Async resource={topology} rows={4}>
        {(t) =>
          t.configured && t.nodes.length > 0 ? (
            <>
              <p className="muted" style={{ margin: "0 0 12px" }}>
                Rates over the last {t.window}, read {t.stats.queries} queries from Prometheus in {t.stats.durationMs}{" "}
                ms.
              </p>
              <TopologyView graph={t} />
            </>
          ) : (
            <div className="panel">
              <div className="state">
                <span className="state-icon">
                  <TopologyIcon />
                </span>
                <h2>{t.configured ? "No mesh traffic in Prometheus" : "Topology is not configured"}</h2>
                <p>
                  {t.configured
                    ? `Prometheus has no istio_requests_total over the last ${t.window}: is it scraping the mesh's proxies?`
                    : t.reason}
                </p>
                <p>
                  <Link href="/topology?synthetic=500">Preview the view with a synthetic 500-service graph</Link>
                </p>
              </div>
            </div>
          )
        }
      </Async>
    </>
  );
}

/** The graph and its side panel for one graph (also used by the states gallery). */
export function TopologyView({ graph }: { graph: TopoGraph }) {
  const [focusId, setFocus] = useQueryParam("focus");
  const [depthText, setDepth] = useQueryParam("depth", "1");
  const [q, setQ] = useQueryParam("q");
  const [grouping, setGrouping] = useQueryParam("group", "namespace");
  const [selected, setSelected] = useQueryParam("service");
  const depth = Math.min(4, Math.max(1, Number.parseInt(depthText, 10) || 1));
  const cyRef = useRef<Core | null>(null);

  const focus = useMemo(() => {
    if (!focusId || !graph.nodes.some((n) => n.id === focusId)) return null;
    return { id: focusId, distances: neighbourhood(graph, focusId, depth) };
  }, [graph, focusId, depth]);
  const results = useMemo(() => search(graph, q), [graph, q]);
  const matches = useMemo(() => new Set(results.map((r) => r.id)), [results]);

  const zoom = (factor: number) => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  };

  return (
    <div className="topology">
      <section className="panel graph-panel" aria-label="Service graph">
        <search className="toolbar">
          <input
            type="search"
            aria-label="Search services"
            placeholder="Search services…"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && results[0]) {
                setSelected(results[0].id);
                setFocus(results[0].id);
              }
            }}
          />
          <label>
            Depth
            <select value={String(depth)} onChange={(e) => setDepth(e.target.value)} disabled={!focus}>
              {[1, 2, 3, 4].map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input
              type="checkbox"
              checked={grouping === "namespace"}
              onChange={(e) => setGrouping(e.target.checked ? "namespace" : "none")}
              disabled={!!focus}
            />
            group by namespace
          </label>
          {focus && (
            <button type="button" onClick={() => setFocus("")}>
              Show all
            </button>
          )}
          <span className="spacer" />
          <span className="count">
            {focus ? `${focus.distances.size} of ${graph.nodes.length}` : graph.nodes.length} services ·{" "}
            {graph.edges.length} calls
          </span>
        </search>
        <div style={{ position: "relative", flex: 1, minHeight: 0, display: "flex" }}>
          <GraphView
            graph={graph}
            grouped={grouping === "namespace"}
            focus={focus}
            matches={matches}
            selected={selected || null}
            onSelect={(id) => setSelected(id ?? "")}
            onReady={(cy) => {
              cyRef.current = cy;
            }}
          />
          <div className="graph-overlay">
            <button type="button" className="icon-btn" aria-label="Zoom in" onClick={() => zoom(1.4)}>
              <PlusIcon />
            </button>
            <button type="button" className="icon-btn" aria-label="Zoom out" onClick={() => zoom(1 / 1.4)}>
              <MinusIcon />
            </button>
            <button
              type="button"
              className="icon-btn"
              aria-label="Fit to screen"
              onClick={() => cyRef.current?.fit(undefined, 30)}
            >
              <FitIcon />
            </button>
          </div>
        </div>
        <div className="legend" style={{ padding: "8px 16px", borderTop: "1px solid var(--border)" }}>
          <span>
            <span className="cell-dot ok" style={{ borderRadius: "50%" }} /> SLO healthy
          </span>
          <span>
            <span className="cell-dot warn" style={{ borderRadius: "50%" }} /> burning
          </span>
          <span>
            <span className="cell-dot err" style={{ borderRadius: "50%" }} /> exhausted
          </span>
          <span>
            <span className="cell-dot" style={{ borderRadius: "50%" }} /> no SLO
          </span>
          <span>red call: ≥ 2% errors · select a service for its calls, focus for its neighbourhood</span>
        </div>
      </section>
      <GraphSide
        graph={graph}
        results={q ? results : []}
        selected={selected}
        focused={focus?.id ?? null}
        onSelect={setSelected}
        onFocus={(id) => {
          setSelected(id);
          setFocus(id);
        }}
      />
    </div>
  );
}
