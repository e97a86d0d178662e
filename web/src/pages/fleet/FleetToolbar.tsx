/** Search, label filters, status filter, grouping and view switch of the fleet page; all kept in the URL. */
import type { ClusterView } from "../../api/types.ts";
import { useQueryParam } from "../../app/router.tsx";
import { labelValues } from "./fleet-filter.ts";

function Select({
  param,
  label,
  options,
  fallback = "",
  allLabel = "all",
}: {
  param: string;
  label: string;
  options: readonly (string | readonly [string, string])[];
  fallback?: string;
  allLabel?: string | null;
}) {
  const [value, set] = useQueryParam(param, fallback);
  return (
    <label>
      {label}
      <select value={value} aria-label={label} onChange={(e) => set(e.target.value)}>
        {allLabel !== null && <option value="">{allLabel}</option>}
        {options.map((o) => {
          const [v, text] = typeof o === "string" ? [o, o] : o;
          return (
            <option key={v} value={v}>
              {text}
            </option>
          );
        })}
      </select>
    </label>
  );
}

export function FleetToolbar({ all, shown }: { all: readonly ClusterView[]; shown: number }) {
  const [q, setQ] = useQueryParam("q");
  const [view] = useQueryParam("view", "clusters");
  return (
    <search className="toolbar">
      <input
        type="search"
        aria-label="Search clusters, labels and Syncs"
        placeholder="Search clusters, labels, Syncs…"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <Select param="env" label="Env" options={labelValues(all, "env")} />
      <Select param="region" label="Region" options={labelValues(all, "region")} />
      <Select param="provider" label="Provider" options={labelValues(all, "provider")} />
      <Select
        param="status"
        label="Show"
        allLabel="everything"
        options={[
          ["unreachable", "unreachable"],
          ["failing", "failing Syncs"],
          ["drift", "with drift"],
          ["violations", "with violations"],
        ]}
      />
      {view !== "matrix" && (
        <Select
          param="group"
          label="Group by"
          fallback="env"
          allLabel={null}
          options={[
            ["env", "env"],
            ["region", "region"],
            ["provider", "provider"],
            ["none", "nothing"],
          ]}
        />
      )}
      <span className="spacer" />
      <span className="count" aria-live="polite">
        {shown} of {all.length} clusters
      </span>
    </search>
  );
}

/** Clusters table or Syncs × clusters matrix (?view=matrix). */
export function ViewSwitch() {
  const [view, setView] = useQueryParam("view", "clusters");
  return (
    <fieldset className="segmented">
      <legend className="visually-hidden">View</legend>
      <button type="button" aria-pressed={view !== "matrix"} onClick={() => setView("clusters")}>
        Clusters
      </button>
      <button type="button" aria-pressed={view === "matrix"} onClick={() => setView("matrix")}>
        Syncs × clusters
      </button>
    </fieldset>
  );
}
