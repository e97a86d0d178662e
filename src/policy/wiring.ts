/** Wiring checks: selectors, ports and references that point at nothing in the input; Ingress TLS and pod isolation. */

import type { KubeObject } from "../kube/types.ts";
import { lookup } from "./lookup.ts";
import {
  type ContainerRef,
  containersOf,
  type Fields,
  labelsOf,
  mapSelects,
  num,
  podKinds,
  podLabelsOf,
  podSpecOf,
  rec,
  recs,
  selects,
  servingKinds,
  templated,
  templatePathOf,
  text,
} from "./objects.ts";
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

/** A Service port's target: targetPort (a string is a port name), else the port itself, with its field. */
function targetOf(port: Fields, path: string): { target: string | number; field: string } | undefined {
  const set = port.targetPort;
  const target = typeof set === "string" && set !== "" ? set : num(set) || undefined;
  if (target !== undefined) return { target, field: `${path}.targetPort` };
  const own = num(port.port);
  return own === undefined ? undefined : { target: own, field: `${path}.port` };
}

/** The containers whose ports a Service can reach: regular ones and sidecars (init containers that keep running). */
const servingContainers = (o: KubeObject, context: CheckContext): ContainerRef[] =>
  containersOf(o, context, true).filter((c) => !c.init || text(c.container.restartPolicy) === "Always");

/** "Deployment web", "Deployment web and Rollout canary", "… and 3 more": the objects a message names. */
function named(objects: readonly KubeObject[]): string {
  const names = [...new Set(objects.map((o) => `${o.kind} ${o.metadata.name ?? ""}`))];
  const shown = names.slice(0, 2).join(" and ");
  return names.length > 2 ? `${shown} and ${names.length - 2} more` : shown;
}

/**
 * Why a Service port's target reaches none of the selected pods' containers, if it does not. A name must be
 * declared (with the port's protocol), or the port has no endpoints. A number is reported only when every
 * container declares its ports and none declares it: a container that declares none may listen anywhere.
 */
function targetProblem(
  target: string | number,
  protocol: string,
  containers: readonly ContainerRef[],
  who: string,
): string | undefined {
  const ports = containers.flatMap((c) => recs(c.container.ports));
  if (typeof target === "string") {
    if (/^\d+$/.test(target))
      return `targetPort "${target}" is quoted: the API server takes it for a port name and rejects it`;
    const found = ports.some((p) => text(p.name) === target && (text(p.protocol) || "TCP") === protocol);
    const over = protocol === "TCP" ? "" : ` (${protocol})`;
    return found
      ? undefined
      : `no container of ${who} declares a port named ${target}${over}: the port has no endpoints`;
  }
  if (containers.some((c) => recs(c.container.ports).length === 0)) return undefined;
  if (ports.some((p) => num(p.containerPort) === target)) return undefined;
  const declared = [...new Set(ports.flatMap((p) => num(p.containerPort) ?? []))].join(", ");
  return `the containers of ${who} declare ${declared}, not ${target}`;
}

/** Whether a NetworkPolicy restricts ingress to the pods it selects (policyTypes defaults to Ingress). */
const isolatesIngress = (policy: KubeObject): boolean => {
  const types = rec(policy.spec).policyTypes;
  return Array.isArray(types) ? types.includes("Ingress") : true;
};

const nonEmpty = (value: string): boolean => value.trim() !== "";

/**
 * Ingress annotations that show TLS terminated without spec.tls: at a load balancer in front of the
 * controller (ingress-nginx's force-ssl-redirect is meant for that), by the cloud's load balancer
 * (AWS, GKE, Azure), or by Traefik's router.
 */
const tlsElsewhere: Readonly<Record<string, (value: string) => boolean>> = {
  "nginx.ingress.kubernetes.io/force-ssl-redirect": (v) => v === "true",
  "alb.ingress.kubernetes.io/certificate-arn": nonEmpty,
  "alb.ingress.kubernetes.io/listen-ports": (v) => v.includes("HTTPS"),
  "ingress.gcp.kubernetes.io/pre-shared-cert": nonEmpty,
  "networking.gke.io/managed-certificates": nonEmpty,
  "appgw.ingress.kubernetes.io/appgw-ssl-certificate": nonEmpty,
  "traefik.ingress.kubernetes.io/router.tls": (v) => v === "true",
  "traefik.ingress.kubernetes.io/router.tls.certresolver": nonEmpty,
};

/** cert-manager's temporary Ingress for an HTTP-01 challenge: plain HTTP by design. */
const acmeSolver = "acme.cert-manager.io/http01-solver";

