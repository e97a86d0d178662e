/** `kaika get sources|syncs` and `kaika reconcile source|sync NAME`. */
import { GitSourceKind, SyncKind } from "../controllers/index.ts";
import { requestReconcile } from "../controllers/requests.ts";
import type { GroupVersionKind, KubeObject } from "../kube/types.ts";
import { connect } from "./connect.ts";
import type { GlobalOptions } from "./main.ts";
import { bad, ok, print, table, UsageError } from "./output.ts";

type Status = {
  conditions?: { type: string; status: string; message: string }[];
  artifact?: { revision?: string; digest?: string };
  lastAppliedRevision?: string;
  lastHandledReconcileAt?: string;
  summary?: { created: number; configured: number; unchanged: number; pruned: number; failed: number };
};

const kinds: Record<string, GroupVersionKind> = {
  source: GitSourceKind,
  sources: GitSourceKind,
  gitsource: GitSourceKind,
  gitsources: GitSourceKind,
  sync: SyncKind,
  syncs: SyncKind,
};

function kindOf(word: string): GroupVersionKind {
  const kind = kinds[word];
  if (!kind) throw new UsageError(`unknown kind "${word}": use sources or syncs`);
  return kind;
}

const statusOf = (o: KubeObject): Status => (o.status as Status | undefined) ?? {};
const readyOf = (o: KubeObject) => statusOf(o).conditions?.find((c) => c.type === "Ready");

/** Lists GitSources or Syncs (all namespaces unless -n). */
export async function get(options: GlobalOptions, what: string): Promise<void> {
  const kind = kindOf(what);
  const api = connect(options);
  try {
    const { items } = await api.list(kind, options.namespace ? { namespace: options.namespace } : {});
    print(options.output, { apiVersion: "v1", kind: "List", items }, () => {
      const wide = options.output === "wide";
      const readyCell = (o: KubeObject): string => {
        const r = readyOf(o);
        return r?.status === "True" ? ok("True") : bad(r?.status ?? "Unknown");
      };
      const message = (o: KubeObject): string => readyOf(o)?.message ?? "";
      if (kind === GitSourceKind) {
        table(
          ["namespace", "name", "url", "revision", "ready", ...(wide ? ["digest"] : []), "status"],
          items.map((o) => [
            o.metadata.namespace ?? "",
            o.metadata.name ?? "",
            String((o.spec as { url?: string }).url ?? ""),
            statusOf(o).artifact?.revision ?? "",
            readyCell(o),
            ...(wide ? [statusOf(o).artifact?.digest ?? ""] : []),
            message(o),
          ]),
        );
      } else {
        table(
          ["namespace", "name", "source", "path", "revision", "ready", ...(wide ? ["applied"] : []), "status"],
          items.map((o) => {
            const spec = o.spec as { sourceRef?: { name?: string }; path?: string };
            const s = statusOf(o).summary;
            return [
              o.metadata.namespace ?? "",
              o.metadata.name ?? "",
              spec.sourceRef?.name ?? "",
              spec.path ?? ".",
              statusOf(o).lastAppliedRevision ?? "",
              readyCell(o),
              ...(wide ? [s ? `${s.created}+ ${s.configured}~ ${s.pruned}- ${s.failed}!` : ""] : []),
              message(o),
            ];
          }),
        );
      }
    });
  } finally {
    await api.close();
  }
}

/** Requests a reconcile now and waits (up to `timeoutSeconds`) until it has been handled; exit 1 if not Ready. */
export async function reconcile(
  options: GlobalOptions,
  what: string,
  name: string,
  timeoutSeconds: number,
): Promise<void> {
  const kind = kindOf(what);
  const namespace = options.namespace ?? "kaika-system";
  const api = connect(options);
  try {
    const requested = await requestReconcile(api, kind, namespace, name);
    console.error(`reconcile requested for ${kind.kind} ${namespace}/${name}`);
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const object = await api.get(kind, name, namespace);
      if (statusOf(object).lastHandledReconcileAt === requested) {
        const ready = readyOf(object);
        const line = `${kind.kind} ${namespace}/${name}: ${ready?.message ?? "no Ready condition"}`;
        console.log(ready?.status === "True" ? ok(line) : bad(line));
        if (ready?.status !== "True") process.exitCode = 1;
        return;
      }
      if (Date.now() > deadline) throw new Error(`not reconciled within ${timeoutSeconds} s (is 'kaika run' running?)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await api.close();
  }
}
