/** Resource checks: requests and limits that let the scheduler place pods and keep nodes from OOM. */

import type { KubeObject } from "../kube/types.ts";
import { eachContainer, podKinds, quantity, rec } from "./objects.ts";
import type { Check, CheckContext, Severity, Violation } from "./types.ts";

/** A container lacking resources.<section>.<resource>. */
function missing(section: "requests" | "limits", resource: string) {
  return (o: KubeObject, context: CheckContext): Violation[] =>
    eachContainer(o, context, (c) =>
      rec(rec(c.container.resources)[section])[resource] === undefined
        ? {
            field: `${c.path}.resources.${section}.${resource}`,
            message: `container ${c.name} has no ${resource} ${section === "requests" ? "request" : "limit"}`,
          }
        : undefined,
    );
}

function missingCheck(
  id: string,
  severity: Severity,
  section: "requests" | "limits",
  resource: string,
  why: string,
  fix: string,
): Check {
  const noun = section === "requests" ? "request" : "limit";
  return {
    id,
    severity,
    title: `Container has no ${resource} ${noun}`,
    why,
    fix,
    kinds: podKinds,
    run: missing(section, resource),
  };
}

/** The resource request and limit checks. */
export const resourceChecks: readonly Check[] = [
  missingCheck(
    "resources.cpu-request-missing",
    "warning",
    "requests",
    "cpu",
    "The scheduler places the pod as if it needed no CPU, so it is starved on a busy node.",
    "Set resources.requests.cpu to the container's usual CPU use.",
  ),
  missingCheck(
    "resources.memory-request-missing",
    "warning",
    "requests",
    "memory",
    "The pod lands on nodes without room for it and is the first evicted under memory pressure.",
    "Set resources.requests.memory to the container's usual working set.",
  ),
  missingCheck(
    "resources.memory-limit-missing",
    "warning",
    "limits",
    "memory",
    "A leak grows until the node runs out of memory and the kernel kills other pods.",
    "Set resources.limits.memory (usually equal to the request).",
  ),
  missingCheck(
    "resources.ephemeral-storage-request-missing",
    "info",
    "requests",
    "ephemeral-storage",
    "Logs and scratch files are not accounted for, so a full node disk evicts pods unpredictably.",
    "Set resources.requests.ephemeral-storage to the disk the container writes.",
  ),
  {
    id: "resources.memory-limit-below-request",
    severity: "critical",
    title: "Memory limit is lower than the request",
    why: "The API server rejects a limit below the request: the workload cannot be created.",
    fix: "Raise resources.limits.memory to at least resources.requests.memory.",
    kinds: podKinds,
    run: (o, context) =>
      eachContainer(
        o,
        context,
        (c) => {
          const { requests, limits } = rec(c.container.resources);
          const request = quantity(rec(requests).memory);
          const limit = quantity(rec(limits).memory);
          return request !== undefined && limit !== undefined && limit < request
            ? {
                field: `${c.path}.resources.limits.memory`,
                message: `container ${c.name}: memory limit ${String(rec(limits).memory)} < request ${String(rec(requests).memory)}`,
              }
            : undefined;
        },
        true,
      ),
  },
];
