/**
 * The Secrets an input creates without a Secret manifest: External Secrets and Sealed Secrets write a
 * Secret from an object kept in Git, so a reference to that Secret is not dangling.
 */

import type { KubeObject } from "../kube/types.ts";
import { groupOf, rec, recs, text } from "./objects.ts";

/** A Secret some object of the input makes: its namespace ("*" for any) and name. */
export interface ProducedSecret {
  readonly namespace: string;
  readonly name: string;
}

/**
 * Whether an External Secrets target creates its Secret: Owner (the default) and Orphan do; Merge only
 * writes into a Secret that must already exist, None writes nothing.
 */
const creates = (target: Record<string, unknown>): boolean => {
  const policy = text(target.creationPolicy);
  return policy !== "Merge" && policy !== "None";
};

/**
 * The Secret an object makes, if it is one of:
 * - ExternalSecret (external-secrets.io): spec.target.name, default the ExternalSecret's name, in its namespace;
 * - ClusterExternalSecret: spec.externalSecretSpec.target.name, else spec.externalSecretName, else its name,
 *   in the namespaces of spec.namespaces, or any namespace when it selects namespaces by label;
 * - SealedSecret (bitnami.com): a Secret of its own name and namespace.
 */
export function producedSecrets(object: KubeObject): ProducedSecret[] {
  const group = groupOf(object);
  const name = object.metadata?.name ?? "";
  const namespace = object.metadata?.namespace ?? "";
  const spec = rec(object.spec);
  if (group === "external-secrets.io" && object.kind === "ExternalSecret") {
    const target = rec(spec.target);
    return creates(target) ? [{ namespace, name: text(target.name) || name }] : [];
  }
  if (group === "external-secrets.io" && object.kind === "ClusterExternalSecret") {
    const target = rec(rec(spec.externalSecretSpec).target);
    if (!creates(target)) return [];
    const secret = text(target.name) || text(spec.externalSecretName) || name;
    const listed = Array.isArray(spec.namespaces) ? spec.namespaces.map(text).filter(Boolean) : [];
    const bySelector = spec.namespaceSelector !== undefined || recs(spec.namespaceSelectors).length > 0;
    return bySelector || listed.length === 0
      ? [{ namespace: "*", name: secret }]
      : listed.map((ns) => ({ namespace: ns, name: secret }));
  }
  if (group === "bitnami.com" && object.kind === "SealedSecret") return [{ namespace, name }];
  return [];
}
