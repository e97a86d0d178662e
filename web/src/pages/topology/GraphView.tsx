/**
 * The service graph on a Cytoscape canvas: namespace groups laid out in O(n) for the overview, a concentric
 * layout around the focused service, node colour by SLO state, edge labels (rate, errors, p95) where readable.
 * A large grouped overview draws one edge per pair of namespaces instead of every call (thousands of edges
 * are what makes a canvas slow, and unreadable); a selected service's own calls are drawn on top.
 * Reports its render time through the Performance API ("kaika:topology-render").
 */
import cytoscape, { type Core, type ElementDefinition, type StylesheetJson } from "cytoscape";
import fcose from "cytoscape-fcose";
import { useEffect, useRef } from "react";
import { cssVar } from "../../app/theme.ts";
import { edgeLabel, namespaceBundles, namespaceGridLayout, type TopoEdge, type TopoGraph } from "./graph-model.ts";

cytoscape.use(fcose);

/** Above this many calls the grouped overview bundles calls per pair of namespaces. */
export const bundleAbove = 1000;

/** Whether the view draws namespace bundles instead of calls. */
const bundles = (p: GraphViewProps): boolean => p.grouped && !p.focus && p.graph.edges.length > bundleAbove;

export interface GraphViewProps {
  graph: TopoGraph;
  /** Group services in a box per namespace. */
  grouped: boolean;
  /** The focused service and the distance of every shown node from it (focus mode), or null (overview). */
  focus: { id: string; distances: ReadonlyMap<string, number> } | null;
  /** Node ids matching the search, highlighted. */
  matches: ReadonlySet<string>;
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Called with the cy instance for the zoom buttons. */
  onReady?: (cy: Core) => void;
}

function style(): StylesheetJson {
  const c = {
    text: cssVar("--text"),
    muted: cssVar("--text-muted"),
    border: cssVar("--border-strong"),
    surface: cssVar("--surface"),
    ok: cssVar("--ok"),
    warn: cssVar("--warn"),
    err: cssVar("--err"),
    none: cssVar("--neutral"),
    accent: cssVar("--accent"),
    group: cssVar("--surface"),
  };
  return [
    {
      selector: "node",
      style: {
        width: 18,
        height: 18,
        "background-color": c.none,
        "border-width": 2,
        "border-color": c.surface,
        label: "data(name)",
        "font-size": 9,
        "font-family": "DejaVu Sans, Liberation Sans, sans-serif",
        color: c.text,
        "text-valign": "bottom",
        "text-margin-y": 3,
        "min-zoomed-font-size": 7,
        // Services over calls over namespace boxes.
        "z-index-compare": "manual",
        "z-index": 10,
      },
    },
    { selector: "node[slo = 'ok']", style: { "background-color": c.ok } },
    { selector: "node[slo = 'warn']", style: { "background-color": c.warn } },
    { selector: "node[slo = 'err']", style: { "background-color": c.err, width: 22, height: 22 } },
    {
      selector: "node.ns",
      style: {
        width: "data(w)",
        height: "data(h)",
        events: "no",
        "z-index-compare": "manual",
        "z-index": 1,
        "background-color": c.group,
        "background-opacity": 0.75,
        "border-color": c.border,
        "border-width": 1,
        shape: "round-rectangle",
        label: "data(name)",
        "text-valign": "top",
        "text-halign": "center",
        "text-margin-y": -4,
        // Big enough to read on a zoomed-out overview of hundreds of services, not shouting on a small one.
        "font-size": "mapData(w, 150, 450, 14, 30)",
        "font-weight": "bold",
        color: c.muted,
        "min-zoomed-font-size": 6,
        "text-outline-width": 0,
      },
    },
    {
      selector: "edge",
      style: {
        width: "mapData(rps, 0, 200, 0.6, 3)",
        "line-color": c.border,
        "line-opacity": 0.55,
        "curve-style": "straight",
        "target-arrow-shape": "triangle",
        "target-arrow-color": c.border,
        "arrow-scale": 0.6,
        "z-index-compare": "manual",
        "z-index": 5,
      },
    },
    {
      selector: "edge.bundle",
      style: {
        // Under the namespace boxes, unlabelled: the lines say which namespaces talk and how much; the
        // side panel and a selected service's own calls give the figures.
        width: "mapData(calls, 1, 60, 1, 7)",
        "line-opacity": 0.45,
        "curve-style": "bezier",
        "arrow-scale": 1,
        "z-index": 0,
      },
    },
    {
      selector: "edge[errorRate >= 0.02]",
      style: { "line-color": c.err, "target-arrow-color": c.err, "line-opacity": 0.8 },
    },
    {
      selector: "edge.labelled",
      style: {
        label: "data(label)",
        "font-size": 8,
        color: c.text,
        "text-rotation": "autorotate",
        "text-background-color": c.surface,
        "text-background-opacity": 0.9,
        "text-background-padding": "2px",
        "min-zoomed-font-size": 6,
        "line-opacity": 0.9,
      },
    },
    {
      selector: "node.match",
      style: { "border-color": c.accent, "border-width": 4, width: 26, height: 26, "z-index": 10 },
    },
    {
      selector: "node:selected, node.focus",
      style: {
        "border-color": c.accent,
        "border-width": 4,
        width: 28,
        height: 28,
        "font-size": 11,
        "font-weight": "bold",
        "z-index": 20,
      },
    },
    { selector: ".dim", style: { opacity: 0.15 } },
  ];
}

