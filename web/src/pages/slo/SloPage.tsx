/** SLOs: error budget left, burn rate per window, time to exhaustion and alerts per SLO, and charts over a chosen range. */
import { type ReactNode, useMemo } from "react";
import { api } from "../../api/endpoints.ts";
import type { SlosResponse, SloView } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { useQueryParam } from "../../app/router.tsx";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { duration, percent } from "../../components/format.ts";
import { PageHeader, Stat } from "../../components/Panel.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { type Column, VirtualTable } from "../../components/VirtualTable.tsx";
import { SloCharts } from "./SloCharts.tsx";

export function SloPage() {
  // Budgets move with Prometheus, not with Kubernetes objects: refresh every 30 s as well as on SLO changes.
  const slos = useResource("slos", (signal) => api.slos(signal), { kinds: ["ServiceLevelObjective"], pollMs: 30_000 });
  return (
    <>
      <PageHeader title="SLOs" lead="Which services are burning their error budget, how fast, and when it runs out." />
      <Async resource={slos} rows={8}>
        {(data) => <SlosView data={data} />}
      </Async>
    </>
  );
}

export function budgetTone(b: number | null): "ok" | "warn" | "err" | undefined {
  if (b === null) return undefined;
  return b <= 0 ? "err" : b < 0.25 ? "warn" : "ok";
}

function Budget({ s }: { s: SloView }) {
  const b = s.errorBudgetRemaining;
  if (b === null) return <span className="muted">no data</span>;
  return (
    <span style={{ display: "inline-flex", alignItems: "center", gap: 8 }}>
      <span className={`meter ${budgetTone(b) ?? ""}`} style={{ width: 90 }} aria-hidden="true">
        <span style={{ width: `${Math.max(0, Math.min(1, b)) * 100}%` }} />
      </span>
      {percent(b)}
    </span>
  );
}

function worstBurn(s: SloView, window: string): number | null {
  let worst: number | null = null;
  for (const r of s.readings) {
    const v = r.burnRates[window];
    if (v !== undefined && (worst === null || v > worst)) worst = v;
  }
  return worst;
}

function state(s: SloView): string {
  if (s.errorBudgetRemaining === null) return "Unknown";
  if (s.exhausted) return "Exhausted";
  if (s.readings.some((r) => r.alerts.some((a) => a.state === "firing"))) return "Firing";
  if (budgetTone(s.errorBudgetRemaining) === "warn") return "Warning";
  return "Healthy";
}

