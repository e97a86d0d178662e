/**
 * `kaika install`: checks first (cluster reachable and new enough, values valid, no other version
 * installed, every create allowed), then applies the chart's CRDs (waiting until Established) and
 * its objects (waiting until the Deployment is Available), recording them in an inventory so an
 * upgrade prunes what left the chart and uninstall removes exactly them. A failed first install
 * removes what it created.
 */
import { type ApplyEvent, apply } from "../apply/applier.ts";
import { configMapInventory, type InventoryStore } from "../apply/inventory.ts";
import { pruneObjects } from "../apply/prune.ts";
import { describeId, type ObjectId } from "../apply/refs.ts";
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import { RenderError, type RenderedObject } from "../render/index.ts";
import { type ChartOptions, chartVersion, defaultRelease, type RenderedChart, renderChart } from "./chart.ts";
import { InstallError } from "./errors.ts";
import { checkVersion, missingPermissions } from "./preflight.ts";

/** Options of install(). */
export interface InstallOptions extends ChartOptions {
  /** Validate everything with server-side dry runs; write nothing. */
  readonly dryRun?: boolean;
  /** Replace an install of another version (kept otherwise). */
  readonly upgrade?: boolean;
  /** How long to wait for CRDs Established and the Deployment Available; default 5 min. */
  readonly timeoutMs?: number;
}

/** What install() reports as it goes. `done` comes last. */
export type InstallEvent =
  | { readonly type: "step"; readonly message: string }
  | { readonly type: "apply"; readonly event: ApplyEvent }
  | { readonly type: "rolledBack"; readonly removed: readonly string[] }
  | { readonly type: "done"; readonly version: string; readonly objects: number };

const Deployment = gvk("apps/v1", "Deployment");
const Namespace = gvk("v1", "Namespace");
/** On the Namespace when install created it, so uninstall removes it and only then. */
export const createdByAnnotation = "kaika.dev/created-by";
export const installFieldManager = "kaika-install";

/** The inventory of one release: ConfigMap kaika-inventory-install-<release> in its namespace. */
export function installInventory(api: KubeApi, release: { name: string; namespace: string }): InventoryStore {
  return configMapInventory(api, { namespace: release.namespace, name: `install-${release.name}` });
}

/** The installed chart's app version (the Deployment's label), or undefined when nothing is installed. */
export async function installedVersion(
  api: KubeApi,
  release: { name: string; namespace: string },
): Promise<string | undefined> {
  try {
    const deployment = await api.get(Deployment, release.name, release.namespace);
    return deployment.metadata.labels?.["app.kubernetes.io/version"] ?? "unknown";
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Installs (or upgrades) kaika; throws InstallError. See the module comment. */
export async function* install(api: KubeApi, options: InstallOptions = {}): AsyncGenerator<InstallEvent> {
  const release = {
    name: options.releaseName ?? defaultRelease.name,
    namespace: options.namespace ?? defaultRelease.namespace,
  };
  const version = await checkVersion(api);
  yield { type: "step", message: `Kubernetes ${version}: supported` };

  let chart: RenderedChart;
  try {
    chart = await renderChart(options);
  } catch (error) {
    if (error instanceof RenderError)
      throw new InstallError("InvalidValues", `${error.message}. Fix the values (see deploy/chart/values.yaml)`, {
        cause: error,
      });
    throw error;
  }
  const { appVersion } = await chartVersion();
  yield { type: "step", message: `chart rendered: ${chart.crds.length} CRDs, ${chart.objects.length} objects` };

  const installed = await installedVersion(api, release);
  if (installed !== undefined && installed !== appVersion && !options.upgrade)
    throw new InstallError(
      "OtherVersionInstalled",
      `kaika ${installed} is installed in ${release.namespace}; this is ${appVersion}. Run again with --upgrade to replace it, or uninstall it first`,
    );

  const namespaceObject: KubeObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: release.namespace, annotations: { [createdByAnnotation]: "kaika-install" } },
  };
  const missing = await missingPermissions(api, [namespaceObject, ...chart.crds, ...chart.objects].map(objectOf));
  if (missing.length > 0)
    throw new InstallError(
      "Forbidden",
      `your credentials may not ${missing.join("; ")}. Install as a cluster administrator (kaika creates CRDs, ClusterRoles and their bindings)`,
    );
  yield { type: "step", message: "permissions: every object may be created" };

  const namespaceExists = await api.get(Namespace, release.namespace).then(
    () => true,
    (e: unknown) => (e instanceof NotFoundError ? false : Promise.reject(e)),
  );
  if (!namespaceExists && !options.dryRun) {
    await api.create(namespaceObject);
    yield { type: "step", message: `namespace ${release.namespace} created` };
  }

  const created: ObjectId[] = [];
  const failures: string[] = [];
  const timeoutMs = options.timeoutMs ?? 300_000;
  const common = { fieldManager: installFieldManager, wait: true, timeoutMs, dryRun: options.dryRun ?? false };
  // CRDs are not in the inventory: uninstall keeps them (and every GitSource, Sync and Cluster) unless asked.
  for (const [objects, extra] of [
    [chart.crds, { prune: false }],
    // A dry run into a namespace that does not exist yet plans the Namespace first (its objects then go unvalidated).
    [
      options.dryRun && !namespaceExists
        ? [{ object: namespaceObject, source: { file: "(namespace)", line: 1 } }, ...chart.objects]
        : chart.objects,
      { prune: true, inventory: installInventory(api, release) },
    ],
  ] as const) {
    if (failures.length > 0) break;
    for await (const event of apply(api, objects, { ...common, ...extra, defaultNamespace: release.namespace })) {
      if (event.type === "applied" && event.action === "create") created.push(idOf(event.ref, objects));
      if (event.type === "failed") failures.push(`${event.ref}: ${event.error.message}`);
      yield { type: "apply", event };
    }
  }

  if (failures.length > 0) {
    // A first install leaves nothing; an upgrade keeps what was there (now partly updated).
    const removed: string[] = [];
    if (!options.dryRun && installed === undefined) {
      for await (const e of pruneObjects(api, created, new Set(), 4))
        if (e.type === "pruned") removed.push(describeId(e.id));
      if (!namespaceExists) {
        await api.delete(Namespace, release.namespace).catch(() => undefined);
        removed.push(`Namespace/${release.namespace}`);
      }
      yield { type: "rolledBack", removed };
    }
    const leftBehind = installed === undefined ? created.map(describeId).filter((r) => !removed.includes(r)) : [];
    throw new InstallError("ApplyFailed", `install failed: ${failures.slice(0, 5).join("; ")}`, { leftBehind });
  }
  yield { type: "done", version: appVersion, objects: chart.crds.length + chart.objects.length };
}

const objectOf = (o: RenderedObject | KubeObject): KubeObject =>
  "source" in o ? (o as RenderedObject).object : (o as KubeObject);

/** The id of the rendered object `ref` names (refs are describeId of ids). */
function idOf(ref: string, objects: readonly RenderedObject[]): ObjectId {
  for (const { object } of objects) {
    const id = {
      group: gvk(object.apiVersion, object.kind).group,
      kind: object.kind,
      namespace: object.metadata.namespace ?? "",
      name: object.metadata.name ?? "",
    };
    if (describeId(id) === ref) return id;
  }
  throw new Error(`applied object ${ref} is not in the chart`);
}
