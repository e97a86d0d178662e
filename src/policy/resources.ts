/**
 * Resource checks: requests and limits that let the scheduler place pods and keep nodes from OOM, and the
 * ResourceQuota and LimitRange of a namespace the input creates.
 */

import type { KubeObject } from "../kube/types.ts";
import { lookup } from "./lookup.ts";
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

/**
 * A Namespace of the input whose workloads (in the input) have no object of `kind` beside them. Only a
 * Namespace the input itself creates is judged: a partial input (one app of a shared namespace) says
 * nothing about the quota others keep.
 */
function namespaceCheck(
  id: string,
  severity: Severity,
  kind: "ResourceQuota" | "LimitRange",
  why: string,
  fix: string,
): Check {
  return {
    id,
    severity,
    title: `Namespace with workloads has no ${kind}`,
    why,
    fix,
    kinds: ["Namespace"],
    run: (o, context) => {
      const namespace = o.metadata.name ?? "";
      const found = lookup(context);
      const workloads = found.workloadsFor(namespace, {});
      if (workloads.length === 0 || found.of(kind, namespace).length > 0) return [];
      const n = workloads.length;
      return [
        {
          field: "metadata.name",
          message: `namespace ${namespace} runs ${n} workload${n === 1 ? "" : "s"} and has no ${kind} in the input`,
        },
      ];
    },
  };
}

/** The resource request and limit checks, and the namespace's quota and defaults. */
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
  namespaceCheck(
    "resources.namespace-quota-missing",
    "warning",
    "ResourceQuota",
    "Nothing bounds what the namespace takes: a runaway HPA, a leak or a stuck Job starves every other team on the cluster.",
    "Add a ResourceQuota to the namespace (requests.cpu, requests.memory, limits.memory, pods).",
  ),
  namespaceCheck(
    "resources.namespace-limitrange-missing",
    "info",
    "LimitRange",
    "A container without requests or limits gets none by default: it is scheduled as free and can use a whole node.",
    "Add a LimitRange with defaultRequest and default for Containers.",
  ),
];