/** One call as an edge; in focus, the focused service's own calls carry their rate, errors and p95. */
function callEdge(e: TopoEdge, focus: GraphViewProps["focus"], classes = ""): ElementDefinition {
  return {
    group: "edges",
    data: { id: e.id, source: e.source, target: e.target, rps: e.rps, errorRate: e.errorRate, label: edgeLabel(e) },
    classes: focus && (e.source === focus.id || e.target === focus.id) ? "labelled" : classes,
  };
}

/** Each namespace's box around its services' positions: "ns:<namespace>", centre, size and label. */
function namespaceBoxes(
  nodes: readonly TopoGraph["nodes"][number][],
  pos: ReadonlyMap<string, { x: number; y: number }>,
  pad = 30,
): { id: string; name: string; w: number; h: number; position: { x: number; y: number } }[] {
  const bounds = new Map<string, { x1: number; y1: number; x2: number; y2: number }>();
  for (const n of nodes) {
    const p = pos.get(n.id);
    if (!p) continue;
    const b = bounds.get(n.namespace);
    if (b) {
      b.x1 = Math.min(b.x1, p.x);
      b.y1 = Math.min(b.y1, p.y);
      b.x2 = Math.max(b.x2, p.x);
      b.y2 = Math.max(b.y2, p.y);
    } else bounds.set(n.namespace, { x1: p.x, y1: p.y, x2: p.x, y2: p.y });
  }
  return [...bounds].map(([ns, b]) => ({
    id: `ns:${ns}`,
    name: ns,
    w: b.x2 - b.x1 + 2 * pad,
    h: b.y2 - b.y1 + 2 * pad,
    position: { x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2 },
  }));
}

function elements(props: GraphViewProps): ElementDefinition[] {
  const { graph, grouped, focus } = props;
  const shown = focus ? graph.nodes.filter((n) => focus.distances.has(n.id)) : graph.nodes;
  const ids = new Set(shown.map((n) => n.id));
  // Grouped overview: namespace blocks in O(n); ungrouped: fcose (below) places nodes by their calls.
  const pos = focus || !grouped ? null : namespaceGridLayout({ nodes: shown, edges: [] });
  const out: ElementDefinition[] = [];
  // Namespace groups are plain boxes behind their services, not compound nodes: Cytoscape keeps a
  // compound's bounds up to date with every child, which made a 500-service overview slow to build.
  if (pos)
    for (const { position, ...data } of namespaceBoxes(shown, pos))
      out.push({ group: "nodes", data, position, classes: "ns" });
  for (const n of shown)
    out.push({
      group: "nodes",
      data: { id: n.id, name: n.name, slo: n.slo },
      ...(pos ? { position: pos.get(n.id) ?? { x: 0, y: 0 } } : {}),
    });
  if (bundles(props)) {
    for (const b of namespaceBundles(graph))
      out.push({
        group: "edges",
        data: b,
        classes: "bundle",
      });
    return out;
  }
  for (const e of graph.edges) if (ids.has(e.source) && ids.has(e.target)) out.push(callEdge(e, focus));
  return out;
}

