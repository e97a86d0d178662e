/**
 * Graceful shutdown checks: a grace period longer than preStop, a preStop on pods behind a Service, and a
 * readinessProbe that can fail between SIGTERM and the kill.
 */

import type { KubeObject } from "../kube/types.ts";
import { lookup } from "./lookup.ts";
import {
  eachContainer,
  type Fields,
  labelsOf,
  mapSelects,
  num,
  podKinds,
  podLabelsOf,
  podSpecOf,
  rec,
  servingKinds,
  templated,
  text,
} from "./objects.ts";
import type { Check, CheckContext } from "./types.ts";

/** Seconds a preStop hook sleeps: the `sleep` action, or `sleep N` in an exec command; 0 when none. */
export function preStopSeconds(container: Fields): number {
  const preStop = rec(rec(container.lifecycle).preStop);
  const action = num(rec(preStop.sleep).seconds);
  if (action !== undefined) return action;
  const command = rec(preStop.exec).command;
  const line = Array.isArray(command) ? command.map(text).join(" ") : "";
  const match = /(?:^|[\s;&/])sleep\s+(\d+(?:\.\d+)?)/.exec(line);
  return match ? Number(match[1]) : 0;
}

/** Seconds the kubelet still needs after preStop to stop the process with SIGTERM. */
const stopMargin = 5;

/** Kubernetes' probe defaults. */
const defaultPeriod = 10;
const defaultFailureThreshold = 3;
const defaultGrace = 30;

/** Whether a Service in the input routes to the workload's pods. */
function behindService(object: KubeObject, context: CheckContext): boolean {
  const labels = podLabelsOf(object, context) ?? {};
  return lookup(context)
    .servicesFor(object.metadata.namespace ?? "", labels)
    .some((s) => text(rec(s.spec).type) !== "ExternalName" && mapSelects(labelsOf(rec(s.spec).selector), labels));
}

/** The graceful shutdown checks. */
export const shutdownChecks: readonly Check[] = [
  {
    id: "shutdown.grace-shorter-than-prestop",
    severity: "warning",
    title: "terminationGracePeriodSeconds is shorter than preStop",
    why: "The kubelet kills the container before preStop ends, so in-flight requests are cut off.",
    fix: `Set terminationGracePeriodSeconds to at least the preStop sleep plus ${stopMargin} seconds.`,
    kinds: podKinds,
    run: (o, context) => {
      const pod = podSpecOf(o, context);
      if (!pod) return [];
      const grace = num(pod.spec.terminationGracePeriodSeconds) ?? defaultGrace;
      return eachContainer(o, context, (c) => {
        const sleep = preStopSeconds(c.container);
        return sleep > 0 && grace < sleep + stopMargin
          ? {
              field: `${pod.path}.terminationGracePeriodSeconds`,
              message: `grace period ${grace}s is under container ${c.name}'s preStop ${sleep}s + ${stopMargin}s`,
            }
          : undefined;
      });
    },
  },
  {
    id: "shutdown.prestop-missing",
    scope: "set",
    severity: "warning",
    title: "Container behind a Service has no preStop hook",
    why: "Pods stop before endpoints and load balancers stop routing to them: clients may see 5xx during rollout.",
    fix: "Add lifecycle.preStop (sleep: {seconds: 5}) so the pod keeps serving while it is removed from endpoints.",
    kinds: ["Deployment", templated.rollout],
    run: (o, context) => {
      if (!behindService(o, context)) return [];
      return eachContainer(o, context, (c) =>
        Object.keys(rec(rec(c.container.lifecycle).preStop)).length > 0
          ? undefined
          : {
              field: `${c.path}.lifecycle.preStop`,
              message: `container ${c.name} has no preStop: clients may see 5xx during rollout`,
            },
      );
    },
  },
  {
    id: "shutdown.readiness-unaffected",
    scope: "set",
    severity: "info",
    title: "readinessProbe cannot fail before the container is killed",
    why: "The endpoint stays serving until readiness fails: kube-proxy (with no ready endpoint left) and health-checking load balancers keep sending requests to a pod that stopped accepting them.",
    fix: "Keep readiness periodSeconds × failureThreshold under terminationGracePeriodSeconds minus the preStop sleep (e.g. periodSeconds: 5, failureThreshold: 2).",
    kinds: servingKinds,
    run: (o, context) => {
      const pod = podSpecOf(o, context);
      if (!pod || !behindService(o, context)) return [];
      const grace = num(pod.spec.terminationGracePeriodSeconds) ?? defaultGrace;
      return eachContainer(o, context, (c) => {
        const probe = c.container.readinessProbe;
        if (typeof probe !== "object" || probe === null) return undefined;
        const sleep = preStopSeconds(c.container);
        // A grace period shorter than preStop is shutdown.grace-shorter-than-prestop's finding.
        if (grace < sleep + stopMargin) return undefined;
        const period = num(rec(probe).periodSeconds) ?? defaultPeriod;
        const threshold = num(rec(probe).failureThreshold) ?? defaultFailureThreshold;
        const afterTerm = grace - sleep;
        return period * threshold > afterTerm
          ? {
              field: `${c.path}.readinessProbe`,
              message: `container ${c.name}: readiness takes up to ${period * threshold}s to fail (${period}s × ${threshold}), it is killed ${afterTerm}s after SIGTERM (grace ${grace}s${sleep > 0 ? ` − preStop ${sleep}s` : ""})`,
            }
          : undefined;
      });
    },
  },
];
