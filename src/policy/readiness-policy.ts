/**
 * ReadinessPolicy decisions: which findings enforce, warn or are off. One module for the four
 * places the checks run — `kaika lint`, the Sync gate, the admission webhook and the audit — so a
 * finding means the same thing everywhere.
 */

import type { ReadinessPolicySpec } from "../api/readiness-policy.ts";
import type { KubeObject } from "../kube/types.ts";
import type { RenderedObject } from "../render/types.ts";
import { type EvaluateOptions, evaluate } from "./engine.ts";
import { labelsOf, objectRef, selects } from "./objects.ts";
import { globMatch, type PolicySource, policiesFrom } from "./readiness-policy-parse.ts";
import type { Finding, PodTemplatePath, Severity } from "./types.ts";

export type { ReadinessPolicySpec } from "../api/readiness-policy.ts";
export {
  checkSpec,
  globMatch,
  PolicyError,
  type PolicyProblem,
  type PolicySource,
  parsePolicy,
  policiesFrom,
} from "./readiness-policy-parse.ts";

/** enforce: fails the lint, holds back the commit, denies the request; warn: reported; off: dropped. */
export type Mode = "enforce" | "warn" | "off";

/** Without a policy: critical findings enforce, warnings and infos warn. */
export const defaultModes: Readonly<Record<Severity, Mode>> = { critical: "enforce", warning: "warn", info: "warn" };

/** Set on an object to skip checks: `kaika.dev/skip-checks: "id,id"` (patterns allowed), with a reason. */
export const skipChecksAnnotation = "kaika.dev/skip-checks";
/** Why the object skips them; an opt-out without a reason does not count. */
export const skipReasonAnnotation = "kaika.dev/skip-reason";

/** Where kaika runs: a ReadinessPolicy here is the default for every namespace. */
export const defaultSystemNamespace = "kaika-system";

/** A finding with the policy's verdict. */
export interface Decision extends Finding {
  readonly mode: Mode;
  /** The namespace whose policy decided; "" for cluster-scoped objects. */
  readonly namespace: string;
  /** Set when an exemption or an opt-out annotation turned the finding off. */
  readonly waived?: { readonly by: "exemption" | "annotation"; readonly reason: string } | undefined;
}

/** Labels of a namespace, for `spec.namespaces[].selector`; undefined when unknown (a selector then does not match). */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

/** Options of decide(). */
export interface DecideOptions {
  /** Namespace of objects that name none (a Sync's targetNamespace, `kaika lint -n`). Default "". */
  readonly namespace?: string | undefined;
  /** The namespace an object lands in; beats `namespace` (the Sync gate knows which kinds are cluster-scoped). */
  readonly namespaceOf?: ((object: KubeObject) => string) | undefined;
  /** Default: the labels of the Namespace objects among the input. */
  readonly namespaceLabels?: NamespaceLabels | undefined;
  /** Ignore opt-out annotations whatever the policy says (`kaika lint --strict`). */
  readonly strict?: boolean | undefined;
  /** The time exemptions' `expires` is compared with (ms since the epoch); default now. */
  readonly now?: number | undefined;
}

/** The mode a check map gives `id`: its own entry, else the longest pattern that matches. */
function modeIn(map: Readonly<Record<string, Mode>> | undefined, id: string): Mode | undefined {
  if (!map) return undefined;
  if (Object.hasOwn(map, id)) return map[id];
  let best: string | undefined;
  for (const pattern of Object.keys(map)) {
    if (pattern.includes("*") && globMatch(pattern, id) && pattern.length > (best?.length ?? -1)) best = pattern;
  }
  return best === undefined ? undefined : map[best];
}

type Override = NonNullable<ReadinessPolicySpec["namespaces"]>[number];

function overrideMatches(o: Override, namespace: string, labels: NamespaceLabels): boolean {
  if (namespace === "") return false;
  if (o.names && !o.names.some((n) => globMatch(n, namespace))) return false;
  if (o.selector) {
    const known = labels(namespace);
    if (!known || !selects(o.selector, known)) return false;
  }
  return Boolean(o.names || o.selector);
}

/**
 * The mode of a check of `severity` in `namespace`, before exemptions and opt-outs. `policy` is one
 * spec or layers, the first asked first (a namespace's own policy, then the default). In each
 * layer: spec.namespaces[] that match (later entries first; in each, checks then severities), then
 * spec.checks, then spec.severities. The first that speaks decides; else defaultModes. In a checks
 * map an id beats a pattern, and a longer pattern a shorter one.
 */
