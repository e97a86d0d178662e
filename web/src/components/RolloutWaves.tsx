/** A rollout's waves left to right: state, clusters, soak timer, SLO gate, promotion. */
import { useEffect, useState } from "react";
import type { RolloutView } from "../api/types.ts";
import { duration, shortRevision } from "./format.ts";
import { StatusBadge } from "./StatusBadge.tsx";

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export function RolloutWaves({ rollout }: { rollout: RolloutView }) {
  const now = useNow(1000);
  return (
    <div>
      <div className="muted" style={{ marginBottom: 8, fontSize: 12.5 }}>
        <StatusBadge state={rollout.paused ? "Paused" : rollout.phase} /> <code>{shortRevision(rollout.revision)}</code>
        {rollout.previousRevision && (
          <>
            {" "}
            from <code>{shortRevision(rollout.previousRevision)}</code>
          </>
        )}
        {rollout.message && <> · {rollout.message}</>}
      </div>
      <ol className="waves" aria-label="Waves">
        {rollout.waves.map((w, i) => {
          const soakLeft = w.soakEndsAt ? Math.max(0, (Date.parse(w.soakEndsAt) - now) / 1000) : null;
          return (
            <li key={w.name} style={{ display: "contents" }}>
              {i > 0 && (
                <span className="wave-arrow" aria-hidden="true">
                  →
                </span>
              )}
              <div className={`wave${w.current ? " current" : ""}`} aria-current={w.current ? "step" : undefined}>
                <div style={{ display: "flex", justifyContent: "space-between", gap: 6 }}>
                  <span className="name">{w.name}</span>
                  <StatusBadge state={w.state} />
                </div>
                <div className="meta" title={w.clusters.join(", ")}>
                  {w.clusters.length} cluster{w.clusters.length === 1 ? "" : "s"}
                  {w.clusters.length > 0 && w.clusters.length <= 3 && `: ${w.clusters.join(", ")}`}
                </div>
                {w.soak && (
                  <div className="meta">
                    soak {w.soak}
                    {soakLeft !== null && w.state === "Soaking" && <> · {duration(soakLeft)} left</>}
                  </div>
                )}
                {w.sloGate && (
                  <div className="meta">
                    SLO gate: burn ≤ {w.sloGate.maxBurnRate}
                    {w.sloGate.rollback ? " · rollback" : ""}
                  </div>
                )}
                {w.requirePromotion && <div className="meta">{w.promoted ? "promoted" : "waits for promotion"}</div>}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
