/**
 * Reading ReadinessPolicies: from a YAML file for `kaika lint --policy` (strict: the first problem
 * is an error naming file, line and field) and from cluster objects (lenient: a bad entry is left
 * out and reported, so one typo never turns the webhook or the audit off).
 */

import { basename } from "node:path";
import { LineCounter, parseAllDocuments } from "yaml";
import type { ReadinessPolicySpec } from "../api/readiness-policy.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseKubernetesVersion } from "./api-versions.ts";
import { checks } from "./catalogue.ts";

/** A ReadinessPolicy as read from a file or the cluster. */
export interface PolicySource {
  readonly name: string;
  /** Unset, or the system namespace: the default for every namespace. Otherwise it governs its namespace only. */
  readonly namespace?: string | undefined;
  readonly spec: ReadinessPolicySpec;
}

/** One thing wrong in a policy. */
export interface PolicyProblem {
  /** Path from the document root: ["spec", "checks", "images.tag-mutable"]. */
  readonly path: readonly (string | number)[];
  /** "spec.checks.images.tag-mutable: must be enforce, warn or off". */
  readonly message: string;
}

/** A policy file that cannot be used; the message names the file, line and field. */
export class PolicyError extends Error {
  readonly code = "InvalidPolicy";
  readonly file: string;
  readonly line: number | undefined;
  /** "spec.checks.no.such-check", or "" for a YAML syntax error. */
  readonly field: string;
  constructor(file: string, line: number | undefined, field: string, message: string, options?: ErrorOptions) {
    super(`${file}${line ? `:${line}` : ""}: ${message}`, options);
    this.file = file;
    this.line = line;
    this.field = field;
  }
}

/** "spec.namespaces[0].checks.images.tag-mutable". */
export const fieldOf = (path: readonly (string | number)[]): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");

type Fields = Record<string, unknown>;
type Mode = "enforce" | "warn" | "off";

const modes: readonly string[] = ["enforce", "warn", "off"];
const severities: readonly string[] = ["critical", "warning", "info"];
const specKeys = new Set([
  "checks",
  "severities",
  "namespaces",
  "exemptions",
  "strict",
  "trustedRegistries",
  "kubernetesVersion",
  "podTemplates",
]);

const isRecord = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v);
const globs = new Map<string, RegExp>();
const literal = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");