export function modeFor(
  policy: ReadinessPolicySpec | readonly ReadinessPolicySpec[],
  check: string,
  severity: Severity,
  namespace: string,
  labels: NamespaceLabels = () => undefined,
): Mode {
  // Array.isArray does not narrow a readonly array type.
  const layers = (Array.isArray(policy) ? policy : [policy]) as readonly ReadinessPolicySpec[];
  for (const spec of layers) {
    const overrides = (spec.namespaces ?? []).filter((o) => overrideMatches(o, namespace, labels)).reverse();
    for (const o of overrides) {
      const mode = modeIn(o.checks, check) ?? o.severities?.[severity];
      if (mode) return mode;
    }
    const mode = modeIn(spec.checks, check) ?? spec.severities?.[severity];
    if (mode) return mode;
  }
  return defaultModes[severity];
}

/** Splits "Kind/ns/name" or "Kind/name". */
function parts(ref: string): { kind: string; name: string } {
  const first = ref.indexOf("/");
  return { kind: ref.slice(0, first), name: ref.slice(ref.lastIndexOf("/") + 1) };
}

type Exemption = NonNullable<ReadinessPolicySpec["exemptions"]>[number];

function exempts(e: Exemption, finding: Finding, namespace: string): boolean {
  if (!e.object && !e.name) return false;
  if (!globMatch(e.check, finding.check)) return false;
  const { kind, name } = parts(finding.object);
  if (e.object && !globMatch(e.object, finding.object)) return false;
  if (e.kind && e.kind !== kind) return false;
  if (e.name && !globMatch(e.name, name)) return false;
  return !e.namespace || globMatch(e.namespace, namespace);
}

/** The reason of an opt-out annotation that names `check`, if the object has a valid one. */
function optOut(object: KubeObject | undefined, check: string): string | undefined {
  const annotations = object?.metadata.annotations ?? {};
  const reason = annotations[skipReasonAnnotation]?.trim();
  if (!reason) return undefined;
  const listed = (annotations[skipChecksAnnotation] ?? "").split(",").map((s) => s.trim());
  return listed.some((p) => p !== "" && globMatch(p, check)) ? reason : undefined;
}

/** What decide() and friends accept as "the policy": one spec for everything, or a set by namespace. */
export type PolicyInput = ReadinessPolicySpec | PolicySet;

const specFor = (policy: PolicyInput, namespace: string): ReadinessPolicySpec =>
  policy instanceof PolicySet ? policy.for(namespace) : policy;

function namespacer(options: DecideOptions): (object: KubeObject) => string {
  return options.namespaceOf ?? ((o) => o.metadata.namespace ?? options.namespace ?? "");
}

function labelsFromInput(objects: readonly KubeObject[]): NamespaceLabels {
  const byName = new Map(
    objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name ?? "", labelsOf(o.metadata.labels)]),
  );
  return (namespace) => byName.get(namespace);
}

/**
 * Applies the policy to findings of evaluate() over `objects`: each finding gets a mode. Exemptions
 * and opt-out annotations (with a reason; ignored in strict mode) turn a finding off and say why.
 * Order and content of the findings are kept. Pure.
 */
export function decide(
  findings: readonly Finding[],
  objects: readonly KubeObject[],
  policy: PolicyInput,
  options: DecideOptions = {},
): Decision[] {
  const namespaceOf = namespacer(options);
  const labels = options.namespaceLabels ?? labelsFromInput(objects);
  const byRef = new Map(objects.map((o) => [objectRef(o), o]));
  const now = options.now ?? Date.now();
  return findings.map((found): Decision => {
    let f = found;
    const object = byRef.get(f.object);
    const namespace = object ? namespaceOf(object) : "";
    const spec = specFor(policy, namespace);
    const matching = spec.exemptions?.filter((e) => exempts(e, f, namespace)) ?? [];
    const exemption = matching.find((e) => !e.expires || Date.parse(e.expires) > now);
    if (exemption) return { ...f, mode: "off", namespace, waived: { by: "exemption", reason: exemption.reason } };
    // An exemption that ran out says so, so the finding's return is not a surprise.
    const lapsed = matching[0];
    if (lapsed) f = { ...f, message: `${f.message} (exemption expired ${lapsed.expires}: ${lapsed.reason})` };
    const strict = options.strict === true || spec.strict === true;
    const reason = strict ? undefined : optOut(object, f.check);
    if (reason !== undefined) return { ...f, mode: "off", namespace, waived: { by: "annotation", reason } };
    const layers = policy instanceof PolicySet ? policy.layers(namespace) : [policy];
    return { ...f, mode: modeFor(layers, f.check, f.severity, namespace, labels), namespace };
  });
}

