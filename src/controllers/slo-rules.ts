/**
 * One SLO's rules object in one cluster: a PrometheusRule where the
 * Prometheus Operator's CRD is served, else a ConfigMap holding the rule
 * file. Both carry the SLO's uid as a label, and only objects with that label
 * are ever deleted (never a user's object of the same name).
 */
import type { ServiceLevelObjectiveStatus } from "../api/slo.ts";
import type { KubeApi } from "../kube/api.ts";
import { NoKindMatchError } from "../kube/discovery.ts";
import { NotFoundError } from "../kube/errors.ts";
import { type GroupVersionKind, gvk, type KubeObject } from "../kube/types.ts";
import { controllerReference } from "../runtime/index.ts";
import {
  prometheusRule,
  ruleFile,
  ruleFileKey,
  rulesObjectName,
  type SloDefinition,
  sloRuleGroups,
} from "../slo/index.ts";
import { fieldManager } from "./status.ts";

export const PrometheusRuleKind = gvk("monitoring.coreos.com/v1", "PrometheusRule");
const ConfigMapKind = gvk("v1", "ConfigMap");

/** The label naming the SLO (by uid) a rules object belongs to. */
export const sloUidLabel = "kaika.dev/slo-uid";

/** Where the rules went. */
export type RulesRef = NonNullable<ServiceLevelObjectiveStatus["rules"]>;

/**
 * Writes the SLO's rules into `api`'s cluster, in the SLO's namespace, and
 * deletes the other kind of rules object. `owned` adds a controller owner
 * reference (only meaningful in the cluster the SLO itself lives in).
 */
export async function writeRulesObject(
  api: KubeApi,
  slo: KubeObject,
  definition: SloDefinition,
  owned: boolean,
): Promise<RulesRef> {
  const namespace = slo.metadata.namespace;
  const name = rulesObjectName(definition);
  const groups = sloRuleGroups(definition);
  const count = { groups: groups.length, rules: groups.reduce((n, g) => n + g.rules.length, 0) };
  const labels = { ...(slo.metadata.labels ?? {}), [sloUidLabel]: slo.metadata.uid ?? "" };
  const owner = owned ? { ownerReferences: [controllerReference(slo)] } : {};
  if (await served(api, PrometheusRuleKind)) {
    const object = prometheusRule(definition, { namespace, labels });
    await api.apply({ ...object, metadata: { ...object.metadata, ...owner } }, { fieldManager, force: true });
    await deleteIfOurs(api, ConfigMapKind, name, slo);
    return { kind: "PrometheusRule", name, ...count };
  }
  await api.apply(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        namespace,
        labels: { ...labels, "app.kubernetes.io/managed-by": "kaika", "kaika.dev/slo": definition.name },
        ...owner,
      },
      data: { [ruleFileKey(definition)]: ruleFile([definition]) },
    },
    { fieldManager, force: true },
  );
  return { kind: "ConfigMap", name, ...count };
}

/** Deletes the SLO's rules objects of both kinds from `api`'s cluster. */
export async function deleteRulesObjects(api: KubeApi, slo: KubeObject): Promise<void> {
  const name = rulesObjectName({ name: slo.metadata.name ?? "" });
  if (await served(api, PrometheusRuleKind)) await deleteIfOurs(api, PrometheusRuleKind, name, slo);
  await deleteIfOurs(api, ConfigMapKind, name, slo);
}

async function served(api: KubeApi, kind: GroupVersionKind): Promise<boolean> {
  try {
    await api.mapper.mapping(kind);
    return true;
  } catch (error) {
    if (error instanceof NoKindMatchError) return false;
    throw error;
  }
}

/** Deletes `name` of `kind` only if it carries this SLO's uid label or controller reference. */
async function deleteIfOurs(api: KubeApi, kind: GroupVersionKind, name: string, slo: KubeObject): Promise<void> {
  const uid = slo.metadata.uid;
  try {
    const existing = await api.get(kind, name, slo.metadata.namespace);
    const ours =
      existing.metadata.labels?.[sloUidLabel] === uid ||
      existing.metadata.ownerReferences?.some((r) => r.controller && r.uid === uid);
    if (!ours) return;
    await api.delete(kind, name, slo.metadata.namespace);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}
