/** The side panel of the graph: search results, and the selected service's SLO and calls in and out (the graph as text). */
import { percent } from "../../components/format.ts";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { edgeLabel, edgesOf, type TopoGraph, type TopoNode } from "./graph-model.ts";

const sloWord = { ok: "Healthy", warn: "Burning", err: "Exhausted", none: "No SLO" } as const;
const sloTone = { ok: "ok", warn: "warn", err: "err", none: "neutral" } as const;

function short(id: string): string {
  return id.slice(id.indexOf("/") + 1);
}

export function GraphSide({
  graph,
  results,
  selected,
  focused,
  onSelect,
  onFocus,
}: {
  graph: TopoGraph;
  results: readonly TopoNode[];
  selected: string;
  focused: string | null;
  onSelect: (id: string) => void;
  onFocus: (id: string) => void;
}) {
  const node = graph.nodes.find((n) => n.id === selected);
  const calls = node ? edgesOf(graph, node.id) : null;
  return (
    <aside className="panel side" aria-label="Service details">
      {results.length > 0 && (
        <div className="panel-body" style={{ borderBottom: "1px solid var(--border)" }}>
          <h2 style={{ marginBottom: 8 }}>Matches</h2>
          <ul className="list" style={{ margin: "0 -16px" }}>
            {results.map((r) => (
              <li key={r.id} style={{ padding: "4px 16px" }}>
                <button
                  type="button"
                  className="ghost"
                  style={{ width: "100%", justifyContent: "flex-start" }}
                  onClick={() => onFocus(r.id)}
                >
                  <StatusBadge state={sloWord[r.slo]} tone={sloTone[r.slo]} label={r.name} />
                  <span className="muted">{r.namespace}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {node && calls ? (
        <div className="panel-body">
          <h2>{node.name}</h2>
          <p className="muted" style={{ margin: "2px 0 10px" }}>
            namespace {node.namespace}
          </p>
          <dl className="kv" style={{ marginBottom: 12 }}>
            <dt>SLO</dt>
            <dd>
              <StatusBadge state={sloWord[node.slo]} tone={sloTone[node.slo]} />
            </dd>
            <dt>Budget left</dt>
            <dd>{percent(node.budget)}</dd>
            <dt>Calls</dt>
            <dd>
              {calls.inbound.length} in · {calls.outbound.length} out
            </dd>
          </dl>
          {focused !== node.id && (
            <button type="button" className="primary" onClick={() => onFocus(node.id)} style={{ marginBottom: 12 }}>
              Focus on {node.name}
            </button>
          )}
          <CallList title="Called by" edges={calls.inbound.slice(0, 15)} other={(e) => e.source} onSelect={onSelect} />
          <CallList title="Calls" edges={calls.outbound.slice(0, 15)} other={(e) => e.target} onSelect={onSelect} />
        </div>
      ) : (
        <div className="panel-body muted">
          <h2 style={{ color: "var(--text)", marginBottom: 6 }}>Service graph</h2>
          <p style={{ margin: "0 0 8px" }}>
            {graph.nodes.length} services in {new Set(graph.nodes.map((n) => n.namespace)).size} namespaces,{" "}
            {graph.edges.length} calls.
          </p>
          <p style={{ margin: 0 }}>
            Select a service on the graph, or search for one, to see its SLO and its calls with rate, error rate and
            p95.
          </p>
        </div>
      )}
    </aside>
  );
}

function CallList({
  title,
  edges,
  other,
  onSelect,
}: {
  title: string;
  edges: ReturnType<typeof edgesOf>["inbound"];
  other: (e: ReturnType<typeof edgesOf>["inbound"][number]) => string;
  onSelect: (id: string) => void;
}) {
  if (!edges.length) return null;
  return (
    <>
      <h3 style={{ margin: "10px 0 4px" }}>{title}</h3>
      <ul className="list" style={{ margin: "0 -16px", fontSize: 12.5 }}>
        {edges.map((e) => (
          <li key={e.id} style={{ padding: "5px 16px" }}>
            <button
              type="button"
              className="ghost"
              style={{ height: "auto", padding: 0, color: "var(--accent)" }}
              onClick={() => onSelect(other(e))}
            >
              {short(other(e))}
            </button>
            <div className={e.errorRate >= 0.02 ? "err-text" : "muted"}>{edgeLabel(e)}</div>
          </li>
        ))}
      </ul>
    </>
  );
}