/** Options of assess(): decide()'s, and evaluation settings that beat the policy's. */
export interface AssessOptions extends DecideOptions {
  /** Beats the policy's trustedRegistries (`kaika lint --trusted-registry`). */
  readonly trustedRegistries?: readonly string[] | undefined;
  /** Used where the policy names none (the cluster's version in admission and audit). */
  readonly kubernetesVersion?: string | undefined;
  /** Runs only the checks it accepts (the audit leaves out checks that only make sense on Git). */
  readonly only?: ((checkId: string) => boolean) | undefined;
}

const evaluateOptions = new WeakMap<ReadinessPolicySpec, EvaluateOptions>();

function optionsOf(spec: ReadinessPolicySpec): EvaluateOptions {
  let found = evaluateOptions.get(spec);
  if (!found) {
    found = {
      ...(spec.trustedRegistries ? { trustedRegistries: spec.trustedRegistries } : {}),
      ...(spec.kubernetesVersion ? { kubernetesVersion: spec.kubernetesVersion } : {}),
      ...(spec.podTemplates?.length ? { podTemplates: spec.podTemplates as readonly PodTemplatePath[] } : {}),
    };
    evaluateOptions.set(spec, found);
  }
  return found;
}

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * evaluate() then decide(): the checks run with each namespace's policy settings (trusted
 * registries, Kubernetes version, pod templates). Objects whose namespaces share settings are
 * evaluated together — usually all of them, in one pass; every pass sees the whole input, so
 * cross-object checks (a Deployment's PDB) work across groups.
 */
export function assess(
  objects: readonly RenderedObject[],
  policy: PolicyInput,
  options: AssessOptions = {},
): Decision[] {
  const namespaceOf = namespacer(options);
  const groups = new Map<string, { options: EvaluateOptions; refs: Set<string> }>();
  for (const { object } of objects) {
    const own = optionsOf(specFor(policy, namespaceOf(object)));
    const merged: EvaluateOptions = {
      ...own,
      ...(options.trustedRegistries ? { trustedRegistries: options.trustedRegistries } : {}),
      ...(!own.kubernetesVersion && options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}),
      ...(options.only ? { only: options.only } : {}),
    };
    const key = JSON.stringify([merged.trustedRegistries, merged.kubernetesVersion, merged.podTemplates]);
    const group = groups.get(key) ?? { options: merged, refs: new Set<string>() };
    group.refs.add(objectRef(object));
    groups.set(key, group);
  }
  const all = objects.map((o) => o.object);
  const [single] = groups.values();
  const findings =
    groups.size <= 1
      ? evaluate(objects, single?.options ?? {})
      : [...groups.values()]
          .flatMap((g) => evaluate(objects, g.options).filter((f) => g.refs.has(f.object)))
          .sort(
            (a, b) =>
              compare(a.file ?? "", b.file ?? "") ||
              compare(a.line ?? 0, b.line ?? 0) ||
              compare(a.check, b.check) ||
              compare(a.field, b.field) ||
              compare(a.message, b.message),
          );
  return decide(findings, all, policy, options);
}

/**
 * ReadinessPolicies by namespace. A policy in the system namespace (or one with no namespace, from
 * a file) is the default; a policy in namespace X governs objects in X, over the default:
 *
 * - modes: X's policy is asked first, the default only for what X's leaves unsaid (layers());
 * - exemptions add up; strict, trustedRegistries, kubernetesVersion: X's when set; podTemplates
 *   add up by group and kind (for()).
 *
 * Several policies in one namespace merge in name order (mergeSpecs).
 */
export class PolicySet {
  readonly systemNamespace: string;
  readonly #base: ReadinessPolicySpec;
  readonly #own = new Map<string, ReadinessPolicySpec>();
  readonly #merged = new Map<string, ReadinessPolicySpec>();

  constructor(policies: readonly PolicySource[] = [], options: { systemNamespace?: string | undefined } = {}) {
    this.systemNamespace = options.systemNamespace ?? defaultSystemNamespace;
    const sorted = [...policies].sort((a, b) => compare(a.name, b.name));
    let base: ReadinessPolicySpec = {};
    for (const p of sorted) {
      if (!p.namespace || p.namespace === this.systemNamespace) base = mergeSpecs(base, p.spec);
      else this.#own.set(p.namespace, mergeSpecs(this.#own.get(p.namespace) ?? {}, p.spec));
    }
    this.#base = base;
  }

