/** `kaika rollout status|pause|resume|promote SYNC`: watch and steer a Sync's wave-by-wave rollout. */
import type { SyncStatus } from "../api/sync.ts";
import { SyncKind } from "../controllers/index.ts";
import { pauseRollout, promoteRollout, resumeRollout } from "../controllers/requests.ts";
import { NotFoundError } from "../kube/errors.ts";
import type { KubeObject } from "../kube/types.ts";
import { connect } from "./connect.ts";
import type { GlobalOptions } from "./main.ts";
import { bad, ok, print, table, UsageError } from "./output.ts";

const defaultNamespace = "kaika-system";

async function withSync<T>(
  options: GlobalOptions,
  name: string,
  fn: (sync: KubeObject, api: ReturnType<typeof connect>) => Promise<T>,
): Promise<T> {
  const api = connect(options);
  const namespace = options.namespace ?? defaultNamespace;
  try {
    let sync: KubeObject;
    try {
      sync = await api.get(SyncKind, name, namespace);
    } catch (error) {
      if (error instanceof NotFoundError) throw new UsageError(`no Sync ${namespace}/${name}`);
      throw error;
    }
    if (!(sync.spec as { targets?: unknown[] }).targets?.length)
      throw new UsageError(`Sync ${namespace}/${name} has no spec.targets: it does not roll out across clusters`);
    return await fn(sync, api);
  } finally {
    await api.close();
  }
}

const short = (revision: string | undefined): string => {
  if (!revision) return "";
  const at = revision.lastIndexOf(":");
  return at < 0 ? revision : `${revision.slice(0, at + 1)}${revision.slice(at + 1, at + 13)}`;
};

/** Prints the rollout: revision, phase, each wave and each cluster. */
export async function status(options: GlobalOptions, name: string): Promise<void> {
  await withSync(options, name, async (sync) => {
    const s = (sync.status ?? {}) as SyncStatus;
    print(options.output, { rollout: s.rollout ?? null, clusters: s.clusters ?? [] }, () => {
      const r = s.rollout;
      if (!r) {
        console.log("no rollout yet");
        return;
      }
      const phase = r.phase === "Complete" ? ok(r.phase) : r.phase === "Halted" ? bad(r.phase) : r.phase;
      console.log(`Revision:  ${r.revision}`);
      if (r.previousRevision) console.log(`Previous:  ${r.previousRevision}`);
      console.log(`Phase:     ${phase}${r.message ? ` (${r.message})` : ""}`);
      if ((sync.spec as { rollout?: { paused?: boolean } }).rollout?.paused) console.log("Paused:    yes");
      console.log("");
      table(
        ["wave", "state", "clusters", "healthy since"],
        r.waves.map((w, i) => [
          `${i === r.wave ? "> " : "  "}${w.name}`,
          w.state,
          w.clusters.join(","),
          w.healthyAt ?? "",
        ]),
      );
      console.log("");
      table(
        ["cluster", "wave", "state", "revision", "message"],
        (s.clusters ?? []).map((c) => [
          c.name,
          c.wave ?? "",
          c.state === "Applied"
            ? ok(c.state)
            : c.state === "Failed" || c.state === "Unreachable"
              ? bad(c.state)
              : c.state,
          short(c.revision),
          c.message ?? "",
        ]),
      );
    });
  });
}

/** Sets spec.rollout.paused: no further cluster or wave starts. */
export async function pause(options: GlobalOptions, name: string): Promise<void> {
  await withSync(options, name, async (sync, api) => {
    await pauseRollout(api, sync.metadata.namespace ?? "", name);
    console.log(`rollout of ${name} paused`);
  });
}

/** Clears the pause and retries a halted wave. */
export async function resume(options: GlobalOptions, name: string): Promise<void> {
  await withSync(options, name, async (sync, api) => {
    await resumeRollout(api, sync.metadata.namespace ?? "", name);
    console.log(`rollout of ${name} resumed`);
  });
}

/** Skips the current wave's soak, promotion wait or gate (or its failure) and goes on to the next wave. */
export async function promote(options: GlobalOptions, name: string): Promise<void> {
  await withSync(options, name, async (sync, api) => {
    await promoteRollout(api, sync.metadata.namespace ?? "", name);
    console.log(`rollout of ${name}: current wave promoted`);
  });
}
