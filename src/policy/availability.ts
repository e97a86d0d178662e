/** Availability checks: replicas, PodDisruptionBudgets, autoscalers, spreading and rollout budget. */

import type { KubeObject } from "../kube/types.ts";
import { lookup } from "./lookup.ts";
import {
  labelsOf,
  num,
  podLabelsOf,
  podSpecOf,
  rec,
  recs,
  replicasOf,
  replicatedKinds,
  selects,
  templatePathOf,
  text,
} from "./objects.ts";
import type { Check, CheckContext } from "./types.ts";

const namespaceOf = (o: KubeObject): string => o.metadata.namespace ?? "";

/** The HorizontalPodAutoscalers in the input whose scaleTargetRef names the object (same namespace). */
export function autoscalersOf(object: KubeObject, context: CheckContext): KubeObject[] {
  return [...lookup(context).autoscalers(object.kind, namespaceOf(object), object.metadata.name ?? "")];
}

const minReplicasOf = (hpa: KubeObject): number => num(rec(hpa.spec).minReplicas) ?? 1;

/** The least number of replicas the workload runs: its autoscaler's minReplicas when one targets it, else spec.replicas. */
export function effectiveReplicas(object: KubeObject, context: CheckContext): number {
  const hpas = autoscalersOf(object, context);
  return hpas.length > 0 ? Math.max(...hpas.map(minReplicasOf)) : replicasOf(object);
}

/** Whether a PodDisruptionBudget selects these pod labels (a missing selector selects none). */
const budgetSelects = (pdb: KubeObject, labels: Readonly<Record<string, string>>): boolean => {
  const selector = rec(pdb.spec).selector;
  return selector !== undefined && selects(selector, labels);
};

/** The PodDisruptionBudgets in the input that select the workload's pods (same namespace). */
export function budgetsOf(object: KubeObject, context: CheckContext): KubeObject[] {
  const labels = podLabelsOf(object, context) ?? {};
  return lookup(context)
    .budgetsFor(namespaceOf(object), labels)
    .filter((p) => budgetSelects(p, labels));
}

/** The field holding the pod template's labels: spec.template.metadata.labels for most. */
const templateLabelsField = (o: KubeObject, context: CheckContext): string =>
  `${templatePathOf(o, context) ?? "spec.template"}.metadata.labels`;

/** "25%" → 25; a number → undefined. */
const percent = (value: unknown): number | undefined => {
  const match = /^(\d+)%$/.exec(text(value));
  return match ? Number(match[1]) : undefined;
};

/** The availability checks; cross-object over HPAs and PDBs of the input. */
export const availabilityChecks: readonly Check[] = [
  {
    id: "availability.single-replica",
    scope: "set",
    severity: "warning",
    title: "Workload runs a single replica",
    why: "Every node drain, rollout or crash takes the workload down.",
    fix: "Set spec.replicas to 2 or more, or target it with an HPA whose minReplicas is 2 or more.",
    kinds: replicatedKinds,
    run: (o, context) => {
      const replicas = effectiveReplicas(o, context);
      return replicas < 2 ? [{ field: "spec.replicas", message: `${o.kind} runs ${replicas} replica` }] : [];
    },
  },
  {
    id: "availability.pdb-missing",
    scope: "set",
    severity: "warning",
    title: "No PodDisruptionBudget selects the workload",
    why: "A node drain may evict all replicas at once.",
    fix: "Add a PodDisruptionBudget with maxUnavailable: 1 selecting the pod template's labels.",
    kinds: replicatedKinds,
    run: (o, context) =>
      effectiveReplicas(o, context) >= 2 && budgetsOf(o, context).length === 0
        ? [
            {
              field: templateLabelsField(o, context),
              message: "no PodDisruptionBudget in the input selects these pods",
            },
          ]
        : [],
  },
  {
    id: "availability.pdb-blocks-drain",
    scope: "set",
    severity: "warning",
    title: "PodDisruptionBudget blocks node drains",
    why: "Eviction never succeeds, so node upgrades and autoscaler scale-downs hang until someone deletes the budget.",
    fix: "Allow at least one disruption: maxUnavailable: 1, or minAvailable below the replica count.",
    kinds: ["PodDisruptionBudget"],
    run: (pdb, context) => {
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
      return lookup(context)
        .workloadsFor(namespaceOf(pdb), labelsOf(rec(spec.selector).matchLabels))
        .filter((w) => w.kinds.some((k) => replicatedKinds.includes(k)) && budgetSelects(pdb, w.labels))
        .flatMap(({ object: w }) => {
          const replicas = effectiveReplicas(w, context);
          return min >= replicas
            ? [
                {
                  field: "spec.minAvailable",
                  message: `minAvailable ${min} ≥ ${replicas} replicas of ${w.kind} ${w.metadata.name ?? ""}`,
                },
              ]
            : [];
        });
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
    scope: "set",
    severity: "warning",
    title: "HPA targets an object not in the input",
    why: "The autoscaler scales nothing: the name or kind is probably a typo.",
    fix: "Point spec.scaleTargetRef at a workload defined beside the HPA.",
    kinds: ["HorizontalPodAutoscaler"],
    run: (hpa, context) => {
      const ref = rec(rec(hpa.spec).scaleTargetRef);
      const found = lookup(context).has(text(ref.kind), namespaceOf(hpa), text(ref.name));
      return found
        ? []
        : [{ field: "spec.scaleTargetRef", message: `${text(ref.kind)} ${text(ref.name)} is not in the input` }];
    },
  },
  {
    id: "availability.replicas-with-hpa",
    scope: "manifest",
    severity: "warning",
    title: "spec.replicas is set on an autoscaled workload",
    why: "Each apply resets the replica count the HPA chose, scaling the workload down under load.",
    fix: "Remove spec.replicas and let the HPA own it.",
    kinds: replicatedKinds,
    run: (o, context) =>
      rec(o.spec).replicas !== undefined && autoscalersOf(o, context).length > 0
        ? [{ field: "spec.replicas", message: "spec.replicas is set while an HPA targets this workload" }]
        : [],
  },
  {
    id: "availability.spread-missing",
    severity: "warning",
    title: "Replicas are not spread across nodes or zones",
    why: "The scheduler may put every replica on one node, which a single failure takes down.",
    fix: "Add topologySpreadConstraints (or a preferred podAntiAffinity) on the hostname or zone.",
    kinds: replicatedKinds,
    run: (o, context) => {
      const pod = podSpecOf(o, context);
      if (!pod || effectiveReplicas(o, context) < 2) return [];
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
    run: (o, context) => {
      const strategy = rec(rec(o.spec).strategy);
      if (text(strategy.type || "RollingUpdate") !== "RollingUpdate") return [];
      const value = rec(strategy.rollingUpdate).maxUnavailable;
      const replicas = effectiveReplicas(o, context);
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