  /** The policies to ask for a mode in `namespace`, its own first; the default alone for "" (cluster-scoped). */
  layers(namespace: string): readonly ReadinessPolicySpec[] {
    const own = this.#own.get(namespace);
    return own ? [own, this.#base] : [this.#base];
  }

  /** The settings in effect in `namespace`: exemptions, strict, evaluation options (modes: see layers()). */
  for(namespace: string): ReadinessPolicySpec {
    const own = this.#own.get(namespace);
    if (!own) return this.#base;
    let merged = this.#merged.get(namespace);
    if (!merged) {
      merged = mergeSpecs(this.#base, own);
      this.#merged.set(namespace, merged);
    }
    return merged;
  }

  /** Namespaces with a policy of their own. */
  namespaces(): string[] {
    return [...this.#own.keys()].sort();
  }
}

/**
 * `over` merged onto `base`: an entry of over's check map replaces the base entries it covers
 * ("security.*" replaces "security.seccomp"); severities key by key; namespaces and exemptions
 * appended; podTemplates by group and kind; strict, trustedRegistries, kubernetesVersion replaced
 * when set.
 */
export function mergeSpecs(base: ReadinessPolicySpec, over: ReadinessPolicySpec): ReadinessPolicySpec {
  const list = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] | undefined =>
    a || b ? [...(a ?? []), ...(b ?? [])] : undefined;
  const templates = new Map<string, NonNullable<ReadinessPolicySpec["podTemplates"]>[number]>();
  for (const t of [...(base.podTemplates ?? []), ...(over.podTemplates ?? [])])
    templates.set(`${t.group}/${t.kind}`, t);
  const covered = (id: string): boolean => Object.keys(over.checks ?? {}).some((p) => globMatch(p, id));
  const kept = Object.entries(base.checks ?? {}).filter(([id]) => !covered(id));
  const checks = base.checks || over.checks ? { ...Object.fromEntries(kept), ...over.checks } : undefined;
  const severities = base.severities || over.severities ? { ...base.severities, ...over.severities } : undefined;
  const namespaces = list(base.namespaces, over.namespaces);
  const exemptions = list(base.exemptions, over.exemptions);
  const strict = over.strict ?? base.strict;
  const trustedRegistries = over.trustedRegistries ?? base.trustedRegistries;
  const kubernetesVersion = over.kubernetesVersion ?? base.kubernetesVersion;
  return {
    ...(checks ? { checks } : {}),
    ...(severities ? { severities } : {}),
    ...(namespaces ? { namespaces } : {}),
    ...(exemptions ? { exemptions } : {}),
    ...(strict !== undefined ? { strict } : {}),
    ...(trustedRegistries ? { trustedRegistries } : {}),
    ...(kubernetesVersion ? { kubernetesVersion } : {}),
    ...(templates.size > 0 ? { podTemplates: [...templates.values()] } : {}),
  };
}

/** The Sync gate's view: findings that hold the commit back, and those only reported. */
export interface GateFindings {
  readonly enforced: Decision[];
  readonly warned: Decision[];
}

/**
 * The Sync gate: evaluates rendered objects under the ReadinessPolicies (a PolicySet, or the
 * ReadinessPolicy objects as listed from the cluster — invalid entries in those are left out, see
 * policiesFrom) and splits the findings that count. `namespaceOf` gives the namespace each object
 * lands in ("" for cluster-scoped ones).
 */
export function gateFindings(
  objects: readonly RenderedObject[],
  policies: PolicySet | readonly PolicySource[] | readonly KubeObject[],
  namespaceOf: (object: KubeObject) => string,
  options: Omit<AssessOptions, "namespaceOf"> = {},
): GateFindings {
  const set = toPolicySet(policies);
  const decided = assess(objects, set, { ...options, namespaceOf });
  return {
    enforced: decided.filter((d) => d.mode === "enforce"),
    warned: decided.filter((d) => d.mode === "warn"),
  };
}

/** A PolicySet from ReadinessPolicy objects (read leniently, see policiesFrom) or PolicySources. */
export function toPolicySet(
  policies: PolicySet | readonly PolicySource[] | readonly KubeObject[],
  options: { systemNamespace?: string | undefined } = {},
): PolicySet {
  if (policies instanceof PolicySet) return policies;
  const objects = policies.filter((p): p is KubeObject => "metadata" in p);
  const sources = policies.filter((p): p is PolicySource => !("metadata" in p));
  return new PolicySet([...sources, ...policiesFrom(objects).policies], options);
}
