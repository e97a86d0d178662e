/** The actions of a Sync (reconcile, suspend/resume, rollout pause/resume/promote), each checked against whoami. */
import { useState } from "react";
import type { ApiRequestError } from "../../api/client.ts";
import { api, type SyncAction } from "../../api/endpoints.ts";
import type { SyncView } from "../../api/types.ts";
import { permission, useSession } from "../../app/session.tsx";
import { ActionButton } from "../../components/ActionButton.tsx";

const labels: Record<SyncAction, string> = {
  reconcile: "Reconcile now",
  suspend: "Suspend",
  resume: "Resume",
  "rollout/pause": "Pause rollout",
  "rollout/resume": "Resume rollout",
  "rollout/promote": "Promote",
};

export function SyncActions({ sync, onDone }: { sync: SyncView; onDone: () => void }) {
  const { data: whoami } = useSession();
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const perm = permission(whoami, sync.namespace);
  const reason = perm.allowed ? undefined : perm.reason;

  const actions: SyncAction[] = ["reconcile", sync.suspended ? "resume" : "suspend"];
  const r = sync.rollout;
  if (r && r.phase !== "Complete") {
    actions.push(r.paused ? "rollout/resume" : "rollout/pause");
    if (r.waves.some((w) => w.requirePromotion && !w.promoted) || r.phase === "WaitingForPromotion")
      actions.push("rollout/promote");
  }

  const done = (action: SyncAction) => (error: ApiRequestError | undefined) => {
    setResult(
      error
        ? { ok: false, text: `${labels[action]} refused: ${error.message}` }
        : { ok: true, text: `${labels[action]}: requested.` },
    );
    if (!error) onDone();
  };

  return (
    <div style={{ display: "flex", flexDirection: "column", alignItems: "flex-end", gap: 6 }}>
      <div className="actions" style={{ display: "flex", gap: 8, flexWrap: "wrap" }}>
        {actions.map((a) => (
          <ActionButton
            key={a}
            label={labels[a]}
            primary={a === "reconcile" || a === "rollout/promote"}
            disabledReason={reason}
            run={() =>
              perm.allowed ? api.syncAction(sync.namespace, sync.name, a, perm.csrfToken) : Promise.resolve()
            }
            onDone={done(a)}
          />
        ))}
      </div>
      {result && (
        <span role="status" className={result.ok ? "muted" : "err-text"} style={{ fontSize: 12.5 }}>
          {result.text}
        </span>
      )}
    </div>
  );
}
