/** kaika's CustomResourceDefinitions, generated from the TypeBox types of each kind. */
import type { TSchema } from "typebox";
import type { KubeObject } from "../kube/types.ts";
import { clusterDefinition } from "./cluster.ts";
import { gitSourceDefinition } from "./gitsource.ts";
import { readinessPolicyDefinition } from "./readiness-policy.ts";
import { structural } from "./schema.ts";
import { serviceLevelObjectiveDefinition } from "./slo.ts";
import { syncDefinition } from "./sync.ts";

/** The API group and version of every kaika kind. */
export const group = "kaika.dev";
export const version = "v1alpha1";
export const apiVersion = `${group}/${version}`;

interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly spec: TSchema;
  readonly status: TSchema;
  readonly printerColumns: readonly { name: string; type: string; jsonPath: string; priority?: number }[];
}

const definitions: readonly KindDefinition[] = [
  gitSourceDefinition,
  syncDefinition,
  clusterDefinition,
  serviceLevelObjectiveDefinition,
  readinessPolicyDefinition,
];

/** The CRD of one kind: structural schema, status subresource, printer columns, category "kaika". */
export function crdFor(definition: KindDefinition): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${definition.plural}.${group}`, labels: { "app.kubernetes.io/part-of": "kaika" } },
    spec: {
      group,
      scope: "Namespaced",
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: [...definition.shortNames],
        categories: ["kaika"],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns.map((c) => ({ ...c })),
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: structural(definition.spec),
                status: structural(definition.status),
              },
              required: ["spec"],
            },
          },
        },
      ],
    },
  };
}

/** Every kaika CRD. */
export function kaikaCrds(): KubeObject[] {
  return definitions.map(crdFor);
}
