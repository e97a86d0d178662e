/**
 * Probe checks: readiness and liveness present, distinct, liveness more patient than readiness, on
 * declared ports, and a startupProbe for slow starters.
 */

import { type ContainerRef, eachContainer, type Fields, num, rec, recs, servingKinds, text } from "./objects.ts";
import type { Check } from "./types.ts";

/** A mapping with its keys sorted, recursively, so equal probes serialize equally. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value as Fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
}

/** Whether two probes are the same once their keys are sorted. */
const identical = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

const probeKinds = ["livenessProbe", "readinessProbe", "startupProbe"] as const;

/** The port a probe's handler targets (httpGet, tcpSocket or grpc), if any. */
function probePort(probe: Fields): string | number | undefined {
  for (const handler of ["httpGet", "tcpSocket", "grpc"]) {
    const port = rec(probe[handler]).port;
    if (typeof port === "string" || typeof port === "number") return port;
  }
  return undefined;
}

/** How long a failing probe takes to act: failureThreshold × periodSeconds (Kubernetes defaults 3 and 10). */
function giveUpSeconds(probe: Fields): number {
  return (num(probe.failureThreshold) ?? 3) * (num(probe.periodSeconds) ?? 10);
}

function declares(c: ContainerRef, port: string | number): boolean {
  return recs(c.container.ports).some((p) =>
    typeof port === "number" || /^\d+$/.test(port) ? num(p.containerPort) === Number(port) : text(p.name) === port,
  );
}

/** The probe checks. */
export const probeChecks: readonly Check[] = [
  {
    id: "probes.readiness-missing",
    severity: "warning",
    title: "Container has no readinessProbe",
    why: "Without readiness, a Service sends traffic to pods that are still starting or overloaded.",
    fix: "Add a readinessProbe that answers only when the container can serve requests.",
    kinds: servingKinds,
    run: (o, context) =>
      eachContainer(o, context, (c) =>
        c.container.readinessProbe === undefined
          ? { field: `${c.path}.readinessProbe`, message: `container ${c.name} has no readinessProbe` }
          : undefined,
      ),
  },
  {
    id: "probes.liveness-missing",
    severity: "info",
    title: "Container has no livenessProbe",
    why: "A deadlocked process that still runs is never restarted.",
    fix: "Add a livenessProbe that checks only the process itself, never its dependencies.",
    kinds: servingKinds,
    run: (o, context) =>
      eachContainer(o, context, (c) =>
        c.container.livenessProbe === undefined
          ? { field: `${c.path}.livenessProbe`, message: `container ${c.name} has no livenessProbe` }
          : undefined,
      ),
  },
  {
    id: "probes.liveness-equals-readiness",
    severity: "warning",
    title: "livenessProbe is identical to readinessProbe",
    why: "When a dependency fails, every pod fails liveness at once and restarts, turning an outage into a crash loop.",
    fix: "Make liveness cheaper and more tolerant than readiness: another endpoint, or a higher failureThreshold.",
    kinds: servingKinds,
    run: (o, context) =>
      eachContainer(o, context, (c) => {
        const { livenessProbe, readinessProbe } = c.container;
        if (livenessProbe === undefined || readinessProbe === undefined) return undefined;
        return identical(livenessProbe, readinessProbe)
          ? { field: `${c.path}.livenessProbe`, message: `container ${c.name}: livenessProbe equals readinessProbe` }
          : undefined;
      }),
  },
  {
    id: "probes.liveness-before-readiness",
    severity: "warning",
    title: "Liveness gives up before readiness",
    why: "The kubelet restarts a struggling container before readiness has taken it out of the Service: requests in flight fail, and an overloaded pod is restarted instead of shedding load.",
    fix: "Let liveness tolerate failures longer than readiness: a higher failureThreshold or periodSeconds (e.g. readiness 3 × 5 s, liveness 6 × 10 s).",
    kinds: servingKinds,
    run: (o, context) =>
      eachContainer(o, context, (c) => {
        const { livenessProbe, readinessProbe } = c.container;
        if (livenessProbe === undefined || readinessProbe === undefined) return undefined;
        // Identical probes are probes.liveness-equals-readiness.
        if (identical(livenessProbe, readinessProbe)) return undefined;
        const live = giveUpSeconds(rec(livenessProbe));
        const ready = giveUpSeconds(rec(readinessProbe));
        return live <= ready
          ? {
              field: `${c.path}.livenessProbe`,
              message: `container ${c.name}: liveness restarts it after ${live}s of failures, readiness takes it out of the Service only after ${ready}s`,
            }
          : undefined;
      }),
  },
  {
    id: "probes.port-undeclared",
    severity: "warning",
    title: "Probe port is not declared on the container",
    why: "A named port that is not declared fails every probe; an undeclared number usually means a typo or a stale port.",
    fix: "Point the probe at a port listed in the container's ports (by name or containerPort).",
    kinds: servingKinds,
    run: (o, context) =>
      eachContainer(o, context, (c) => {
        for (const kind of probeKinds) {
          const port = probePort(rec(c.container[kind]));
          if (port !== undefined && !declares(c, port)) {
            return { field: `${c.path}.${kind}`, message: `container ${c.name}: ${kind} port ${port} is not declared` };
          }
        }
        return undefined;
      }),
  },
  {
    id: "probes.startup-missing",
    severity: "info",
    title: "Slow starter without a startupProbe",
    why: "A long liveness initialDelaySeconds delays detecting deadlocks for the pod's whole life, and guesses start time.",
    fix: "Add a startupProbe (failureThreshold × periodSeconds ≥ start time) and drop liveness initialDelaySeconds.",
    kinds: servingKinds,
    run: (o, context) =>
      eachContainer(o, context, (c) => {
        const delay = num(rec(c.container.livenessProbe).initialDelaySeconds) ?? 0;
        return delay > 60 && c.container.startupProbe === undefined
          ? {
              field: `${c.path}.livenessProbe.initialDelaySeconds`,
              message: `container ${c.name}: liveness waits ${delay}s; use a startupProbe`,
            }
          : undefined;
      }),
  },
];
