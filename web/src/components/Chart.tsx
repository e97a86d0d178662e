/** A time-series chart (uPlot, canvas): sized to its box, coloured from the theme, redrawn when the theme changes. */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { cssVar } from "../app/theme.ts";

export interface ChartLine {
  readonly label: string;
  readonly values: readonly (number | null)[];
  /** A CSS custom property for the colour, e.g. "--accent". */
  readonly color: string;
  readonly dash?: boolean;
}

export function Chart({
  title,
  timestamps,
  lines,
  height = 220,
  yFormat = (v) => String(v),
  threshold,
  yRange,
}: {
  /** The accessible name of the chart (a canvas says nothing by itself). */
  title: string;
  timestamps: readonly number[];
  lines: readonly ChartLine[];
  height?: number;
  yFormat?: (v: number) => string;
  /** A horizontal line (e.g. burn rate 1 or the gate's max). */
  threshold?: { value: number; label: string } | undefined;
  /** A fixed y axis (e.g. 0–100 for a score) instead of one fitted to the data. */
  yRange?: readonly [number, number] | undefined;
}) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let plot: uPlot | undefined;
    const draw = () => {
      plot?.destroy();
      const text = cssVar("--text-muted");
      const grid = cssVar("--border");
      const series: uPlot.Series[] = [
        {},
        ...lines.map((l) => ({
          label: l.label,
          stroke: cssVar(l.color),
          width: 2,
          spanGaps: false,
          // A young or sparse series is a few dots, which a line alone would not show.
          points: { show: l.values.filter((v) => v !== null).length < 30, size: 5 },
          ...(l.dash ? { dash: [6, 4] } : {}),
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? "—" : yFormat(v)),
        })),
      ];
      const data: uPlot.AlignedData = [timestamps as number[], ...lines.map((l) => l.values as (number | null)[])];
      if (threshold) {
        series.push({ label: threshold.label, stroke: cssVar("--err"), width: 1, dash: [3, 3] });
        data.push(timestamps.map(() => threshold.value));
      }
      const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      plot = new uPlot(
        {
          width: Math.max(200, el.clientWidth),
          height,
          series,
          axes: [axis, { ...axis, size: 56, values: (_u, vals) => vals.map((v) => yFormat(v)) }],
          legend: { show: true },
          ...(yRange ? { scales: { y: { range: [yRange[0], yRange[1]] as uPlot.Range.MinMax } } } : {}),
          cursor: { drag: { x: true, y: false } },
        },
        data,
        el,
      );
    };
    draw();
    const ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    window.addEventListener("kaika:theme", draw);
    media.addEventListener("change", draw);
    return () => {
      ro.disconnect();
      window.removeEventListener("kaika:theme", draw);
      media.removeEventListener("change", draw);
      plot?.destroy();
    };
  }, [timestamps, lines, height, yFormat, threshold, yRange]);

  return <div className="chart" ref={box} role="img" aria-label={title} />;
}