/** The SLO page's content for one answer (also rendered by the states gallery). */
export function SlosView({
  data,
  charts = (slo) => <SloCharts slo={slo} />,
}: {
  data: SlosResponse;
  /** The charts of the selected SLO (the states gallery passes fixture charts). */
  charts?: (slo: SloView) => ReactNode;
}) {
  const [q, setQ] = useQueryParam("q");
  const [sel, setSel] = useQueryParam("slo");
  const windows = useMemo(() => {
    const all = new Set<string>();
    for (const s of data.slos) for (const r of s.readings) for (const w of Object.keys(r.burnRates)) all.add(w);
    const secs = (w: string) => Number.parseFloat(w) * ({ m: 60, h: 3600, d: 86400 }[w.slice(-1)] ?? 1);
    return [...all].sort((a, b) => secs(a) - secs(b)).slice(0, 4);
  }, [data.slos]);
  const shown = useMemo(() => {
    const s = q.trim().toLowerCase();
    return data.slos.filter((x) => !s || `${x.id} ${x.service}`.toLowerCase().includes(s));
  }, [data.slos, q]);
  const selected =
    data.slos.find((s) => s.id === sel) ??
    [...data.slos].sort((a, b) => (a.errorBudgetRemaining ?? 2) - (b.errorBudgetRemaining ?? 2))[0];

  const columns: Column<SloView>[] = [
    {
      id: "service",
      header: "Service",
      sortValue: (s) => s.service,
      cell: (s) => (
        <button
          type="button"
          className="sort"
          style={{ height: "auto", border: 0, padding: 0, background: "none", color: "var(--accent)", fontWeight: 600 }}
          onClick={() => setSel(s.id)}
          aria-pressed={selected?.id === s.id}
        >
          {s.service}
        </button>
      ),
    },
    {
      id: "slo",
      header: "SLO",
      sortValue: (s) => s.id,
      cell: (s) => (
        <span className="muted" title={`${s.id}${s.description ? ` — ${s.description}` : ""}`}>
          {s.name}
        </span>
      ),
    },
    {
      id: "objective",
      header: "Objective",
      className: "num",
      sortValue: (s) => s.objective,
      // The objective is a percentage (99.9), as the ServiceLevelObjective writes it.
      cell: (s) => `${s.objective}% / ${s.window}`,
    },
    {
      id: "state",
      header: "State",
      sortValue: state,
      cell: (s) => (
        <StatusBadge
          state={state(s)}
          tone={state(s) === "Warning" ? "warn" : state(s) === "Healthy" ? "ok" : undefined}
        />
      ),
    },
    {
      id: "budget",
      header: "Budget left",
      sortValue: (s) => s.errorBudgetRemaining ?? 2,
      cell: (s) => <Budget s={s} />,
    },
    ...windows.map(
      (w): Column<SloView> => ({
        id: `burn:${w}`,
        header: `Burn ${w}`,
        className: "num",
        sortValue: (s) => worstBurn(s, w) ?? -1,
        cell: (s) => {
          const v = worstBurn(s, w);
          if (v === null) return <span className="muted">—</span>;
          return <span className={v >= 1 ? "err-text" : undefined}>{v.toFixed(2)}×</span>;
        },
      }),
    ),
    {
      id: "tte",
      header: "Exhausted in",
      sortValue: (s) => s.timeToExhaustionSeconds ?? Number.MAX_SAFE_INTEGER,
      cell: (s) =>
        s.exhausted ? (
          <span className="err-text">exhausted</span>
        ) : s.timeToExhaustionSeconds === null ? (
          <span className="muted">not burning</span>
        ) : (
          duration(s.timeToExhaustionSeconds)
        ),
    },
    {
      id: "alerts",
      header: "Alerts",
      cell: (s) => {
        const alerts = s.readings.flatMap((r) => r.alerts);
        if (!alerts.length) return <span className="muted">none</span>;
        return alerts
          .slice(0, 2)
          .map((a) => <StatusBadge key={`${a.name}:${a.state}`} state={a.state} label={`${a.severity} ${a.state}`} />);
      },
    },
  ];

  if (!data.slos.length)
    return (
      <div className="panel">
        <EmptyState title="No SLOs">
          Declare a ServiceLevelObjective per service; kaika writes its burn-rate rules and gates rollouts on its
          budget.
        </EmptyState>
      </div>
    );

  const burning = data.slos.filter((s) => s.exhausted || budgetTone(s.errorBudgetRemaining) === "warn").length;
  const noData = data.slos.filter((s) => s.errorBudgetRemaining === null).length;
  return (
    <>
      {noData === data.slos.length && (
        <div className="banner warn" role="status">
          No SLO has data from Prometheus ({data.prometheus}): is it up, and are the recording rules loaded?
        </div>
      )}
      <div className="stats">
        <Stat label="SLOs" value={data.slos.length} sub={`from ${data.prometheus}`} />
        <Stat label="Burning" value={burning} tone={burning ? "warn" : "ok"} sub="under 25% budget or exhausted" />
        <Stat
          label="Exhausted"
          value={data.slos.filter((s) => s.exhausted).length}
          tone={data.slos.some((s) => s.exhausted) ? "err" : "ok"}
        />
        <Stat
          label="Firing alerts"
          value={
            data.slos.flatMap((s) => s.readings.flatMap((r) => r.alerts.filter((a) => a.state === "firing"))).length
          }
        />
      </div>
      <section className="panel" aria-label="Service level objectives">
        <search className="toolbar">
          <input
            type="search"
            aria-label="Search SLOs"
            placeholder="Search service or SLO…"
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
          <span className="spacer" />
          <span className="count">
            {shown.length} of {data.slos.length}
          </span>
        </search>
        <VirtualTable
          caption="SLOs and their error budgets"
          columns={columns}
          rows={shown}
          rowKey={(s) => s.id}
          maxHeight={400}
        />
      </section>
      {selected && charts(selected)}
    </>
  );
}
