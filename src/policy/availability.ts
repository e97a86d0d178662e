/** Availability checks: replicas, PodDisruptionBudgets, autoscalers, spreading and rollout budget. */

import type { KubeObject } from "../kube/types.ts";
import { num, podLabelsOf, podSpecOf, rec, recs, replicasOf, sameNamespace, selects, text } from "./objects.ts";
import type { Check } from "./types.ts";

const replicated = ["Deployment", "StatefulSet"];

/** The HorizontalPodAutoscalers in the input whose scaleTargetRef names the object. */
export function autoscalersOf(object: KubeObject, objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((h) => {
    const ref = rec(rec(h.spec).scaleTargetRef);
    return (
      h.kind === "HorizontalPodAutoscaler" &&
      sameNamespace(h, object) &&
      text(ref.kind) === object.kind &&
      text(ref.name) === object.metadata.name
    );
  });
}

const minReplicasOf = (hpa: KubeObject): number => num(rec(hpa.spec).minReplicas) ?? 1;

/** The least number of replicas the workload runs: its autoscaler's minReplicas when one targets it, else spec.replicas. */
export function effectiveReplicas(object: KubeObject, objects: readonly KubeObject[]): number {
  const hpas = autoscalersOf(object, objects);
  return hpas.length > 0 ? Math.max(...hpas.map(minReplicasOf)) : replicasOf(object);
}

/** The PodDisruptionBudgets in the input that select the workload's pods (a missing selector selects none). */
export function budgetsOf(object: KubeObject, objects: readonly KubeObject[]): KubeObject[] {
  const labels = podLabelsOf(object) ?? {};
  return objects.filter((p) => {
    const selector = rec(p.spec).selector;
    return (
      p.kind === "PodDisruptionBudget" &&
      sameNamespace(p, object) &&
      selector !== undefined &&
      selects(selector, labels)
    );
  });
}

/** "25%" → 25; a number → undefined. */
const percent = (value: unknown): number | undefined => {
  const match = /^(\d+)%$/.exec(text(value));
  return match ? Number(match[1]) : undefined;
};

