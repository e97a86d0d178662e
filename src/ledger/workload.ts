/** Reads a workload's service name, version and container images from the object as applied. */
import type { KubeObject } from "../kube/types.ts";
import { parseImage } from "../policy/index.ts";
import type { ContainerImage } from "./types.ts";

/** The label that names the service (app.kubernetes.io/name); the object's name when absent. */
export const serviceLabel = "app.kubernetes.io/name";
/** The label that carries the version; the main container's tag (or digest) when absent. */
export const versionLabel = "app.kubernetes.io/version";
/** The pod annotation that names the main container (as kubectl logs/exec use it); the first one when absent. */
export const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container";

/** What the ledger keeps about one workload object. */
export interface WorkloadState {
  readonly service: string;
  readonly version: string;
  /** In spec order, init containers first. */
  readonly images: readonly StoredImage[];
}

/** Identity of an object in the ledger: apiVersion's group, kind, namespace and name. */
export interface ObjectIdentity {
  /** "apps/Deployment/shop/web"; the API version is left out so apps/v1 and apps/v1beta2 are one object. */
  readonly ref: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

type Fields = Record<string, unknown>;
const rec = (value: unknown): Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Fields) : {};
const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** The ledger identity of an object. */
export function identityOf(object: KubeObject): ObjectIdentity {
  const slash = object.apiVersion.indexOf("/");
  const group = slash < 0 ? "" : object.apiVersion.slice(0, slash);
  const namespace = object.metadata.namespace ?? "";
  const name = object.metadata.name ?? "";
  return { ref: `${group}/${object.kind}/${namespace}/${name}`, kind: object.kind, namespace, name };
}

/**
 * The pod template of any workload: spec.template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 * Argo Rollout, …), spec.jobTemplate.spec.template (CronJob), or a bare Pod. Undefined when the object
 * has no template with containers.
 */
function podTemplateOf(object: KubeObject): { metadata: Fields; spec: Fields } | undefined {
  const spec = rec(object.spec);
  const candidates: Fields[] =
    object.kind === "Pod" && object.apiVersion === "v1"
      ? [{ metadata: rec(object.metadata), spec }]
      : [rec(spec.template), rec(rec(rec(spec.jobTemplate).spec).template)];
  for (const template of candidates) {
    const podSpec = rec(template.spec);
    if (Array.isArray(podSpec.containers) && podSpec.containers.length > 0)
      return { metadata: rec(template.metadata), spec: podSpec };
  }
  return undefined;
}

/** A container's image as the ledger stores it: the reference as written; the parts are parsed on read. */
export interface StoredImage {
  readonly container: string;
  readonly image: string;
  readonly init?: true | undefined;
}

/** The image of a stored container, split into registry, repository, tag and digest. */
export function expandImage(stored: StoredImage): ContainerImage {
  const parsed = parseImage(stored.image);
  return {
    container: stored.container,
    init: stored.init === true,
    image: stored.image,
    registry: parsed.registry,
    repository: parsed.repository,
    ...(parsed.tag === undefined ? {} : { tag: parsed.tag }),
    ...(parsed.digest === undefined ? {} : { digest: parsed.digest }),
  };
}

function imagesOf(spec: Fields): StoredImage[] {
  const lists: [unknown, boolean][] = [
    [spec.initContainers, true],
    [spec.containers, false],
  ];
  return lists.flatMap(([list, init]) =>
    (Array.isArray(list) ? list : []).map((c: unknown, i): StoredImage => {
      const container = rec(c);
      const name = str(container.name) ?? String(i);
      const image = str(container.image) ?? "";
      return init ? { container: name, image, init: true } : { container: name, image };
    }),
  );
}

/**
 * The service, version and images of a workload; undefined for objects without a pod template.
 * Labels are read from the object, then from its pod template. Without a version label the version is
 * the main container's tag, else its digest, else "latest" (what the runtime pulls for a bare name).
 */
export function workloadOf(object: KubeObject): WorkloadState | undefined {
  const template = podTemplateOf(object);
  if (!template) return undefined;
  const labels = rec(object.metadata.labels);
  const podLabels = rec(template.metadata.labels);
  const images = imagesOf(template.spec);
  const main = str(rec(template.metadata.annotations)[defaultContainerAnnotation]);
  const containers = images.filter((i) => !i.init);
  const chosen = containers.find((i) => i.container === main) ?? containers[0];
  const primary = chosen ? parseImage(chosen.image) : undefined;
  const service = str(labels[serviceLabel]) ?? str(podLabels[serviceLabel]) ?? object.metadata.name ?? "";
  const version =
    str(labels[versionLabel]) ?? str(podLabels[versionLabel]) ?? primary?.tag ?? primary?.digest ?? "latest";
  return { service, version, images };
}
