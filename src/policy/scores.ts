/**
 * Readiness scores, 0 to 100, per object and for a whole input: a gradient for people and dashboards
 * beside the exit code, which is the gate. docs/checks.md (Scores) gives the formula.
 */

import type { Severity } from "./types.ts";

/** What a score needs of a finding: whose it is, how bad, and whether the policy enforces it. */
export interface Scored {
  readonly object: string;
  readonly severity: Severity;
  readonly enforced: boolean;
}

/** The scores of an input: its own and each object's, by "Kind/namespace/name", in input order. */
export interface Scores {
  readonly input: number;
  readonly objects: Readonly<Record<string, number>>;
}

/** Points a finding takes off its object's 100. */
export const severityWeights: Readonly<Record<Severity, number>> = { critical: 20, warning: 5, info: 1 };

/** An enforced finding (one that fails the lint, the sync gate or admission) takes this many times its points. */
export const enforcedFactor = 2;

/** Points one finding takes. */
export const penalty = (f: Scored): number => severityWeights[f.severity] * (f.enforced ? enforcedFactor : 1);

/**
 * Each object scores 100 minus its findings' points (critical 20, warning 5, info 1; twice that when
 * enforced), at least 0, so at most 99 with any finding. The input scores the mean of its objects' scores
 * rounded down, hence at most 99 with any finding; 100 when empty. An object named twice counts once; a finding
 * on an object not in `objects` adds it.
 */
export function score(findings: readonly Scored[], objects: readonly string[]): Scores {
  const lost = new Map<string, number>(objects.map((o) => [o, 0]));
  for (const f of findings) lost.set(f.object, (lost.get(f.object) ?? 0) + penalty(f));
  // Every finding takes at least a point, so only a clean object scores 100.
  const scores: Record<string, number> = {};
  for (const [object, points] of lost) scores[object] = Math.max(0, 100 - points);
  const values = Object.values(scores);
  // Rounded down: with any object at 99 or less the mean is under 100, so a finding never shows as 100.
  const input = values.length === 0 ? 100 : Math.floor(values.reduce((a, b) => a + b, 0) / values.length);
  return { input, objects: scores };
}
