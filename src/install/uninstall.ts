/**
 * `kaika uninstall`: removes what the install's inventory holds, the admission webhook
 * configuration kaika registered while running, and its namespace when install created it and it
 * holds nothing else of kaika's. CRDs (and so every GitSource, Sync, Cluster…) stay unless `crds`.
 */

import { kaikaCrds } from "../api/crds.ts";
import { pruneObjects } from "../apply/prune.ts";
import { describeId } from "../apply/refs.ts";
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import { webhookConfigurationName } from "../server/admission-server.ts";
import { defaultRelease } from "./chart.ts";
import { InstallError } from "./errors.ts";
import { createdByAnnotation, installedVersion, installInventory } from "./install.ts";

/** Options of uninstall(). */
export interface UninstallOptions {
  readonly releaseName?: string;
  readonly namespace?: string;
  /** Delete the CRDs too, and with them every kaika custom resource (finalizers are lifted first). */
  readonly crds?: boolean;
}

const ignoreMissing = (error: unknown) => (error instanceof NotFoundError ? undefined : Promise.reject(error));

/** Removes kaika; yields one line per step. Throws InstallError NotInstalled when there is nothing to remove. */
export async function* uninstall(api: KubeApi, options: UninstallOptions = {}): AsyncGenerator<string> {
  const release = {
    name: options.releaseName ?? defaultRelease.name,
    namespace: options.namespace ?? defaultRelease.namespace,
  };
  const inventory = installInventory(api, release);
  const ids = await inventory.read();
  if (ids === undefined && (await installedVersion(api, release)) === undefined && !options.crds)
    throw new InstallError(
      "NotInstalled",
      `kaika is not installed in ${release.namespace} (no inventory, no Deployment ${release.name})`,
    );
  let failed = 0;
  for await (const event of pruneObjects(api, ids ?? [], new Set(), 4)) {
    if (event.type === "pruned") yield `deleted ${describeId(event.id)}`;
    if (event.type === "failed") {
      failed++;
      yield `could not delete ${describeId(event.id)}: ${event.error instanceof Error ? event.error.message : String(event.error)}`;
    }
  }
  if (failed > 0)
    throw new InstallError(
      "ApplyFailed",
      `${failed} objects could not be deleted; the inventory is kept, run uninstall again`,
    );
  await api
    .delete(gvk("v1", "ConfigMap"), `kaika-inventory-install-${release.name}`, release.namespace)
    .catch(ignoreMissing);
  if (
    await api
      .delete(gvk("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"), webhookConfigurationName)
      .then(() => true, ignoreMissing)
  )
    yield `deleted ValidatingWebhookConfiguration/${webhookConfigurationName}`;

  const crds = kaikaCrds();
  if (options.crds) {
    for (const crd of crds) {
      for (const object of await customResources(api, crd)) {
        if (object.metadata.finalizers?.length)
          await api
            .patch(gvk(object.apiVersion, object.kind), object.metadata.name ?? "", object.metadata.namespace, {
              metadata: { finalizers: null },
            })
            .catch(ignoreMissing);
      }
      if (
        await api
          .delete(gvk("apiextensions.k8s.io/v1", "CustomResourceDefinition"), crd.metadata.name ?? "")
          .then(() => true, ignoreMissing)
      )
        yield `deleted CustomResourceDefinition/${crd.metadata.name}`;
    }
  }

  const namespace = await api.get(gvk("v1", "Namespace"), release.namespace).catch(ignoreMissing);
  if (namespace?.metadata.annotations?.[createdByAnnotation] === "kaika-install") {
    let kept = 0;
    if (!options.crds) for (const crd of crds) kept += (await customResources(api, crd, release.namespace)).length;
    if (kept === 0) {
      await api.delete(gvk("v1", "Namespace"), release.namespace).catch(ignoreMissing);
      yield `deleted Namespace/${release.namespace}`;
    } else
      yield `kept Namespace/${release.namespace}: it holds ${kept} kaika objects (GitSources, Syncs, Clusters…); --crds removes them`;
  }
}

/** Every object of a kaika CRD (in `namespace`, or all), or none when the CRD is not served. */
async function customResources(api: KubeApi, crd: KubeObject, namespace?: string): Promise<KubeObject[]> {
  const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string }[] };
  const kind = gvk(`${spec.group}/${spec.versions[0]?.name ?? "v1alpha1"}`, spec.names.kind);
  return api.list(kind, namespace === undefined ? {} : { namespace }).then(
    (list) => list.items,
    () => [],
  );
}
