/** The pending diff of a Sync against live, per cluster and object, as coloured unified diffs (loaded on demand). */
import { useState } from "react";
import { api } from "../../api/endpoints.ts";
import type { DiffResponse } from "../../api/types.ts";
import { useResource } from "../../api/use-resource.ts";
import { Async, EmptyState } from "../../components/DataState.tsx";
import { shortRevision } from "../../components/format.ts";

function Diff({ text }: { text: string }) {
  return (
    <pre className="diff">
      {text.split("\n").map((line, i) => {
        const cls = line.startsWith("@@")
          ? "hunk"
          : line.startsWith("+") && !line.startsWith("+++")
            ? "add"
            : line.startsWith("-") && !line.startsWith("---")
              ? "del"
              : "";
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of an immutable text
          <span key={i} className={`line ${cls}`}>
            {line || " "}
          </span>
        );
      })}
    </pre>
  );
}

export function DiffTargets({ data }: { data: DiffResponse }) {
  const changed = data.targets.reduce((n, t) => n + t.objects.length, 0);
  const errors = data.targets.flatMap((t) => t.errors);
  return (
    <div>
      <p className="muted" style={{ margin: "0 0 10px" }}>
        Git at <code>{shortRevision(data.revision)}</code> against live: {changed} object{changed === 1 ? "" : "s"}{" "}
        would change.
      </p>
      {errors.length > 0 && (
        <div className="banner err" role="alert">
          The diff is incomplete: {errors.join("; ")}
        </div>
      )}
      {changed === 0 && errors.length === 0 && (
        <EmptyState title="In sync">Live matches Git on every target.</EmptyState>
      )}
      {data.targets.map((t) =>
        t.objects.map((o) => (
          <details key={`${t.cluster}/${o.ref}`} className="panel" style={{ marginBottom: 10 }} open={changed <= 5}>
            <summary style={{ padding: "10px 14px", cursor: "pointer" }}>
              <span className={`badge ${o.action === "create" ? "ok" : "info"} plain`}>{o.action}</span>{" "}
              <code>{o.ref}</code>
              {t.cluster && <span className="muted"> on {t.cluster}</span>}
            </summary>
            <Diff text={o.diff} />
          </details>
        )),
      )}
    </div>
  );
}

export function DiffPanel({ namespace, name }: { namespace: string; name: string }) {
  const [open, setOpen] = useState(false);
  return open ? (
    <LoadedDiff namespace={namespace} name={name} />
  ) : (
    <div>
      <p className="muted" style={{ marginTop: 0 }}>
        A server-side dry run of the latest revision against every target; managedFields, status and Secret values left
        out.
      </p>
      <button type="button" onClick={() => setOpen(true)}>
        Compute the diff
      </button>
    </div>
  );
}

function LoadedDiff({ namespace, name }: { namespace: string; name: string }) {
  const diff = useResource(`diff:${namespace}/${name}`, (signal) => api.syncDiff(namespace, name, signal));
  return <Async resource={diff}>{(d) => <DiffTargets data={d} />}</Async>;
}
