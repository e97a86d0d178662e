/** Tolerant readers over untyped manifests: pod specs, containers, label selectors, quantities. */

import type { KubeObject } from "../kube/types.ts";
import type { PodTemplatePath } from "./types.ts";

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

/** Where each of Kubernetes' own workload kinds keeps its pod template (the PodTemplateSpec). */
const templatePaths: Readonly<Record<string, string>> = {
  Deployment: "spec.template",
  StatefulSet: "spec.template",
  DaemonSet: "spec.template",
  ReplicaSet: "spec.template",
  Job: "spec.template",
  CronJob: "spec.jobTemplate.spec.template",
};

/**
 * Kind tokens a custom resource with a declared pod template matches in Check.kinds (kind names
 * match only objects of Kubernetes' own groups, so a Knative Service is never taken for a Service).
 * Every such resource matches `pods`; the others depend on the resource, see builtinPodTemplates.
 */
export const templated = {
  /** Runs pods: resources, security, images, env checks. */
  pods: "@pod-template",
  /** Keeps serving: probe checks. */
  serving: "@serving",
  /** Runs spec.replicas copies: replica, PDB, HPA and spreading checks. */
  replicated: "@replicated",
  /** Replaces pods in a rolling or canary update behind Services, as a Deployment does: preStop. */
  rollout: "@rollout",
  /** Has spec.selector that must select its template: wiring.workload-selector. */
  selector: "@selector",
} as const;

type Trait = (typeof templated)[keyof typeof templated];

/** Built-in pod template paths of well-known custom resources; EvaluateOptions.podTemplates adds to them. */
export const builtinPodTemplates: readonly PodTemplatePath[] = [
  { group: "argoproj.io", kind: "Rollout", path: "spec.template" },
  { group: "apps.kruise.io", kind: "CloneSet", path: "spec.template" },
  { group: "apps.kruise.io", kind: "StatefulSet", path: "spec.template" },
  { group: "apps.kruise.io", kind: "DaemonSet", path: "spec.template" },
  { group: "serving.knative.dev", kind: "Service", path: "spec.template" },
  { group: "serving.knative.dev", kind: "Configuration", path: "spec.template" },
];

/**
 * What the built-in custom resources are, beyond running pods. Knative gets none: it adds a default
 * readiness probe, scales with its own autoscaler (no spec.replicas) and has no selector.
 */
const builtinTraits: Readonly<Record<string, readonly Trait[]>> = {
  "argoproj.io/Rollout": [templated.serving, templated.replicated, templated.rollout, templated.selector],
  "apps.kruise.io/CloneSet": [templated.serving, templated.replicated, templated.rollout, templated.selector],
  "apps.kruise.io/StatefulSet": [templated.serving, templated.replicated, templated.selector],
  "apps.kruise.io/DaemonSet": [templated.serving, templated.selector],
};

/** The kinds that run pods. */
export const podKinds: readonly string[] = [...Object.keys(templatePaths), "Pod", templated.pods];

/** The kinds that keep serving: they need probes, availability and graceful shutdown. */
export const servingKinds: readonly string[] = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  templated.serving,
];

/** The kinds that run spec.replicas copies behind one name. */
export const replicatedKinds: readonly string[] = ["Deployment", "StatefulSet", templated.replicated];

/** The API group of an object: "apps" for apps/v1, "" for v1. */
export const groupOf = (object: KubeObject): string => {
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
};

/**
 * Whether a group is Kubernetes' own (core, apps, batch, policy, *.k8s.io, …): custom resource
 * groups need a dot, and *.k8s.io and *.kubernetes.io are reserved for the project.
 */
const ownGroup = (group: string): boolean =>
  !group.includes(".") || group.endsWith(".k8s.io") || group.endsWith(".kubernetes.io");

/** A custom resource kind's template path and traits. */
interface TemplateKind {
  readonly path: string;
  readonly traits: readonly Trait[];
  /** A user entry: replicated when the object sets spec.replicas. */
  readonly declared: boolean;
}

const key = (group: string, kind: string): string => `${group}/${kind}`;

function table(extra: readonly PodTemplatePath[]): Map<string, TemplateKind> {
  const out = new Map<string, TemplateKind>();
  for (const t of builtinPodTemplates) {
    const k = key(t.group, t.kind);
    out.set(k, { path: t.path, traits: builtinTraits[k] ?? [], declared: false });
  }
  for (const t of extra) {
    const k = key(t.group, t.kind);
    const known = out.get(k);
    // A job template (a CronJob-like resource) does not serve: pod checks only.
    const batch = t.path.includes("jobTemplate") || t.kind.endsWith("Job");
    out.set(
      k,
      known && !known.declared
        ? { ...known, path: t.path }
        : { path: t.path, traits: batch ? [] : [templated.serving], declared: !batch },
    );
  }
  return out;
}

