/** Compares two clusters (or one cluster at two times): the services whose version or images differ. */
import { api } from "../../api/endpoints.ts";
import { useResource } from "../../api/use-resource.ts";
import { useQueryParam } from "../../app/router.tsx";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { absolute } from "../../components/format.ts";
import { TableScroll } from "../../components/TableScroll.tsx";
import { toLocalInput } from "./TimeSlider.tsx";

export function VersionsDiff({ clusters, at }: { clusters: readonly string[]; at: string }) {
  const [a, setA] = useQueryParam("a", clusters[0] ?? "");
  const [b, setB] = useQueryParam("b", clusters[1] ?? clusters[0] ?? "");
  const [atA, setAtA] = useQueryParam("atA");
  const [atB, setAtB] = useQueryParam("atB");
  const pick = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}
      <select value={value} onChange={(e) => set(e.target.value)}>
        {clusters.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
    </label>
  );
  const time = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}
      <input
        type="datetime-local"
        value={value && !Number.isNaN(Date.parse(value)) ? toLocalInput(Date.parse(value)) : ""}
        onChange={(e) => set(e.target.value ? new Date(e.target.value).toISOString() : "")}
      />
    </label>
  );
  if (clusters.length === 0)
    return <EmptyState title="Nothing to compare">No cluster has versions recorded.</EmptyState>;
  return (
    <div>
      <div className="toolbar" style={{ padding: "0 0 12px", borderBottom: 0 }}>
        {pick("A", a, setA)}
        {time("at", atA || at, setAtA)}
        <span aria-hidden="true">⇄</span>
        {pick("B", b, setB)}
        {time("at", atB || at, setAtB)}
      </div>
      {a && b ? <DiffResult a={a} b={b} atA={atA || at} atB={atB || at} /> : null}
    </div>
  );
}

function DiffResult({ a, b, atA, atB }: { a: string; b: string; atA: string; atB: string }) {
  const diff = useResource(`vdiff:${a}@${atA}:${b}@${atB}`, (signal) =>
    api.versionsDiff({ a, b, atA: atA || undefined, atB: atB || undefined }, signal),
  );
  return (
    <Async resource={diff} rows={3}>
      {(d) =>
        d.services.length === 0 ? (
          <EmptyState title="Same versions">
            {d.a.cluster} at {absolute(d.a.at)} and {d.b.cluster} at {absolute(d.b.at)} run the same versions.
          </EmptyState>
        ) : (
          <TableScroll
            label="Services that differ"
            maxHeight={420}
            style={{ border: "1px solid var(--border)", borderRadius: 8 }}
          >
            <table className="data">
              <caption className="visually-hidden">Services that differ</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">
                    {d.a.cluster} <span className="muted">{absolute(d.a.at)}</span>
                  </th>
                  <th scope="col">
                    {d.b.cluster} <span className="muted">{absolute(d.b.at)}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.services.map((s) => (
                  <tr key={s.service}>
                    <th scope="row" style={{ textAlign: "left", padding: "0 12px", fontWeight: 600 }}>
                      {s.service}
                    </th>
                    <td title={s.aImages.join("\n")}>
                      {s.a ? <code>{s.a}</code> : <span className="muted">not running</span>}
                    </td>
                    <td title={s.bImages.join("\n")}>
                      {s.b ? <code>{s.b}</code> : <span className="muted">not running</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )
      }
    </Async>
  );
}
