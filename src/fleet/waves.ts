/**
 * The rollout planner: which revision each targeted cluster should run now,
 * wave by wave. Pure: the Sync controller feeds it the spec, the clusters,
 * what each cluster runs and the clock, and writes back what it returns.
 *
 * A new revision starts at the first wave. A wave is done when every
 * reachable cluster in it runs the revision healthily and it stayed so for
 * its soak (then promotion and the SLO gate, when asked for). A failure in
 * the current wave halts the rollout: later waves keep the previous revision.
 * Unreachable clusters never hold a wave back; they catch up when back.
 */
import type { SyncSpec, SyncStatus } from "../api/sync.ts";
import { parseDuration } from "../controllers/durations.ts";
import { matchesLabels } from "../render/cluster-selectors.ts";

export type RolloutSpec = NonNullable<SyncSpec["rollout"]>;
export type WaveSpec = NonNullable<RolloutSpec["waves"]>[number];
export type RolloutStatus = NonNullable<SyncStatus["rollout"]>;
type WaveStatus = RolloutStatus["waves"][number];
type Selector = WaveSpec["clusterSelector"];

/** A targeted cluster: its name and labels. */
export interface FleetCluster {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** What one cluster runs for this Sync, as the workers last saw it (they update it in place). */
export interface ClusterRun {
  /** The revision applied and healthy there. */
  revision?: string | undefined;
  /** The revision being applied now. */
  applying?: string | undefined;
  /** The revision whose apply or health check failed last, and why. */
  failed?: { readonly revision: string; readonly message: string } | undefined;
  unreachable?: boolean | undefined;
}

/** A wave with its clusters: the spec's waves in order, then "rest" for clusters no wave selects. */
export interface Wave {
  readonly name: string;
  readonly clusters: readonly string[];
  readonly maxUnavailable: number;
  readonly soakMs: number;
  readonly requirePromotion: boolean;
  readonly sloGate?: WaveSpec["sloGate"];
}

/** The outcome of an SLO gate check on a soaked wave. */
export interface GateResult {
  readonly ok: boolean;
  readonly reason: string;
}

/** Checks a soaked wave's SLO burn rates before the next wave may start. */
export type SloGate = (
  sync: { readonly namespace: string; readonly name: string },
  wave: Wave,
  revision: string,
) => Promise<GateResult>;

/** Everything the planner reads. */
export interface PlanInput {
  readonly rollout: RolloutSpec | undefined;
  /** Targeted clusters, any order. */
  readonly clusters: readonly FleetCluster[];
  /** The revision to roll out (the GitSource's newest). */
  readonly revision: string;
  /** status.rollout as last written. */
  readonly previous: RolloutStatus | undefined;
  readonly runs: ReadonlyMap<string, ClusterRun>;
  readonly now: number;
  /** A `kaika rollout promote` not yet handled: skip the current wave's wait (or its failure). */
  readonly promote?: boolean | undefined;
  /** A `kaika rollout resume` not yet handled: retry a halted wave. */
  readonly retry?: boolean | undefined;
  /** SLO gate results of soaked waves, by wave name; a wave that needs one and has none waits. */
  readonly gates?: ReadonlyMap<string, GateResult> | undefined;
}

/** What the planner decided. */
export interface Plan {
  readonly rollout: RolloutStatus;
  /** The revision each cluster should run now; a cluster absent here is left as it is. */
  readonly desired: ReadonlyMap<string, string>;
  /** Wave whose soak ended and whose SLO gate must be checked before it can be left. */
  readonly gateNeeded?: Wave | undefined;
  /** When to look again for a soak to end; undefined when only cluster results move it on. */
  readonly recheckAfterMs?: number | undefined;
  /** A transition worth an Event: halt, wave done, complete. */
  readonly events: readonly { type: "Normal" | "Warning"; reason: string; message: string }[];
}

const emptySelector = (s: Selector): boolean =>
  Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;

/** True when `labels` match a Cluster selector (empty selects all). */
export function selectsCluster(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  if (emptySelector(selector)) return true;
  return matchesLabels(
    {
      matchLabels: selector.matchLabels ?? {},
      matchExpressions: (selector.matchExpressions ?? []).map((e) => ({
        key: e.key,
        operator: e.operator,
        values: e.values ?? [],
      })),
    },
    labels,
  );
}

/** Puts each cluster in the first wave that selects it; the rest make a last wave "rest". */
export function assignWaves(rollout: RolloutSpec | undefined, clusters: readonly FleetCluster[]): Wave[] {
  const sorted = [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const taken = new Set<string>();
  const waves: Wave[] = (rollout?.waves ?? []).map((spec) => {
    const members = sorted.filter((c) => !taken.has(c.name) && selectsCluster(spec.clusterSelector, c.labels));
    for (const c of members) taken.add(c.name);
    return {
      name: spec.name,
      clusters: members.map((c) => c.name),
      maxUnavailable: spec.maxUnavailable ?? Math.max(1, members.length),
      soakMs: parseDuration(spec.soak ?? "0s"),
      requirePromotion: spec.requirePromotion ?? false,
      ...(spec.sloGate ? { sloGate: spec.sloGate } : {}),
    };
  });
  const rest = sorted.filter((c) => !taken.has(c.name)).map((c) => c.name);
  if (rest.length > 0 || waves.length === 0) {
    waves.push({
      name: "rest",
      clusters: rest,
      maxUnavailable: Math.max(1, rest.length),
      soakMs: 0,
      requirePromotion: false,
    });
  }
  return waves;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Decides the rollout's next state and each cluster's revision. */
export function planRollout(input: PlanInput): Plan {
  const { revision, runs, now } = input;
  const waves = assignWaves(input.rollout, input.clusters);
  const events: { type: "Normal" | "Warning"; reason: string; message: string }[] = [];
  const desired = new Map<string, string>();
  const run = (cluster: string): ClusterRun => runs.get(cluster) ?? {};

  // A new revision restarts at the first wave; clusters not reached keep what ran before.
  let previous = input.previous;
  if (previous && previous.revision !== revision) {
    const before = previous.phase === "Complete" ? previous.revision : previous.previousRevision;
    previous = {
      revision,
      ...(before ? { previousRevision: before } : {}),
      phase: "Progressing",
      wave: 0,
      waves: [],
    };
  }
  const state: RolloutStatus = previous ?? { revision, phase: "Progressing", wave: 0, waves: [] };
  const old = new Map(state.waves.map((w) => [w.name, w]));
  const statuses: WaveStatus[] = waves.map((w) => ({
    ...(old.get(w.name) ?? { state: "Pending" }),
    name: w.name,
    clusters: [...w.clusters],
  }));
  let phase = state.phase === "Complete" ? "Progressing" : state.phase;
  let message: string | undefined;
  let index = Math.min(state.wave, waves.length - 1);
  let gateNeeded: Wave | undefined;
  let recheckAfterMs: number | undefined;
  let promote = input.promote === true;
  if (phase === "Halted" && input.retry) {
    phase = "Progressing";
    const current = statuses[index];
    if (current) statuses[index] = { ...current, state: "Progressing" };
    // A retried wave runs its SLO gate again after a fresh soak.
    if (current?.healthyAt) delete (statuses[index] as { healthyAt?: string }).healthyAt;
  }
  const paused = input.rollout?.paused === true;
  // A wave whose SLO gate failed: with rollback its clusters go back to the previous revision (and
  // stay there while the halt holds), else those on the revision keep it.
  const holdGateFailed = (wave: Wave): void => {
    const back = wave.sloGate?.rollback ? state.previousRevision : undefined;
    for (const c of wave.clusters) {
      if (back) desired.set(c, back);
      else if (run(c).revision === revision) desired.set(c, revision);
    }
  };

  // Waves before the current one are done: their clusters run the revision.
  for (let i = 0; i < index; i++) for (const c of waves[i]?.clusters ?? []) desired.set(c, revision);

  while (index < waves.length) {
    const wave = waves[index] as Wave;
    const status = statuses[index] as WaveStatus;
    const reachable = wave.clusters.filter((c) => !run(c).unreachable);
    const failed = reachable.filter((c) => run(c).failed?.revision === revision && run(c).revision !== revision);
    const healthy = reachable.every((c) => run(c).revision === revision);
    if (promote && (!healthy || phase === "Halted") && index < waves.length - 1) {
      // Promotion of a wave still rolling out or failed: its clusters keep the revision, the next wave starts.
      for (const c of wave.clusters) desired.set(c, revision);
      statuses[index] = { ...status, state: "Done", promoted: true, startedAt: status.startedAt ?? iso(now) };
      events.push({ type: "Normal", reason: "WavePromoted", message: `wave ${wave.name} promoted on ${revision}` });
      promote = false;
      phase = "Progressing";
      index++;
      continue;
    }
    if (failed.length > 0 && !promote) {
      const first = failed[0] as string;
      message = `wave ${wave.name} failed on ${failed.join(", ")}: ${run(first).failed?.message ?? ""}`;
      if (phase !== "Halted") events.push({ type: "Warning", reason: "RolloutHalted", message });
      phase = "Halted";
      statuses[index] = { ...status, state: "Failed" };
      // Clusters already at the revision keep it; the failed ones keep retrying it.
      for (const c of wave.clusters) if (run(c).revision === revision || failed.includes(c)) desired.set(c, revision);
      break;
    }
    // A halt by the SLO gate holds until a retry, a promotion or a new revision; a halt by failed
    // clusters lifts by itself once their retries succeed.
    if (phase === "Halted" && !promote && status.state === "GateFailed") {
      holdGateFailed(wave);
      break;
    }
    if (phase === "Halted") phase = "Progressing";
    const started = status.startedAt ? status : { ...status, startedAt: iso(now) };
    statuses[index] = { ...started, state: status.state === "Pending" ? "Progressing" : status.state };
    // Start clusters, at most maxUnavailable not yet healthy at once; unreachable ones wait for their return.
    const done = reachable.filter((c) => run(c).revision === revision);
    let inFlight = reachable.filter((c) => run(c).revision !== revision && run(c).applying === revision);
    for (const c of wave.clusters) {
      if (run(c).revision === revision) desired.set(c, revision);
    }
    for (const c of inFlight) desired.set(c, revision);
    if (!paused) {
      for (const c of wave.clusters) {
        if (desired.has(c) || inFlight.length >= wave.maxUnavailable) continue;
        if (run(c).unreachable) {
          desired.set(c, revision);
          continue;
        }
        desired.set(c, revision);
        inFlight = [...inFlight, c];
      }
    }
    if (done.length < reachable.length) {
      phase = paused ? "Paused" : "Progressing";
      message = `wave ${wave.name}: ${done.length}/${reachable.length} reachable clusters on ${revision}`;
      break;
    }
    // Every reachable cluster of the wave is healthy on the revision: soak, promotion, gate.
    const healthyAt = statuses[index]?.healthyAt ?? iso(now);
    const soakLeft = wave.soakMs - (now - Date.parse(healthyAt));
    const promoted = promote || statuses[index]?.promoted === true;
    statuses[index] = { ...(statuses[index] as WaveStatus), healthyAt, state: "Soaking" };
    if (promote) statuses[index] = { ...(statuses[index] as WaveStatus), promoted: true };
    promote = false;
    const last = index === waves.length - 1;
    if (!promoted && !last) {
      if (soakLeft > 0) {
        phase = "Soaking";
        message = `wave ${wave.name} healthy; soaking ${Math.ceil(soakLeft / 1000)}s more`;
        recheckAfterMs = soakLeft;
        break;
      }
      if (wave.requirePromotion) {
        phase = "WaitingForPromotion";
        message = `wave ${wave.name} soaked; waiting for kaika rollout promote`;
        break;
      }
      if (wave.sloGate) {
        const gate = input.gates?.get(wave.name);
        if (!gate) {
          gateNeeded = wave;
          phase = "Soaking";
          message = `wave ${wave.name} soaked; checking its SLO gate`;
          break;
        }
        if (!gate.ok) {
          message = `wave ${wave.name}: SLO gate failed: ${gate.reason}`;
          if (phase !== "Halted") events.push({ type: "Warning", reason: "SLOGateFailed", message });
          phase = "Halted";
          statuses[index] = { ...(statuses[index] as WaveStatus), state: "GateFailed" };
          holdGateFailed(wave);
          break;
        }
      }
    }
    if (paused && !last) {
      phase = "Paused";
      message = `paused after wave ${wave.name}`;
      break;
    }
    statuses[index] = { ...(statuses[index] as WaveStatus), state: "Done" };
    if (!last) {
      events.push({ type: "Normal", reason: "WaveDone", message: `wave ${wave.name} done on ${revision}` });
      index++;
      phase = "Progressing";
      continue;
    }
    if (state.phase !== "Complete" || input.previous?.revision !== revision) {
      events.push({ type: "Normal", reason: "RolloutComplete", message: `${revision} runs on every wave` });
    }
    phase = "Complete";
    message = `${revision} on all ${waves.reduce((n, w) => n + w.clusters.length, 0)} clusters`;
    break;
  }

  // Later waves keep what they run, or the previous revision for clusters new to this Sync.
  for (const wave of waves.slice(index + 1)) {
    for (const c of wave.clusters) {
      const keep = run(c).revision ?? state.previousRevision;
      if (keep) desired.set(c, keep);
    }
  }
  return {
    rollout: {
      revision,
      ...(state.previousRevision ? { previousRevision: state.previousRevision } : {}),
      phase,
      wave: index >= waves.length ? waves.length - 1 : index,
      ...(message ? { message } : {}),
      waves: statuses,
    },
    desired,
    ...(gateNeeded ? { gateNeeded } : {}),
    ...(recheckAfterMs !== undefined ? { recheckAfterMs } : {}),
    events,
  };
}
