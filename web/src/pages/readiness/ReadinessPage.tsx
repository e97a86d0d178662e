/** Readiness: the audit's findings by check, namespace or cluster, each with why and fix; exemptions and their expiry; scores. */
import { type ReactNode, useMemo } from "react";
import { api } from "../../api/endpoints.ts";
import type { FindingGroup, FindingView, ReadinessResponse } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { useQueryParam } from "../../app/router.tsx";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { PageHeader, Panel, Stat } from "../../components/Panel.tsx";
import { RelTime } from "../../components/RelTime.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { TableScroll } from "../../components/TableScroll.tsx";
import { type Column, VirtualTable } from "../../components/VirtualTable.tsx";
import { ScoreTrend } from "./ScoreTrend.tsx";

export function ReadinessPage() {
  const readiness = useResource("readiness", (signal) => api.readiness(signal), {
    kinds: ["ReadinessPolicy", "Cluster"],
  });
  return (
    <>
      <PageHeader title="Readiness" lead="What is unsafe for production, where, why it matters and how to fix it." />
      <Async resource={readiness} rows={10}>
        {(data) => <ReadinessView data={data} trend={<ScoreTrend />} />}
      </Async>
    </>
  );
}

function scoreTone(score: number | null): "ok" | "warn" | "err" | undefined {
  if (score === null) return undefined;
  return score >= 90 ? "ok" : score >= 70 ? "warn" : "err";
}

const groupColumns = (label: string): Column<FindingGroup>[] => [
  { id: "key", header: label, sortValue: (g) => g.key, cell: (g) => <strong>{g.key}</strong> },
  { id: "total", header: "Findings", className: "num", sortValue: (g) => g.total, cell: (g) => g.total },
  {
    id: "enforce",
    header: "Enforced",
    className: "num",
    sortValue: (g) => g.enforce,
    cell: (g) => g.enforce || <span className="muted">0</span>,
  },
  {
    id: "critical",
    header: "Critical",
    className: "num",
    sortValue: (g) => g.critical,
    cell: (g) =>
      g.critical ? <span className="badge err plain">{g.critical}</span> : <span className="muted">0</span>,
  },
  {
    id: "warning",
    header: "Warning",
    className: "num",
    sortValue: (g) => g.warning,
    cell: (g) => (g.warning ? <span className="badge warn plain">{g.warning}</span> : <span className="muted">0</span>),
  },
  {
    id: "info",
    header: "Info",
    className: "num",
    sortValue: (g) => g.info,
    cell: (g) => g.info || <span className="muted">0</span>,
  },
];

const findingColumns: Column<FindingView>[] = [
  { id: "severity", header: "Severity", sortValue: (f) => f.severity, cell: (f) => <StatusBadge state={f.severity} /> },
  { id: "mode", header: "Mode", sortValue: (f) => f.mode, cell: (f) => <span className="chip">{f.mode}</span> },
  { id: "check", header: "Check", sortValue: (f) => f.check, cell: (f) => <span title={f.title}>{f.check}</span> },
  { id: "object", header: "Object", sortValue: (f) => f.object, cell: (f) => <span title={f.field}>{f.object}</span> },
  {
    id: "cluster",
    header: "Cluster",
    sortValue: (f) => f.cluster ?? "",
    cell: (f) => f.cluster ?? <span className="muted">admin</span>,
  },
  { id: "message", header: "Finding", cell: (f) => <span title={`Why: ${f.why}\nFix: ${f.fix}`}>{f.message}</span> },
];