const builtinTable = table([]);
const tables = new WeakMap<readonly PodTemplatePath[], Map<string, TemplateKind>>();

/** The template table with the user's entries added, built once per list. */
function tableFor(extra: readonly PodTemplatePath[] | undefined): Map<string, TemplateKind> {
  if (!extra || extra.length === 0) return builtinTable;
  const found = tables.get(extra);
  if (found) return found;
  const made = table(extra);
  tables.set(extra, made);
  return made;
}

/** Where to look up custom resources' templates: a CheckContext, or anything with podTemplates. */
export interface TemplateSource {
  readonly podTemplates?: readonly PodTemplatePath[] | undefined;
}

/** Whether the engine knows the kind's pods by itself: Kubernetes' own workload kinds and Pod. */
const builtinWorkload = (object: KubeObject): boolean =>
  ownGroup(groupOf(object)) && (object.kind === "Pod" || Object.hasOwn(templatePaths, object.kind));

/**
 * A declared template: a custom resource's, or one given for another of Kubernetes' own kinds
 * (ReplicationController); the built-in workload kinds keep theirs.
 */
function declaredTemplate(object: KubeObject, from: TemplateSource | undefined): TemplateKind | undefined {
  return builtinWorkload(object) ? undefined : tableFor(from?.podTemplates).get(key(groupOf(object), object.kind));
}

/** The path of the object's PodTemplateSpec ("spec.template"); undefined for Pods and kinds without one. */
export function templatePathOf(object: KubeObject, from?: TemplateSource): string | undefined {
  return builtinWorkload(object) ? templatePaths[object.kind] : declaredTemplate(object, from)?.path;
}

/**
 * The kind names and tokens Check.kinds is matched against: the kind for Kubernetes' own groups
 * (plus the templated tokens when a template is declared for one, e.g. ReplicationController);
 * the templated tokens for a custom resource with a declared pod template; none for other custom
 * resources (only "*" checks run on them).
 */
export function kindsOf(object: KubeObject, from?: TemplateSource): readonly string[] {
  const own = ownGroup(groupOf(object));
  const template = declaredTemplate(object, from);
  if (!template) return own ? [object.kind] : [];
  const replicas = template.declared && typeof rec(object.spec).replicas === "number";
  const tokens = [templated.pods, ...template.traits, ...(replicas ? [templated.replicated] : [])];
  return own ? [object.kind, ...tokens] : tokens;
}

function at(value: unknown, path: string): unknown {
  let here = value;
  for (const key of path.split(".")) here = rec(here)[key];
  return here;
}

/**
 * The pod spec of a workload and its path: spec.template.spec for Deployment, StatefulSet,
 * DaemonSet, ReplicaSet and Job; spec.jobTemplate.spec.template.spec for CronJob; spec for Pod;
 * `<path>.spec` for a custom resource with a declared template (builtinPodTemplates, plus
 * `from.podTemplates`). Undefined for other kinds or when the spec is not a mapping.
 */
export function podSpecOf(object: KubeObject, from?: TemplateSource): { spec: Fields; path: string } | undefined {
  const template = templatePathOf(object, from);
  const path = template ? `${template}.spec` : object.kind === "Pod" && builtinWorkload(object) ? "spec" : undefined;
  if (!path) return undefined;
  const spec = at(object, path);
  return typeof spec === "object" && spec !== null && !Array.isArray(spec) ? { spec: spec as Fields, path } : undefined;
}

/** The labels the workload's pods get (its template's, or a Pod's own); undefined for non-pod kinds. */
export function podLabelsOf(object: KubeObject, from?: TemplateSource): Record<string, string> | undefined {
  const template = templatePathOf(object, from);
  if (template) return labelsOf(at(object, `${template}.metadata.labels`));
  return object.kind === "Pod" && builtinWorkload(object) ? labelsOf(object.metadata.labels) : undefined;
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
export function containersOf(object: KubeObject, from?: TemplateSource, init = false): ContainerRef[] {
  const pod = podSpecOf(object, from);
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
  from: TemplateSource,
  rule: (c: ContainerRef) => { field: string; message: string } | undefined,
  init = false,
): { field: string; message: string }[] {
  return containersOf(object, from, init).flatMap((c) => rule(c) ?? []);
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
