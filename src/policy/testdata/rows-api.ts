/** Check table rows: removed, deprecated and not-yet-served apiVersions for a target Kubernetes version. */

import type { Row } from "./table.ts";

/** A FlowSchema: cluster-wide, no other check reads it. */
const flowSchema = (apiVersion: string) => ({
  apiVersion,
  kind: "FlowSchema",
  metadata: { name: "shop" },
  spec: { priorityLevelConfiguration: { name: "workload-low" }, matchingPrecedence: 1000 },
});

/** Rows for the API checks. */
export const apiRows: readonly Row[] = [
  {
    id: "api.unavailable",
    // The oldest target that serves every apiVersion of the default fixtures (autoscaling/v2 came in 1.23).
    kubernetesVersion: "1.23",
    bad: [
      [["+", "", flowSchema("flowcontrol.apiserver.k8s.io/v1")]],
      [
        [
          "+",
          "",
          {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: "p" },
            spec: { validations: [{ expression: "true" }] },
          },
        ],
      ],
    ],
    good: [[["+", "", flowSchema("flowcontrol.apiserver.k8s.io/v1beta2")]]],
    field: "apiVersion",
  },
  {
    id: "api.removed",
    kubernetesVersion: "1.23",
    bad: [
      [["Deployment", "apiVersion", "extensions/v1beta1"]],
      [["NetworkPolicy", "apiVersion", "extensions/v1beta1"]],
      [
        [
          "+",
          "",
          { apiVersion: "apps/v1beta2", kind: "ControllerRevision", metadata: { name: "r", namespace: "shop" } },
        ],
      ],
    ],
    // Served at 1.23 and not yet deprecated (flowcontrol v1beta2 came in 1.23, deprecated in 1.26).
    good: [[["+", "", flowSchema("flowcontrol.apiserver.k8s.io/v1beta2")]]],
    field: "apiVersion",
  },
  {
    id: "api.deprecated",
    kubernetesVersion: "v1.24.3",
    bad: [
      [["PodDisruptionBudget", "apiVersion", "policy/v1beta1"]],
      [["HorizontalPodAutoscaler", "apiVersion", "autoscaling/v2beta2"]],
      [["+", "", flowSchema("flowcontrol.apiserver.k8s.io/v1beta1")]],
    ],
    // v1beta2 is served from 1.23 and deprecated only in 1.26.
    good: [[["+", "", flowSchema("flowcontrol.apiserver.k8s.io/v1beta2")]]],
    field: "apiVersion",
  },
];
