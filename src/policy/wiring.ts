/** Wiring checks: selectors and references between objects of the input that point at nothing. */

import type { KubeObject } from "../kube/types.ts";
import { lookup } from "./lookup.ts";
import { type Fields, labelsOf, mapSelects, num, podLabelsOf, rec, recs, selects, templated, text } from "./objects.ts";
import type { Check, CheckContext, Violation } from "./types.ts";

/** The pod labels of the pod-running objects in the object's namespace that share a label with the selector. */
const podLabelsNear = (
  object: KubeObject,
  matchLabels: Readonly<Record<string, string>>,
  context: CheckContext,
): Readonly<Record<string, string>>[] =>
  lookup(context)
    .workloadsFor(object.metadata.namespace ?? "", matchLabels)
    .map((w) => w.labels);

/** Every backend of an Ingress (networking.k8s.io/v1) with its path. */
function backends(ingress: KubeObject): { service: Fields; path: string }[] {
  const spec = rec(ingress.spec);
  const out: { service: Fields; path: string }[] = [];
  const fallback = rec(rec(spec.defaultBackend).service);
  if (text(fallback.name)) out.push({ service: fallback, path: "spec.defaultBackend.service" });
  recs(spec.rules).forEach((rule, i) => {
    recs(rec(rule.http).paths).forEach((p, j) => {
      const service = rec(rec(p.backend).service);
      if (text(service.name)) out.push({ service, path: `spec.rules[${i}].http.paths[${j}].backend.service` });
    });
  });
  return out;
}

/** What is wrong with one Ingress backend, if anything. */
function backendProblem(ingress: KubeObject, service: Fields, context: CheckContext): string | undefined {
  const name = text(service.name);
  const target = lookup(context).get("Service", ingress.metadata.namespace ?? "", name);
  if (!target) return `Service ${name} is not in the input`;
  const port = rec(service.port);
  const ports = recs(rec(target.spec).ports);
  const number = num(port.number);
  const portName = text(port.name);
  if (number !== undefined && !ports.some((p) => num(p.port) === number))
    return `Service ${name} has no port ${number}`;
  if (portName && !ports.some((p) => text(p.name) === portName)) return `Service ${name} has no port named ${portName}`;
  return undefined;
}

/** The wiring checks; cross-object over the whole input. */
export const wiringChecks: readonly Check[] = [
  {
    id: "wiring.service-selector",
    severity: "warning",
    title: "Service selects no pods",
    why: "The Service has no endpoints: every request to it fails.",
    fix: "Make spec.selector match the labels of a pod template (the label keys and values must all match).",
    kinds: ["Service"],
    run: (s, context) => {
      const spec = rec(s.spec);
      const selector = labelsOf(spec.selector);
      if (text(spec.type) === "ExternalName" || Object.keys(selector).length === 0) return [];
      return podLabelsNear(s, selector, context).some((labels) => mapSelects(selector, labels))
        ? []
        : [
            {
              field: "spec.selector",
              message: `selector ${JSON.stringify(selector)} matches no pod template in the input`,
            },
          ];
    },
  },
  {
    id: "wiring.ingress-backend",
    severity: "warning",
    title: "Ingress backend Service or port is missing",
    why: "The ingress controller answers 503 for the path.",
    fix: "Point the backend at a Service in the same namespace, by one of its port numbers or names.",
    kinds: ["Ingress"],
    run: (ingress, context) =>
      backends(ingress).flatMap(({ service, path }): Violation[] => {
        const problem = backendProblem(ingress, service, context);
        return problem ? [{ field: path, message: problem }] : [];
      }),
  },
  {
    id: "wiring.networkpolicy-selector",
    severity: "info",
    title: "NetworkPolicy selects no pods",
    why: "The policy protects nothing: its labels are probably stale or misspelled (or the pods are defined elsewhere).",
    fix: "Make spec.podSelector match the labels of a pod template.",
    kinds: ["NetworkPolicy"],
    run: (policy, context) => {
      const selector = rec(rec(policy.spec).podSelector);
      if (Object.keys(labelsOf(selector.matchLabels)).length === 0 && recs(selector.matchExpressions).length === 0)
        return [];
      return podLabelsNear(policy, labelsOf(selector.matchLabels), context).some((labels) => selects(selector, labels))
        ? []
        : [{ field: "spec.podSelector", message: "podSelector matches no pod template in the input" }];
    },
  },
  {
    id: "wiring.workload-selector",
    severity: "critical",
    title: "Workload selector does not match its own template",
    why: "The API server rejects the object: spec.selector must select spec.template.metadata.labels.",
    fix: "Make spec.selector.matchLabels a subset of spec.template.metadata.labels.",
    kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", templated.selector],
    run: (o, context) => {
      const selector = rec(o.spec).selector;
      const empty = Object.keys(rec(selector)).length === 0;
      return empty || !selects(selector, podLabelsOf(o, context) ?? {})
        ? [{ field: "spec.selector", message: "spec.selector does not match spec.template.metadata.labels" }]
        : [];
    },
  },
];
