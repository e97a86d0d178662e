/** The budget and burn-rate charts of one SLO over a range (from Prometheus, through kaika's API). */
import { useMemo } from "react";
import { api } from "../../api/endpoints.ts";
import type { SloSeriesResponse, SloView } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { useQueryParam } from "../../app/router.tsx";
import { Chart, type ChartLine } from "../../components/Chart.tsx";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { percent } from "../../components/format.ts";
import { RangePicker } from "../../components/RangePicker.tsx";

const ranges = ["1h", "6h", "1d", "7d", "30d"] as const;
const palette = ["--accent", "--warn", "--ok", "--info", "--err", "--text-muted"];

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` {${parts.join(",")}}` : "";
}

export function SloSeriesCharts({ data }: { data: SloSeriesResponse }) {
  const { budget, burn } = useMemo(() => {
    const budget: ChartLine[] = [];
    const burn: ChartLine[] = [];
    for (const s of data.series) {
      if (s.metric === "budgetRemaining")
        budget.push({
          label: `budget${labelText(s.labels)}`,
          values: s.values,
          color: palette[budget.length % palette.length] ?? "--accent",
        });
      else
        burn.push({
          label: `${s.window ?? ""}${labelText(s.labels)}`,
          values: s.values,
          color: palette[burn.length % palette.length] ?? "--accent",
        });
    }
    return { budget, burn };
  }, [data]);
  if (!data.timestamps.length || data.series.every((s) => s.values.every((v) => v === null)))
    return (
      <EmptyState title="No data in this range">
        Prometheus has no samples of this SLO's recording rules here.
      </EmptyState>
    );
  return (
    <div className="grid cols-2">
      <div>
        <h3 style={{ marginBottom: 6 }}>Error budget remaining</h3>
        <Chart
          title={`Error budget remaining of ${data.id} over ${data.range}`}
          timestamps={data.timestamps}
          lines={budget}
          yFormat={(v) => percent(v, 0)}
        />
      </div>
      <div>
        <h3 style={{ marginBottom: 6 }}>Burn rate by window</h3>
        <Chart
          title={`Burn rates of ${data.id} over ${data.range}`}
          timestamps={data.timestamps}
          lines={burn}
          yFormat={(v) => `${v.toFixed(1)}×`}
          threshold={{ value: 1, label: "burn 1×" }}
        />
      </div>
    </div>
  );
}

export function SloCharts({ slo }: { slo: SloView }) {
  const [range, setRange] = useQueryParam("range", "6h");
  const series = useResource(
    `series:${slo.id}:${range}`,
    (signal) => api.sloSeries(slo.namespace, slo.name, range, signal),
    {
      pollMs: 60_000,
    },
  );
  return (
    <section className="panel" aria-labelledby="slo-chart-title" style={{ marginTop: 16 }}>
      <div className="panel-head">
        <div>
          <h2 id="slo-chart-title">{slo.service}</h2>
          <p>
            {slo.id} · objective {slo.objective}% over {slo.window}
            {slo.description && <> · {slo.description}</>}
          </p>
        </div>
        <RangePicker ranges={ranges} value={range} onChange={setRange} />
      </div>
      <div className="panel-body">
        <Async resource={series} rows={4}>
          {(d) => <SloSeriesCharts data={d} />}
        </Async>
      </div>
    </section>
  );
}