/** The availability checks; cross-object over HPAs and PDBs of the input. */
export const availabilityChecks: readonly Check[] = [
  {
    id: "availability.single-replica",
    severity: "warning",
    title: "Workload runs a single replica",
    why: "Every node drain, rollout or crash takes the workload down.",
    fix: "Set spec.replicas to 2 or more, or target it with an HPA whose minReplicas is 2 or more.",
    kinds: replicated,
    run: (o, { objects }) => {
      const replicas = effectiveReplicas(o, objects);
      return replicas < 2 ? [{ field: "spec.replicas", message: `${o.kind} runs ${replicas} replica` }] : [];
    },
  },
  {
    id: "availability.pdb-missing",
    severity: "warning",
    title: "No PodDisruptionBudget selects the workload",
    why: "A node drain may evict all replicas at once.",
    fix: "Add a PodDisruptionBudget with maxUnavailable: 1 selecting the pod template's labels.",
    kinds: replicated,
    run: (o, { objects }) =>
      effectiveReplicas(o, objects) >= 2 && budgetsOf(o, objects).length === 0
        ? [
            {
              field: "spec.template.metadata.labels",
              message: "no PodDisruptionBudget in the input selects these pods",
            },
          ]
        : [],
  },
  {
    id: "availability.pdb-blocks-drain",
    severity: "warning",
    title: "PodDisruptionBudget blocks node drains",
    why: "Eviction never succeeds, so node upgrades and autoscaler scale-downs hang until someone deletes the budget.",
    fix: "Allow at least one disruption: maxUnavailable: 1, or minAvailable below the replica count.",
    kinds: ["PodDisruptionBudget"],
    run: (pdb, { objects }) => {
      const spec = rec(pdb.spec);
      if (spec.maxUnavailable !== undefined) {
        return spec.maxUnavailable === 0 || percent(spec.maxUnavailable) === 0
          ? [{ field: "spec.maxUnavailable", message: "maxUnavailable 0 allows no eviction" }]
          : [];
      }
      if (percent(spec.minAvailable) === 100) {
        return [{ field: "spec.minAvailable", message: "minAvailable 100% allows no eviction" }];
      }
      const min = num(spec.minAvailable);
      if (min === undefined) return [];
      const blocked = objects.filter(
        (w) => replicated.includes(w.kind) && budgetsOf(w, [pdb]).length > 0 && min >= effectiveReplicas(w, objects),
      );
      return blocked.map((w) => ({
        field: "spec.minAvailable",
        message: `minAvailable ${min} ≥ ${effectiveReplicas(w, objects)} replicas of ${w.kind} ${w.metadata.name ?? ""}`,
      }));
    },
  },
  {
    id: "availability.hpa-min-replicas",
    severity: "warning",
    title: "HPA may scale down to one replica",
    why: "At low load the autoscaler leaves a single pod, so a drain or crash takes the workload down.",
    fix: "Set spec.minReplicas to 2 or more.",
    kinds: ["HorizontalPodAutoscaler"],
    run: (hpa) =>
      minReplicasOf(hpa) < 2 ? [{ field: "spec.minReplicas", message: `minReplicas is ${minReplicasOf(hpa)}` }] : [],
  },
  {
    id: "availability.hpa-target-missing",
    severity: "warning",
    title: "HPA targets an object not in the input",
    why: "The autoscaler scales nothing: the name or kind is probably a typo.",
    fix: "Point spec.scaleTargetRef at a workload defined beside the HPA.",
    kinds: ["HorizontalPodAutoscaler"],
    run: (hpa, { objects }) => {
      const ref = rec(rec(hpa.spec).scaleTargetRef);
      const found = objects.some((w) => autoscalersOf(w, [hpa]).length > 0);
      return found
        ? []
        : [{ field: "spec.scaleTargetRef", message: `${text(ref.kind)} ${text(ref.name)} is not in the input` }];
    },
  },
  {
    id: "availability.replicas-with-hpa",
    severity: "warning",
    title: "spec.replicas is set on an autoscaled workload",
    why: "Each apply resets the replica count the HPA chose, scaling the workload down under load.",
    fix: "Remove spec.replicas and let the HPA own it.",
    kinds: replicated,
    run: (o, { objects }) =>
      rec(o.spec).replicas !== undefined && autoscalersOf(o, objects).length > 0
        ? [{ field: "spec.replicas", message: "spec.replicas is set while an HPA targets this workload" }]
        : [],
  },
  {
    id: "availability.spread-missing",
    severity: "warning",
    title: "Replicas are not spread across nodes or zones",
    why: "The scheduler may put every replica on one node, which a single failure takes down.",
    fix: "Add topologySpreadConstraints (or a preferred podAntiAffinity) on the hostname or zone.",
    kinds: replicated,
    run: (o, { objects }) => {
      const pod = podSpecOf(o);
      if (!pod || effectiveReplicas(o, objects) < 2) return [];
      const spread = recs(pod.spec.topologySpreadConstraints).length > 0;
      const anti = rec(pod.spec.affinity).podAntiAffinity !== undefined;
      return spread || anti
        ? []
        : [
            {
              field: `${pod.path}.topologySpreadConstraints`,
              message: "no topologySpreadConstraints or podAntiAffinity",
            },
          ];
    },
  },
  {
    id: "availability.rollout-max-unavailable",
    severity: "warning",
    title: "Rolling update may stop every replica",
    why: "With maxUnavailable equal to the replica count, a rollout can take all pods down at once.",
    fix: "Set spec.strategy.rollingUpdate.maxUnavailable to 0 or 1 (with maxSurge ≥ 1).",
    kinds: ["Deployment"],
    run: (o, { objects }) => {
      const strategy = rec(rec(o.spec).strategy);
      if (text(strategy.type || "RollingUpdate") !== "RollingUpdate") return [];
      const value = rec(strategy.rollingUpdate).maxUnavailable;
      const replicas = effectiveReplicas(o, objects);
      const all = (percent(value) ?? 0) >= 100 || (num(value) ?? 0) >= replicas;
      return value !== undefined && all
        ? [
            {
              field: "spec.strategy.rollingUpdate.maxUnavailable",
              message: `maxUnavailable ${String(value)} of ${replicas} replicas`,
            },
          ]
        : [];
    },
  },
];