/** The wiring checks; cross-object over the whole input. */
export const wiringChecks: readonly Check[] = [
  {
    id: "wiring.service-selector",
    scope: "set",
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
    scope: "set",
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
    scope: "set",
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
  {
    id: "wiring.service-target-port",
    scope: "set",
    severity: "warning",
    title: "Service targetPort is not a port of the selected pods",
    why: "A named targetPort no container declares leaves the port without endpoints; an undeclared number is usually a stale port.",
    fix: "Set targetPort to a port name or containerPort that the selected pods' containers declare.",
    kinds: ["Service"],
    run: (s, context) => {
      const spec = rec(s.spec);
      const selector = labelsOf(spec.selector);
      if (text(spec.type) === "ExternalName" || Object.keys(selector).length === 0) return [];
      // Pods the input selects but whose spec it does not hold (the audit keeps live Pods' labels only) say nothing.
      const selected = lookup(context)
        .workloadsFor(s.metadata.namespace ?? "", selector)
        .filter((w) => mapSelects(selector, w.labels))
        .map((w) => ({ object: w.object, containers: servingContainers(w.object, context) }))
        .filter((w) => w.containers.length > 0);
      // Selecting none is wiring.service-selector's finding.
      if (selected.length === 0) return [];
      const containers = selected.flatMap((w) => w.containers);
      const who = named(selected.map((w) => w.object));
      return recs(spec.ports).flatMap((port, i): Violation[] => {
        const label = text(port.name) || String(i);
        const target = targetOf(port, `spec.ports[${label}]`);
        const problem = target && targetProblem(target.target, text(port.protocol) || "TCP", containers, who);
        return target && problem
          ? [{ field: target.field, message: `Service ${s.metadata.name ?? ""} port ${label}: ${problem}` }]
          : [];
      });
    },
  },
  {
    id: "wiring.service-account-missing",
    scope: "set",
    severity: "info",
    title: "ServiceAccount is not in the input",
    why: "If nothing else creates it, the API server refuses the pods (serviceaccount not found) and none ever starts.",
    fix: "Add the ServiceAccount to the sources in the workload's namespace, or correct serviceAccountName.",
    kinds: podKinds,
    run: (o, context) => {
      const pod = podSpecOf(o, context);
      if (!pod) return [];
      // The deprecated serviceAccount counts when serviceAccountName is unset: the API server copies it over.
      const key = text(pod.spec.serviceAccountName) ? "serviceAccountName" : "serviceAccount";
      const name = text(pod.spec[key]);
      const namespace = o.metadata.namespace ?? "";
      if (!name || name === "default" || lookup(context).names("ServiceAccount", namespace).has(name)) return [];
      return [
        {
          field: `${pod.path}.${key}`,
          message: `${o.kind} ${o.metadata.name ?? ""} runs as ServiceAccount ${namespace ? `${namespace}/` : ""}${name}, not in the input`,
        },
      ];
    },
  },
  {
    id: "wiring.ingress-tls-missing",
    severity: "warning",
    title: "Ingress has no TLS",
    why: "Requests, cookies and credentials cross the network in clear text.",
    fix: "Add spec.tls with the hosts and a certificate Secret (cert-manager can issue it).",
    kinds: ["Ingress"],
    run: (ingress) => {
      const tls = rec(ingress.spec).tls;
      if (Array.isArray(tls) && tls.length > 0) return [];
      const { annotations = {}, labels = {} } = ingress.metadata;
      if (labels[acmeSolver] === "true") return [];
      if (Object.entries(tlsElsewhere).some(([k, terminates]) => terminates(text(annotations[k])))) return [];
      const hosts = [...new Set(recs(rec(ingress.spec).rules).flatMap((r) => text(r.host) || []))];
      const served =
        hosts.length === 0
          ? "every host"
          : hosts.length > 2
            ? `${hosts[0]} and ${hosts.length - 1} more`
            : hosts.join(" and ");
      return [
        {
          field: "spec.tls",
          message: `Ingress ${ingress.metadata.name ?? ""} has no spec.tls: ${served} over plain HTTP`,
        },
      ];
    },
  },
  {
    id: "wiring.networkpolicy-missing",
    scope: "set",
    severity: "info",
    title: "No NetworkPolicy isolates the pods",
    why: "The namespace uses NetworkPolicies, but none restricts ingress to these pods: any pod in the cluster can connect.",
    fix: "Add a NetworkPolicy whose podSelector matches the pods' labels, or a default-deny policy (podSelector: {}).",
    kinds: servingKinds,
    run: (o, context) => {
      const namespace = o.metadata.namespace ?? "";
      const index = lookup(context);
      // No NetworkPolicy in the namespace: the choice is the namespace's (or the platform's), not this workload's.
      if (index.of("NetworkPolicy", namespace).length === 0 || index.otherNetworkPolicies(namespace)) return [];
      const pod = podSpecOf(o, context);
      // NetworkPolicies do not apply to pods on the host's network.
      if (!pod || pod.spec.hostNetwork === true) return [];
      const labels = podLabelsOf(o, context) ?? {};
      const isolated = index
        .networkPoliciesFor(namespace, labels)
        .some((p) => isolatesIngress(p) && selects(rec(p.spec).podSelector, labels));
      if (isolated) return [];
      const template = templatePathOf(o, context);
      return [
        {
          field: template ? `${template}.metadata.labels` : "metadata.labels",
          message: `${o.kind} ${o.metadata.name ?? ""}: no NetworkPolicy of ${namespace ? `namespace ${namespace}` : "its namespace"} in the input restricts ingress to its pods ${JSON.stringify(labels)}`,
        },
      ];
    },
  },
];
