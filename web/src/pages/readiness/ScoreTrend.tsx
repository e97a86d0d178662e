/** The readiness score of each audited cluster over time (kaika_audit_score from Prometheus, through kaika's API). */
import { useMemo } from "react";
import { api } from "../../api/endpoints.ts";
import type { ReadinessTrendResponse } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { useQueryParam } from "../../app/router.tsx";
import { Chart, type ChartLine } from "../../components/Chart.tsx";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { RangePicker } from "../../components/RangePicker.tsx";

const ranges = ["1h", "1d", "7d", "30d"] as const;
const scoreRange = [0, 100] as const;
const palette = ["--accent", "--ok", "--warn", "--info", "--err", "--text-muted"];

export function ScoreTrendChart({ data }: { data: ReadinessTrendResponse }) {
  const lines = useMemo<ChartLine[]>(
    () =>
      data.series.map((s, i) => ({
        label: s.cluster ?? "admin",
        values: s.values,
        color: palette[i % palette.length] ?? "--accent",
      })),
    [data],
  );
  if (!lines.length || lines.every((l) => l.values.every((v) => v === null)))
    return (
      <EmptyState title="No score history in this range">
        Prometheus has no samples of kaika_audit_score: it must scrape kaika's /metrics.
      </EmptyState>
    );
  return (
    <Chart
      title={`Readiness score per cluster over ${data.range}`}
      timestamps={data.timestamps}
      lines={lines}
      height={180}
      yFormat={(v) => v.toFixed(0)}
      yRange={scoreRange}
    />
  );
}

export function ScoreTrend() {
  const [range, setRange] = useQueryParam("trend", "7d");
  const trend = useResource(`readiness-trend:${range}`, (signal) => api.readinessTrend(range, signal), {
    pollMs: 60_000,
  });
  return (
    <section className="panel" aria-labelledby="trend-title" style={{ marginBottom: 16 }}>
      <div className="panel-head">
        <div>
          <h2 id="trend-title">Score trend</h2>
          <p>Each cluster's score at its audits, as Prometheus recorded it.</p>
        </div>
        <RangePicker ranges={ranges} value={range} onChange={setRange} />
      </div>
      <div className="panel-body">
        <Async resource={trend} rows={3}>
          {(d) => <ScoreTrendChart data={d} />}
        </Async>
      </div>
    </section>
  );
}
