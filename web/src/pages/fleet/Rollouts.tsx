/** Rollouts in progress across the fleet, each with its waves, soak timers and gates. */
import type { SyncView } from "../../api/types.ts";
import { Link } from "../../app/router.tsx";
import { Panel } from "../../components/Panel.tsx";
import { RolloutWaves } from "../../components/RolloutWaves.tsx";

export function Rollouts({ syncs }: { syncs: readonly SyncView[] }) {
  const active = syncs.filter((s) => s.rollout && s.rollout.phase !== "Complete");
  if (!active.length) return null;
  return (
    <Panel
      title="Rollouts in progress"
      subtitle="Wave by wave; a wave soaks and passes its SLO gate before the next starts."
      flush
    >
      <ul className="list">
        {active.slice(0, 20).map((s) => (
          <li key={`${s.namespace}/${s.name}`}>
            <div style={{ marginBottom: 6 }}>
              <Link href={`/syncs/${s.namespace}/${s.name}`}>
                <strong>
                  {s.namespace}/{s.name}
                </strong>
              </Link>{" "}
              <span className="muted">{s.path}</span>
            </div>
            {s.rollout && <RolloutWaves rollout={s.rollout} />}
          </li>
        ))}
        {active.length > 20 && <li className="muted">and {active.length - 20} more (see Syncs)</li>}
      </ul>
    </Panel>
  );
}
