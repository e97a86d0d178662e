/**
 * A synthetic service graph (a dev fixture): N services in namespaces, ~10 calls per service from front to back
 * tiers, with rates, error rates, p95 and SLO states. Deterministic for a seed, so screenshots and timings repeat.
 */
import type { SloState, TopoEdge, TopoGraph, TopoNode } from "./graph-model.ts";

const namespaces = [
  "shop",
  "payments",
  "identity",
  "search",
  "catalog",
  "orders",
  "shipping",
  "ads",
  "media",
  "notify",
  "billing",
  "fraud",
  "reviews",
  "pricing",
  "inventory",
  "analytics",
  "gateway",
  "support",
  "loyalty",
  "cms",
  "recs",
  "auth",
  "ledger",
  "tax",
  "email",
];
const roles = ["api", "web", "worker", "svc", "cache", "db", "grpc", "edge", "sync", "index", "stream", "jobs"];

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `services` services and about `edgesPerService` × services calls. */
export function syntheticGraph(services: number, edgesPerService = 10, seed = 12): TopoGraph {
  const rnd = prng(seed);
  const nsCount = Math.max(1, Math.min(namespaces.length, Math.round(services / 20)));
  const nodes: (TopoNode & { tier: number })[] = [];
  for (let i = 0; i < services; i++) {
    const ns = namespaces[i % nsCount] ?? "default";
    const name =
      `${ns}-${roles[Math.floor(i / nsCount) % roles.length]}-${Math.floor(i / (nsCount * roles.length)) || ""}`.replace(
        /-$/,
        "",
      );
    const r = rnd();
    const slo: SloState = r < 0.06 ? "none" : r < 0.9 ? "ok" : r < 0.96 ? "warn" : "err";
    const budget = slo === "none" ? null : slo === "ok" ? 0.35 + rnd() * 0.65 : slo === "warn" ? 0.05 + rnd() * 0.2 : 0;
    nodes.push({ id: `${ns}/${name}`, name, namespace: ns, slo, budget, tier: Math.floor(rnd() * 4) });
  }
  const byNs = new Map<string, typeof nodes>();
  for (const n of nodes) {
    const l = byNs.get(n.namespace);
    if (l) l.push(n);
    else byNs.set(n.namespace, [n]);
  }
  const target = Math.round(services * edgesPerService);
  const seen = new Set<string>();
  const edges: TopoEdge[] = [];
  let guard = 0;
  while (edges.length < target && guard++ < target * 20) {
    const a = nodes[Math.floor(rnd() * nodes.length)];
    if (!a) continue;
    // Most calls stay in the namespace; a third cross to another team's services.
    const pool = rnd() < 0.65 ? (byNs.get(a.namespace) ?? nodes) : nodes;
    const b = pool[Math.floor(rnd() * pool.length)];
    if (!b || b.id === a.id || b.tier < a.tier) continue;
    const key = `${a.id}>${b.id}`;
    if (seen.has(key) || seen.has(`${b.id}>${a.id}`)) continue;
    seen.add(key);
    const hot = b.slo === "err" ? 0.02 + rnd() * 0.1 : b.slo === "warn" ? 0.005 + rnd() * 0.02 : rnd() * 0.003;
    edges.push({
      id: `e${edges.length}`,
      source: a.id,
      target: b.id,
      rps: Math.exp(rnd() * 6) / 2,
      errorRate: hot,
      p95Ms: 5 + rnd() * 80 + b.tier * 25 + (b.slo === "err" ? 300 : 0),
    });
  }
  return { nodes: nodes.map(({ tier: _tier, ...n }) => n), edges };
}
