/** Tolerant readers over untyped manifests: pod specs, containers, label selectors, quantities. */

import type { KubeObject } from "../kube/types.ts";

/** A mapping read from a manifest. */
export type Fields = Record<string, unknown>;

/** The value as a mapping, or {} when it is anything else. */
export const rec = (value: unknown): Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Fields) : {};

/** The mappings in a list; anything else is []. */
export const recs = (value: unknown): Fields[] =>
  Array.isArray(value)
    ? value.filter((v): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v))
    : [];

/** The value when a string, else "". */
export const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** The value when a finite number, else undefined. */
export const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

/** The string entries of a mapping, e.g. labels. */
export function labelsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(value))) if (typeof v === "string") out[k] = v;
  return out;
}

/** Where a kind keeps its pod template: the path of the template's metadata-holder. */
const templatePaths: Readonly<Record<string, string>> = {
  Deployment: "spec.template",
  StatefulSet: "spec.template",
  DaemonSet: "spec.template",
  ReplicaSet: "spec.template",
  Job: "spec.template",
  CronJob: "spec.jobTemplate.spec.template",
};

/** The kinds that run pods. */
export const podKinds: readonly string[] = [...Object.keys(templatePaths), "Pod"];

/** The kinds that keep serving: they need probes, availability and graceful shutdown. */
export const servingKinds: readonly string[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

function at(value: unknown, path: string): unknown {
  let here = value;
  for (const key of path.split(".")) here = rec(here)[key];
  return here;
}

/**
 * The pod spec of a workload and its path: spec.template.spec for Deployment, StatefulSet,
 * DaemonSet, ReplicaSet and Job; spec.jobTemplate.spec.template.spec for CronJob; spec for Pod.
 * Undefined for other kinds or when the spec is not a mapping.
 */
export function podSpecOf(object: KubeObject): { spec: Fields; path: string } | undefined {
  const template = templatePaths[object.kind];
  const path = template ? `${template}.spec` : object.kind === "Pod" ? "spec" : undefined;
  if (!path) return undefined;
  const spec = at(object, path);
  return typeof spec === "object" && spec !== null && !Array.isArray(spec) ? { spec: spec as Fields, path } : undefined;
}

/** The labels the workload's pods get (its template's, or a Pod's own); undefined for non-pod kinds. */
export function podLabelsOf(object: KubeObject): Record<string, string> | undefined {
  const template = templatePaths[object.kind];
  if (template) return labelsOf(at(object, `${template}.metadata.labels`));
  return object.kind === "Pod" ? labelsOf(object.metadata.labels) : undefined;
}

/** One container of a pod spec, with the path that names it. */
export interface ContainerRef {
  readonly container: Fields;
  readonly name: string;
  /** "spec.template.spec.containers[web]". */
  readonly path: string;
  readonly init: boolean;
}

/** The containers of a workload (and its init containers when `init`), in spec order. */
export function containersOf(object: KubeObject, init = false): ContainerRef[] {
  const pod = podSpecOf(object);
  if (!pod) return [];
  const lists: [string, boolean][] = init
    ? [
        ["initContainers", true],
        ["containers", false],
      ]
    : [["containers", false]];
  return lists.flatMap(([key, isInit]) =>
    recs(pod.spec[key]).map((container, i) => {
      const name = text(container.name) || String(i);
      return { container, name, path: `${pod.path}.${key}[${name}]`, init: isInit };
    }),
  );
}

/** Runs a per-container rule over a workload's containers, collecting its violations. */
export function eachContainer(
  object: KubeObject,
  rule: (c: ContainerRef) => { field: string; message: string } | undefined,
  init = false,
): { field: string; message: string }[] {
  return containersOf(object, init).flatMap((c) => rule(c) ?? []);
}

/** Whether a Kubernetes LabelSelector (matchLabels, matchExpressions) selects the labels. An empty selector selects all. */
export function selects(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = rec(selector);
  for (const [key, value] of Object.entries(labelsOf(s.matchLabels))) if (labels[key] !== value) return false;
  for (const e of recs(s.matchExpressions)) {
    const key = text(e.key);
    const present = Object.hasOwn(labels, key);
    const values = Array.isArray(e.values) ? e.values : [];
    const inValues = present && values.includes(labels[key]);
    const op = text(e.operator);
    if ((op === "In" && !inValues) || (op === "NotIn" && inValues)) return false;
    if ((op === "Exists" && !present) || (op === "DoesNotExist" && present)) return false;
  }
  return true;
}

/** Whether a Service-style map selector (every pair must match) selects the labels; {} selects nothing here. */
export function mapSelects(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  const pairs = Object.entries(selector);
  return pairs.length > 0 && pairs.every(([k, v]) => labels[k] === v);
}

/** Same namespace, treating an absent namespace as "". */
export const sameNamespace = (a: KubeObject, b: KubeObject): boolean =>
  (a.metadata.namespace ?? "") === (b.metadata.namespace ?? "");

/** spec.replicas of a Deployment or StatefulSet, defaulting to 1 as the API server does. */
export const replicasOf = (object: KubeObject): number => num(rec(object.spec).replicas) ?? 1;

/** "Kind/namespace/name", or "Kind/name" without a namespace. */
export function objectRef(object: KubeObject): string {
  const { name = "", namespace } = object.metadata;
  return namespace ? `${object.kind}/${namespace}/${name}` : `${object.kind}/${name}`;
}

const suffixes: Readonly<Record<string, number>> = {
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A resource quantity ("512Mi", "1.5G", "100m", 2) as a number; undefined when unparseable. */
export function quantity(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const match = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(text(value).trim());
  const scale = match ? suffixes[match[2]!] : undefined;
  return match && scale !== undefined ? Number(match[1]) * scale : undefined;
}