export function GraphView(props: GraphViewProps) {
  const box = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const propsRef = useRef(props);
  propsRef.current = props;

  // Build (or rebuild) the graph when the shown set changes; the rest is read through propsRef.
  // biome-ignore lint/correctness/useExhaustiveDependencies: these props are the rebuild triggers
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const t0 = performance.now();
    const p = propsRef.current;
    const cy = cytoscape({
      container: el,
      elements: elements(p),
      style: style(),
      layout: { name: "preset" },
      minZoom: 0.05,
      maxZoom: 4,
      // Large graphs: draw edges only at rest while panning/zooming, keep the canvas light.
      hideEdgesOnViewport: p.graph.edges.length > 1500 && !p.focus && !bundles(p),
      textureOnViewport: false,
      pixelRatio: 1,
      boxSelectionEnabled: false,
    });
    cyRef.current = cy;
    if (p.focus && p.focus.distances.size > 60) {
      // A large neighbourhood: fcose, with the focused service drawn on top.
      cy.layout({
        name: "fcose",
        quality: "draft",
        randomize: true,
        animate: false,
        nodeRepulsion: () => 9000,
        idealEdgeLength: () => 90,
      } as cytoscape.LayoutOptions).run();
      cy.$id(p.focus.id).addClass("focus");
    } else if (p.focus) {
      const distances = p.focus.distances;
      const max = Math.max(...distances.values(), 1);
      cy.layout({
        name: "concentric",
        concentric: (n) => max - (distances.get(n.id()) ?? max),
        levelWidth: () => 1,
        // Few services: room for the labels of their calls.
        minNodeSpacing: distances.size <= 20 ? 90 : 28,
        animate: false,
      }).run();
      cy.$id(p.focus.id).addClass("focus");
    } else if (!p.grouped) {
      cy.layout({
        name: "fcose",
        quality: "draft",
        randomize: true,
        animate: false,
        nodeRepulsion: () => 8000,
        idealEdgeLength: () => 80,
      } as cytoscape.LayoutOptions).run();
    }
    cy.fit(undefined, 30);
    // A few services would be blown up to fill the canvas: keep them at a readable size.
    if (cy.zoom() > 1.4) {
      cy.zoom(1.4);
      cy.center();
    }
    cy.on("tap", "node", (e) => {
      const id = e.target.id() as string;
      if (!id.startsWith("ns:")) propsRef.current.onSelect(id);
    });
    cy.on("tap", (e) => {
      if (e.target === cy) propsRef.current.onSelect(null);
    });
    p.onReady?.(cy);
    // Render time: building the elements and styles to the first painted frame.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        performance.measure("kaika:topology-render", { start: t0, end: performance.now() });
        el.dataset.rendered = String(cy.nodes().length);
        el.dataset.edges = String(cy.edges().length);
      }),
    );
    const restyle = () => cy.style(style());
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    window.addEventListener("kaika:theme", restyle);
    media.addEventListener("change", restyle);
    return () => {
      window.removeEventListener("kaika:theme", restyle);
      media.removeEventListener("change", restyle);
      cy.destroy();
      cyRef.current = null;
    };
  }, [props.graph, props.grouped, props.focus]);

  // Search matches and selection only restyle (and add the selected service's calls over bundles).
  // biome-ignore lint/correctness/useExhaustiveDependencies: graph, grouping and focus decide the bundling
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.batch(() => {
      cy.nodes().removeClass("match dim");
      cy.edges(".sel").removeClass("labelled sel");
      if (props.matches.size) {
        for (const id of props.matches) cy.$id(id).addClass("match");
      }
      cy.nodes().unselect();
      cy.remove(".sel-call");
      if (props.selected) {
        const n = cy.$id(props.selected);
        n.select();
        if (bundles(props)) {
          // Bundled overview: the selected service's own calls are added, labelled.
          const calls = props.graph.edges.filter((e) => e.source === props.selected || e.target === props.selected);
          cy.add(calls.map((e) => callEdge(e, null, "labelled sel-call")));
        } else if (!props.focus) n.connectedEdges().not(".labelled").addClass("labelled sel");
      }
    });
  }, [props.matches, props.selected, props.focus, props.graph, props.grouped]);

  return (
    <div
      className="graph"
      ref={box}
      role="img"
      aria-label={`Service graph: ${props.graph.nodes.length} services, ${props.graph.edges.length} calls. The panel beside it lists the same data.`}
    />
  );
}
