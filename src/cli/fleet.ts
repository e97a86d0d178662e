/** `kaika fleet`: every cluster at a glance — reachable, version, what each Sync runs there, drift, violations. */
import type { ClusterStatus } from "../api/cluster.ts";
import type { SyncStatus } from "../api/sync.ts";
import { ClusterKind, SyncKind } from "../controllers/index.ts";
import { connect } from "./connect.ts";
import type { GlobalOptions } from "./main.ts";
import { bad, ok, print, table } from "./output.ts";

const shortRevision = (revision: string | undefined): string => {
  if (!revision) return "-";
  const at = revision.lastIndexOf(":");
  return at < 0 ? revision : `${revision.slice(0, revision.indexOf("@") + 1 || 0)}${revision.slice(at + 1, at + 8)}`;
};

/** The fleet overview: clusters (rows) × Syncs (columns), then rollouts in progress. */
export async function fleet(options: GlobalOptions): Promise<void> {
  const api = connect(options);
  try {
    const scope = options.namespace ? { namespace: options.namespace } : {};
    const clusters = (await api.list(ClusterKind, scope)).items;
    const syncs = (await api.list(SyncKind, scope)).items.filter(
      (s) => ((s.spec as { targets?: unknown[] }).targets?.length ?? 0) > 0,
    );
    const view = clusters.map((c) => {
      const s = (c.status ?? {}) as ClusterStatus;
      return {
        namespace: c.metadata.namespace ?? "",
        name: c.metadata.name ?? "",
        labels: c.metadata.labels ?? {},
        reachable: s.reachable ?? null,
        kubernetesVersion: s.kubernetesVersion ?? null,
        nodeCount: s.nodeCount ?? null,
        lastContactTime: s.lastContactTime ?? null,
        syncs: s.syncs ?? [],
      };
    });
    const rollouts = syncs.map((s) => {
      const status = (s.status ?? {}) as SyncStatus;
      return {
        sync: `${s.metadata.namespace}/${s.metadata.name}`,
        revision: status.rollout?.revision ?? null,
        phase: status.rollout?.phase ?? null,
        message: status.rollout?.message ?? null,
      };
    });
    print(options.output, { clusters: view, rollouts }, () => {
      const names = rollouts.map((r) => r.sync);
      table(
        ["cluster", "reachable", "version", "nodes", ...names.map((n) => n.split("/")[1] ?? n), "drift", "violations"],
        view.map((c) => {
          const bySync = new Map(c.syncs.map((s) => [s.sync, s]));
          return [
            c.name,
            c.reachable ? ok("True") : bad(c.reachable === false ? "False" : "Unknown"),
            c.kubernetesVersion ?? "",
            c.nodeCount === null ? "" : String(c.nodeCount),
            ...names.map((n) => {
              const s = bySync.get(n);
              if (!s) return "-";
              const word =
                s.state === "Applied" ? shortRevision(s.revision) : `${s.state} ${shortRevision(s.revision)}`;
              return s.state === "Failed" || s.state === "Unreachable" ? bad(word) : word;
            }),
            String(c.syncs.reduce((n, s) => n + (s.drift ?? 0), 0)),
            String(c.syncs.reduce((n, s) => n + (s.violations ?? 0), 0)),
          ];
        }),
      );
      if (rollouts.length > 0) {
        console.log("");
        table(
          ["sync", "revision", "rollout", "message"],
          rollouts.map((r) => [r.sync, shortRevision(r.revision ?? undefined), r.phase ?? "", r.message ?? ""]),
        );
      }
    });
  } finally {
    await api.close();
  }
}
