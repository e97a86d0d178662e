/** Sync detail: the applied commit, rollout, clusters, objects and health, failures with file:line:field, diff, history, events, actions. */
import { api } from "../../api/endpoints.ts";
import type { SyncDetailResponse } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { Link, useQueryParam } from "../../app/router.tsx";
import { Async } from "../../components/DataState.tsx";
import { shortRevision } from "../../components/format.ts";
import { PageHeader, Panel } from "../../components/Panel.tsx";
import { RelTime } from "../../components/RelTime.tsx";
import { RolloutWaves } from "../../components/RolloutWaves.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { syncState } from "../fleet/fleet-filter.ts";
import { DiffPanel } from "./DiffView.tsx";
import { SyncActions } from "./SyncActions.tsx";
import { EventsList, FailuresList, HistoryTable, ObjectsTable, SyncClusters } from "./SyncSections.tsx";

export function SyncPage({ namespace, name }: { namespace: string; name: string }) {
  const [cluster] = useQueryParam("cluster");
  const detail = useResource(
    `sync:${namespace}/${name}:${cluster}`,
    (signal) => api.sync(namespace, name, cluster || undefined, signal),
    {
      kinds: ["Sync", "GitSource", "Cluster"],
    },
  );
  return (
    <Async resource={detail} rows={10}>
      {(d) => <SyncDetail d={d} reload={detail.reload} />}
    </Async>
  );
}

function ClusterPicker({ names, current }: { names: readonly string[]; current: string | null }) {
  const [, setCluster] = useQueryParam("cluster");
  return (
    <label className="muted" style={{ display: "inline-flex", gap: 6, alignItems: "center", fontSize: 12.5 }}>
      Cluster
      <select value={current ?? ""} onChange={(e) => setCluster(e.target.value)}>
        {names.map((n) => (
          <option key={n}>{n}</option>
        ))}
      </select>
    </label>
  );
}

function where(file: string | null, line: number | null, field: string | null): string | null {
  if (!file) return null;
  return `${file}${line ? `:${line}` : ""}${field ? ` (${field})` : ""}`;
}

/** The detail view for one answer (also rendered by the states gallery). */
export function SyncDetail({ d, reload }: { d: SyncDetailResponse; reload: () => void }) {
  const s = d.sync;
  return (
    <>
      <PageHeader
        title={
          <>
            <span className="muted" style={{ fontWeight: 500 }}>
              {s.namespace}/
            </span>
            {s.name} <StatusBadge state={syncState(s)} />
          </>
        }
        lead={
          <>
            <code>{s.path}</code> of <span title={s.source.url ?? undefined}>{s.source.name}</span>
            {s.ready?.message && <> · {s.ready.message}</>}
          </>
        }
        actions={<SyncActions sync={s} onDone={reload} />}
      />

      <div className="grid cols-2">
        <Panel title="Applied commit">
          {d.commit ? (
            <dl className="kv">
              <dt>Revision</dt>
              <dd>
                {d.commit.link ? (
                  <a href={d.commit.link} rel="noreferrer noopener" target="_blank">
                    <code>{shortRevision(d.commit.revision)}</code>
                  </a>
                ) : (
                  <code title={d.commit.revision}>{shortRevision(d.commit.revision)}</code>
                )}
              </dd>
              <dt>Message</dt>
              <dd style={{ whiteSpace: "pre-line" }}>
                {d.commit.message ?? <span className="muted">{d.commit.missing ?? "—"}</span>}
              </dd>
              <dt>Author</dt>
              <dd>{d.commit.author ?? "—"}</dd>
              <dt>Committed</dt>
              <dd>
                <RelTime iso={d.commit.time} />
              </dd>
            </dl>
          ) : (
            <p className="muted" style={{ margin: 0 }}>
              Nothing applied yet.
            </p>
          )}
        </Panel>
        <Panel title="Settings">
          <dl className="kv">
            <dt>Renderer</dt>
            <dd>{d.spec.renderer}</dd>
            <dt>Interval</dt>
            <dd>{d.spec.interval}</dd>
            <dt>Prune · self-heal</dt>
            <dd>
              {d.spec.prune ? "prune" : "no prune"} · {d.spec.selfHeal ? "self-heal" : "no self-heal"}
            </dd>
            <dt>Policy</dt>
            <dd>{d.spec.policyMode}</dd>
            <dt>Service account</dt>
            <dd>{d.spec.serviceAccountName ?? <span className="muted">kaika's own</span>}</dd>
            <dt>Targets</dt>
            <dd>{s.fleet ? `${d.clusters.length} clusters` : "the admin cluster"}</dd>
          </dl>
        </Panel>
      </div>

      {s.rollout && (
        <Panel title="Rollout" subtitle="Waves, soak timers and SLO gates">
          <RolloutWaves rollout={s.rollout} />
        </Panel>
      )}

      {(d.failures.length > 0 || d.violations.length > 0 || d.drift.length > 0) && (
        <Panel title="Problems" subtitle="Failures of the last attempt, findings that hold the commit back, drift">
          <FailuresList
            items={[
              ...d.failures.map((f) => ({
                kind: "Failure",
                tone: "err" as const,
                title: `${f.object} · ${f.phase}`,
                message: f.message,
                where: where(f.file, f.line, f.field),
              })),
              ...d.violations.map((v) => ({
                kind: v.severity,
                tone: "warn" as const,
                title: `${v.object} · ${v.check}`,
                message: v.message,
                where: where(v.file, v.line, v.field),
              })),
              ...d.drift.map((o) => ({
                kind: "Drift",
                tone: "warn" as const,
                title: o,
                message: "differs from Git",
                where: null,
              })),
            ]}
          />
        </Panel>
      )}

      {s.fleet && (
        <Panel title="Clusters" subtitle="What this Sync runs on each targeted cluster" flush>
          <SyncClusters clusters={d.clusters} />
        </Panel>
      )}

      <Panel
        title="Objects"
        subtitle={
          d.objects.cluster
            ? `Health on ${d.objects.cluster} (${d.objects.total} in the inventory)`
            : `${d.objects.total} in the inventory`
        }
        actions={
          s.fleet && d.clusters.length > 0 ? (
            <ClusterPicker names={d.clusters.map((c) => c.name)} current={d.objects.cluster} />
          ) : undefined
        }
        flush
      >
        <ObjectsTable objects={d.objects} />
      </Panel>

      <Panel title="Pending diff" subtitle="What applying the latest revision would change">
        <DiffPanel namespace={s.namespace} name={s.name} />
      </Panel>

      <div className="grid cols-2" style={{ marginTop: 16 }}>
        <Panel title="History" subtitle="From the version ledger" flush>
          <HistoryTable history={d.history} />
        </Panel>
        <Panel title="Events" flush>
          <EventsList events={d.events} />
        </Panel>
      </div>
      <p className="muted" style={{ marginTop: 16 }}>
        <Link href="/syncs">← All Syncs</Link>
      </p>
    </>
  );
}