/** Whether `value` matches `pattern`, where "*" stands for any run of characters. */
export function globMatch(pattern: string, value: string): boolean {
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split("*").map(literal).join(".*")}$`);
    globs.set(pattern, re);
  }
  return re.test(value);
}

/** Whether `id` names a check of the catalogue, or is a pattern ("security.*") that matches one. */
const knownCheck = (id: string): boolean => checks.some((c) => globMatch(id, c.id));

/** Collects problems and keeps what is valid. */
class Checker {
  readonly problems: PolicyProblem[] = [];

  problem(path: readonly (string | number)[], text: string): void {
    this.problems.push({ path, message: `${fieldOf(path)}${text}` });
  }

  modes(value: unknown, path: (string | number)[]): Record<string, Mode> | undefined {
    if (!isRecord(value)) return this.#notA(value, path, "a mapping of check id to enforce, warn or off");
    const out: Record<string, Mode> = {};
    for (const [id, mode] of Object.entries(value)) {
      if (!knownCheck(id)) this.problem([...path, id], ": no such check (see docs/checks.md)");
      else if (typeof mode !== "string" || !modes.includes(mode))
        this.problem([...path, id], `: must be enforce, warn or off (quote "off": YAML 1.1 reads it as false)`);
      else out[id] = mode as Mode;
    }
    return out;
  }

  severities(value: unknown, path: (string | number)[]): Partial<Record<"critical" | "warning" | "info", Mode>> {
    if (!isRecord(value)) return this.#notA(value, path, "a mapping of critical, warning, info to a mode") ?? {};
    const out: Partial<Record<"critical" | "warning" | "info", Mode>> = {};
    for (const [severity, mode] of Object.entries(value)) {
      if (!severities.includes(severity)) this.problem([...path, severity], ": must be critical, warning or info");
      else if (typeof mode !== "string" || !modes.includes(mode))
        this.problem([...path, severity], ": must be enforce, warn or off");
      else out[severity as "critical"] = mode as Mode;
    }
    return out;
  }

  strings(value: unknown, path: (string | number)[]): string[] | undefined {
    if (!Array.isArray(value)) return this.#notA(value, path, "a list of strings");
    const out: string[] = [];
    value.forEach((v, i) => {
      if (typeof v === "string" && v.trim() !== "") out.push(v);
      else this.problem([...path, i], ": must be a non-empty string");
    });
    return out;
  }

  list(value: unknown, path: (string | number)[]): [Fields, number][] {
    if (!Array.isArray(value)) return this.#notA(value, path, "a list") ?? [];
    return value.flatMap((v, i): [Fields, number][] => {
      if (isRecord(v)) return [[v, i]];
      this.problem([...path, i], ": must be a mapping");
      return [];
    });
  }

  string(value: unknown, path: (string | number)[]): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "string" && value !== "") return value;
    return this.#notA(value, path, "a non-empty string");
  }

  #notA<T>(value: unknown, path: (string | number)[], what: string): T | undefined {
    this.problem(path, `: must be ${what}, not ${JSON.stringify(value)}`);
    return undefined;
  }
}

type Override = NonNullable<ReadinessPolicySpec["namespaces"]>[number];
type Exemption = NonNullable<ReadinessPolicySpec["exemptions"]>[number];
type Selector = NonNullable<Override["selector"]>;

function selector(c: Checker, value: unknown, path: (string | number)[]): Selector | undefined {
  if (!isRecord(value)) {
    c.problem(path, ": must be a label selector (matchLabels, matchExpressions)");
    return undefined;
  }
  const labels = value.matchLabels;
  const matchLabels: Record<string, string> = {};
  if (labels !== undefined) {
    if (!isRecord(labels)) c.problem([...path, "matchLabels"], ": must be a mapping of label to value");
    else
      for (const [k, v] of Object.entries(labels)) {
        if (typeof v === "string") matchLabels[k] = v;
        else c.problem([...path, "matchLabels", k], ": must be a string (quote numbers and booleans)");
      }
  }
  const expressions = c.list(value.matchExpressions ?? [], [...path, "matchExpressions"]).flatMap(([e, i]) => {
    const operator = e.operator;
    if (typeof e.key !== "string" || !["In", "NotIn", "Exists", "DoesNotExist"].includes(String(operator))) {
      c.problem([...path, "matchExpressions", i], ": needs a key and operator In, NotIn, Exists or DoesNotExist");
      return [];
    }
    const values = e.values === undefined ? undefined : c.strings(e.values, [...path, "matchExpressions", i, "values"]);
    return [{ key: e.key, operator: operator as "In", ...(values ? { values } : {}) }];
  });
  return {
    ...(labels !== undefined ? { matchLabels } : {}),
    ...(value.matchExpressions !== undefined ? { matchExpressions: expressions } : {}),
  };
}

function override(c: Checker, o: Fields, path: (string | number)[]): Override | undefined {
  for (const key of Object.keys(o))
    if (!["names", "selector", "checks", "severities"].includes(key)) c.problem([...path, key], ": unknown field");
  if (o.names === undefined && o.selector === undefined) {
    c.problem(path, ": set names, selector or both (which namespaces this applies to)");
    return undefined;
  }
  const names = o.names === undefined ? undefined : c.strings(o.names, [...path, "names"]);
  const sel = o.selector === undefined ? undefined : selector(c, o.selector, [...path, "selector"]);
  if ((o.names !== undefined && !names) || (o.selector !== undefined && !sel)) return undefined;
  const checksMap = o.checks === undefined ? undefined : c.modes(o.checks, [...path, "checks"]);
  const severityMap = o.severities === undefined ? undefined : c.severities(o.severities, [...path, "severities"]);
  return {
    ...(names ? { names } : {}),
    ...(sel ? { selector: sel } : {}),
    ...(checksMap ? { checks: checksMap } : {}),
    ...(severityMap ? { severities: severityMap } : {}),
  };
}

function exemption(c: Checker, e: Fields, path: (string | number)[]): Exemption | undefined {
  const before = c.problems.length;
  for (const key of Object.keys(e))
    if (!["check", "object", "kind", "name", "namespace", "reason", "expires"].includes(key))
      c.problem([...path, key], ": unknown field");
  const check = c.string(e.check, [...path, "check"]);
  if (check === undefined && e.check === undefined)
    c.problem([...path, "check"], " is required: a check id or pattern");
  else if (check !== undefined && !knownCheck(check))
    c.problem([...path, "check"], `: no such check "${check}" (see docs/checks.md)`);
  if (e.object === undefined && e.name === undefined)
    c.problem(path, ": set object (Kind/namespace/name) or name: an exemption names the objects it covers");
  const object = c.string(e.object, [...path, "object"]);
  const kind = c.string(e.kind, [...path, "kind"]);
  const name = c.string(e.name, [...path, "name"]);
  const namespace = c.string(e.namespace, [...path, "namespace"]);
  if (typeof e.reason !== "string" || e.reason.trim() === "")
    c.problem([...path, "reason"], " is required: say why skipping the check is safe");
  const expires = c.string(e.expires, [...path, "expires"]);
  if (expires !== undefined && !isExpiry(expires))
    c.problem([...path, "expires"], `: "${expires}" is not a date (2026-12-31) or an RFC 3339 time`);
  if (c.problems.length > before || check === undefined) return undefined;
  return {
    check,
    ...(object ? { object } : {}),
    ...(kind ? { kind } : {}),
    ...(name ? { name } : {}),
    ...(namespace ? { namespace } : {}),
    reason: String(e.reason),
    ...(expires ? { expires } : {}),
  };
}

/** A date, or a date and time with a zone, that Date.parse reads too (no month 13). */
function isExpiry(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(s) && !Number.isNaN(Date.parse(s));
}

/**
 * Checks a ReadinessPolicy spec: unknown fields and check ids, modes, exemptions without object or
 * reason, selectors, the Kubernetes version. Returns the spec with every invalid entry left out,
 * and the problems (empty when the spec is valid). Never throws.
 */
export function checkSpec(
  value: unknown,
  path: readonly (string | number)[] = ["spec"],
): {
  spec: ReadinessPolicySpec;
  problems: PolicyProblem[];
} {
  const c = new Checker();
  const at = (...more: (string | number)[]): (string | number)[] => [...path, ...more];
  if (value === undefined || value === null) return { spec: {}, problems: [] };
  if (!isRecord(value)) {
    c.problem([...path], ": must be a mapping");
    return { spec: {}, problems: c.problems };
  }
  for (const key of Object.keys(value)) if (!specKeys.has(key)) c.problem(at(key), ": unknown field");
  const out: { -readonly [K in keyof ReadinessPolicySpec]: ReadinessPolicySpec[K] } = {};
  if (value.checks !== undefined) {
    const m = c.modes(value.checks, at("checks"));
    if (m) out.checks = m;
  }
  if (value.severities !== undefined) out.severities = c.severities(value.severities, at("severities"));
  if (value.namespaces !== undefined)
    out.namespaces = c
      .list(value.namespaces, at("namespaces"))
      .flatMap(([o, i]) => override(c, o, at("namespaces", i)) ?? []);
  if (value.exemptions !== undefined)
    out.exemptions = c
      .list(value.exemptions, at("exemptions"))
      .flatMap(([e, i]) => exemption(c, e, at("exemptions", i)) ?? []);
  if (value.strict !== undefined) {
    if (typeof value.strict === "boolean") out.strict = value.strict;
    else c.problem(at("strict"), ": must be true or false");
  }
  if (value.trustedRegistries !== undefined) {
    const registries = c.strings(value.trustedRegistries, at("trustedRegistries"));
    if (registries) out.trustedRegistries = registries;
  }
  if (value.kubernetesVersion !== undefined) {
    const v = value.kubernetesVersion;
    if (typeof v !== "string") c.problem(at("kubernetesVersion"), `: must be a quoted string such as "1.30", not ${v}`);
    else if (!parseKubernetesVersion(v)) c.problem(at("kubernetesVersion"), `: "${v}" is not MAJOR.MINOR such as 1.30`);
    else out.kubernetesVersion = v;
  }
  if (value.podTemplates !== undefined)
    out.podTemplates = c.list(value.podTemplates, at("podTemplates")).flatMap(([t, i]) => {
      if (
        typeof t.group !== "string" ||
        typeof t.kind !== "string" ||
        !t.kind ||
        typeof t.path !== "string" ||
        !t.path
      ) {
        c.problem(at("podTemplates", i), ': needs group (may be ""), kind and path ("spec.template")');
        return [];
      }
      return [{ group: t.group, kind: t.kind, path: t.path }];
    });
  return { spec: out, problems: c.problems };
}

/**
 * Reads a policy file: one or more YAML documents, each a ReadinessPolicy (apiVersion
 * kaika.dev/v1alpha1) as kubectl would apply it. A document without metadata.namespace is the
 * default policy; with one, it governs that namespace. Throws PolicyError naming the file, line
 * and field of the first problem.
 */
export function parsePolicy(text: string, file: string): PolicySource[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  if (!Array.isArray(docs)) return [];
  const out: PolicySource[] = [];
  for (const [n, doc] of docs.entries()) {
    const syntax = doc.errors[0];
    if (syntax) {
      const line = lines.linePos(syntax.pos[0]).line;
      throw new PolicyError(file, line, "", `not valid YAML: ${syntax.message.split("\n")[0]}`, { cause: syntax });
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const lineOf = (path: readonly (string | number)[]): number | undefined => {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number] } | undefined;
        if (node?.range) return lines.linePos(node.range[0]).line;
      }
      return undefined;
    };
    if (!isRecord(value)) throw new PolicyError(file, lineOf([]), "", `document ${n + 1} is not a mapping`);
    if (value.kind !== undefined && value.kind !== "ReadinessPolicy")
      throw new PolicyError(
        file,
        lineOf(["kind"]),
        "kind",
        `kind: expected ReadinessPolicy, got ${String(value.kind)}`,
      );
    const { spec, problems } = checkSpec(value.spec);
    const first = problems[0];
    if (first) throw new PolicyError(file, lineOf(first.path), fieldOf(first.path), first.message);
    const metadata = isRecord(value.metadata) ? value.metadata : {};
    out.push({
      name: typeof metadata.name === "string" ? metadata.name : `${basename(file)}#${n + 1}`,
      ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}),
      spec,
    });
  }
  return out;
}

/**
 * ReadinessPolicy objects from the cluster as PolicySources, leniently: entries that are invalid
 * (an unknown check id from a newer kaika, an exemption without reason) are left out — an
 * exemption left out makes the policy stricter, never laxer. The problems per "namespace/name"
 * go into the policy's status.
 */
export function policiesFrom(objects: readonly KubeObject[]): {
  policies: PolicySource[];
  problems: Map<string, PolicyProblem[]>;
} {
  const problems = new Map<string, PolicyProblem[]>();
  const policies = objects.map((o) => {
    const checked = checkSpec(o.spec);
    const name = o.metadata.name ?? "";
    if (checked.problems.length > 0) problems.set(`${o.metadata.namespace ?? ""}/${name}`, checked.problems);
    return { name, namespace: o.metadata.namespace, spec: checked.spec };
  });
  return { policies, problems };
}