/** The readiness page's content for one answer (also rendered by the states gallery). */
export function ReadinessView({ data, trend }: { data: ReadinessResponse; trend?: ReactNode }) {
  const [by, setBy] = useQueryParam("by", "check");
  const [q, setQ] = useQueryParam("q");
  const [sel, setSel] = useQueryParam("finding");
  const findings = useMemo(() => {
    const s = q.trim().toLowerCase();
    if (!s) return data.findings;
    return data.findings.filter((f) =>
      `${f.check} ${f.object} ${f.namespace} ${f.cluster ?? ""} ${f.message}`.toLowerCase().includes(s),
    );
  }, [data.findings, q]);
  const selected = data.findings.find((f, i) => `${i}:${f.check}:${f.object}` === sel) ?? findings[0];
  const groups = by === "namespace" ? data.byNamespace : by === "cluster" ? data.byCluster : data.byCheck;
  const totals = data.scopes.reduce(
    (t, s) => ({
      critical: t.critical + s.critical,
      warning: t.warning + s.warning,
      info: t.info + s.info,
      objects: t.objects + s.objects,
    }),
    { critical: 0, warning: 0, info: 0, objects: 0 },
  );
  const expiring = data.exemptions.filter(
    (e) => e.expired || (e.expires && Date.parse(e.expires) - Date.now() < 7 * 86400e3),
  );

  if (!data.scopes.length && !data.findings.length)
    return (
      <div className="panel">
        <EmptyState title="No audit yet">
          {data.missing ?? "Create a ReadinessPolicy to audit live objects."}
        </EmptyState>
      </div>
    );

  return (
    <>
      {data.missing && (
        <div className="banner info" role="status">
          {data.missing}
        </div>
      )}
      <div className="stats">
        <Stat
          label="Score"
          value={data.score === null ? "—" : Math.round(data.score)}
          sub="of 100, weighted by objects"
          tone={scoreTone(data.score)}
        />
        <Stat
          label="Critical"
          value={totals.critical}
          tone={totals.critical ? "err" : "ok"}
          sub={`in ${totals.objects} objects`}
        />
        <Stat label="Warnings" value={totals.warning} tone={totals.warning ? "warn" : undefined} />
        <Stat label="Info" value={totals.info} />
        <Stat
          label="Exemptions"
          value={data.exemptions.length}
          sub={expiring.length ? `${expiring.length} expired or expiring` : "none expiring"}
          tone={expiring.length ? "warn" : undefined}
        />
      </div>
      {trend}

      <div className="grid" style={{ gridTemplateColumns: "minmax(0, 3fr) minmax(0, 2fr)" }}>
        <section className="panel" aria-labelledby="groups-title">
          <div className="panel-head">
            <h2 id="groups-title">Findings by {by}</h2>
            <fieldset className="segmented">
              <legend className="visually-hidden">Group findings by</legend>
              {(["check", "namespace", "cluster"] as const).map((k) => (
                <button key={k} type="button" aria-pressed={by === k} onClick={() => setBy(k)}>
                  {k}
                </button>
              ))}
            </fieldset>
          </div>
          {groups.length ? (
            <VirtualTable
              caption={`Findings by ${by}`}
              columns={groupColumns(by === "check" ? "Check" : by === "namespace" ? "Namespace" : "Cluster")}
              rows={groups}
              rowKey={(g) => g.key}
              sortParam="gsort"
              maxHeight={360}
            />
          ) : (
            <EmptyState title="No findings">Everything audited passes.</EmptyState>
          )}
        </section>
        <Panel title="Audited scopes" subtitle="Score per policy namespace or cluster" flush>
          <TableScroll label="Audited scopes" maxHeight={360}>
            <table className="data">
              <caption className="visually-hidden">Audited scopes and their scores</caption>
              <thead>
                <tr>
                  <th scope="col">Scope</th>
                  <th scope="col">Score</th>
                  <th scope="col" className="num">
                    Objects
                  </th>
                  <th scope="col">Audited</th>
                </tr>
              </thead>
              <tbody>
                {data.scopes.map((s) => (
                  <tr key={`${s.object}:${s.scope}`}>
                    <td title={s.object}>
                      {s.cluster ?? "admin"}{" "}
                      <span className="muted">{s.scope === "*" ? "all namespaces" : s.scope}</span>
                    </td>
                    <td>
                      <div style={{ display: "flex", alignItems: "center", gap: 8 }}>
                        <div className={`meter ${scoreTone(s.score) ?? ""}`} style={{ width: 90 }} aria-hidden="true">
                          <span style={{ width: `${Math.max(0, Math.min(100, s.score))}%` }} />
                        </div>
                        {Math.round(s.score)}
                      </div>
                    </td>
                    <td className="num">{s.objects}</td>
                    <td>
                      <RelTime iso={s.lastAuditTime} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </Panel>
      </div>

      <section className="panel" aria-labelledby="findings-title" style={{ marginTop: 16 }}>
        <div className="panel-head">
          <div>
            <h2 id="findings-title">Findings</h2>
            <p>Select one for why it matters and how to fix it.</p>
          </div>
        </div>
        <search className="toolbar">
          <input
            type="search"
            aria-label="Search findings"
            placeholder="Search check, object, namespace…"
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
          <span className="spacer" />
          <span className="count">
            {findings.length} of {data.findings.length} listed
          </span>
        </search>
        <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr) 340px" }}>
          {findings.length ? (
            <VirtualTable
              caption="Findings"
              columns={findingColumns}
              rows={findings}
              rowKey={(f) => `${data.findings.indexOf(f)}:${f.check}:${f.object}`}
              onRowClick={(f) => setSel(`${data.findings.indexOf(f)}:${f.check}:${f.object}`)}
              sortParam="fsort"
              maxHeight={440}
            />
          ) : (
            <EmptyState title="No finding matches" />
          )}
          <aside aria-label="Why and fix" style={{ borderLeft: "1px solid var(--border)", padding: "14px 16px" }}>
            {selected ? (
              <>
                <h3 style={{ marginBottom: 4 }}>{selected.title}</h3>
                <p className="muted" style={{ margin: "0 0 10px", fontSize: 12.5 }}>
                  <code>{selected.check}</code> · {selected.object}
                  {selected.field && <> · {selected.field}</>}
                </p>
                <p style={{ margin: "0 0 10px" }}>{selected.message}</p>
                <h3>Why</h3>
                <p style={{ margin: "4px 0 10px" }}>{selected.why}</p>
                <h3>Fix</h3>
                <p style={{ margin: "4px 0 0" }}>{selected.fix}</p>
              </>
            ) : (
              <p className="muted">No finding selected.</p>
            )}
          </aside>
        </div>
      </section>

      <Panel title="Exemptions" subtitle="Granted by ReadinessPolicies; an expired exemption no longer applies" flush>
        {data.exemptions.length ? (
          <TableScroll label="Exemptions" maxHeight={320}>
            <table className="data">
              <caption className="visually-hidden">Exemptions</caption>
              <thead>
                <tr>
                  <th scope="col">Check</th>
                  <th scope="col">Object</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Policy</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {data.exemptions.map((e) => (
                  <tr key={`${e.policy}:${e.check}:${e.object}`}>
                    <td>
                      <code>{e.check}</code>
                    </td>
                    <td>{e.object}</td>
                    <td title={e.reason}>{e.reason}</td>
                    <td>{e.policy}</td>
                    <td>
                      {e.expired ? (
                        <StatusBadge state="Expired" tone="err" />
                      ) : e.expires ? (
                        <RelTime iso={e.expires} />
                      ) : (
                        <span className="muted">never</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        ) : (
          <EmptyState title="No exemptions" />
        )}
      </Panel>
    </>
  );
}
