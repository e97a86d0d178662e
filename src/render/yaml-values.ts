/** YAML nodes to plain JSON values: aliases and merge keys expanded (bounded), string keys, no shared objects. */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Pair } from "yaml";

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A key path inside a document. */
export type ValuePath = (string | number)[];

/** Bounds on what aliases may expand to. */
export interface ExpansionLimits {
  /** Alias expansions in the fully expanded document, nested ones included ("billion laughs"). */
  readonly maxAliasExpansions: number;
  /** Values (scalars and collections) in the fully expanded document (one huge anchor used often). */
  readonly maxValues: number;
}

/** The document's value, and the first thing in it that is not JSON (replaced by null there). */
export interface Conversion {
  readonly value: JsonValue;
  readonly problem: { readonly path: ValuePath; readonly offset: number; readonly message: string } | undefined;
}

/** The document cannot be expanded at all: an unknown anchor, a bad merge, or over a limit. */
export class YamlValueError extends Error {
  override readonly name = "YamlValueError";
  /** Offset in the text of the node at fault. */
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.offset = offset;
  }
}

interface Anchor {
  readonly value: JsonValue;
  readonly values: number;
  readonly expansions: number;
}

const isObject = (v: JsonValue): v is { [key: string]: JsonValue } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Converts a parsed document to plain JSON in one pass over its nodes. An alias becomes a
 * fresh copy of its anchor's value, so no two places share an object; merge keys (`<<`)
 * add the keys a mapping does not have, earlier sources first. Keys become strings as
 * sigs.k8s.io/yaml makes them (`1` → "1", `true` → "true", `null` → "null"). Collection
 * keys, non-finite numbers, binary data and timestamps are reported as `problem`: only a
 * manifest must be JSON, so the caller decides. Throws YamlValueError for an alias to an
 * unknown (or enclosing) anchor, a merge of a non-mapping, or a limit exceeded.
 */
export function yamlToJson(doc: Document.Parsed, limits: ExpansionLimits): Conversion {
  const anchors = new Map<string, Anchor>();
  let values = 0;
  let expansions = 0;
  let problem: Conversion["problem"];
  const path: ValuePath = [];
  const fail = (offset: number, message: string): null => {
    problem ??= { path: [...path], offset, message };
    return null;
  };
  const count = (n: number, offset: number): void => {
    values += n;
    if (values > limits.maxValues) {
      throw new YamlValueError(offset, `the document expands to more than ${limits.maxValues} values through aliases`);
    }
  };

  const convert = (node: unknown, offset: number): JsonValue => {
    if (node === null || node === undefined) {
      count(1, offset);
      return null;
    }
    const at = (node as { range?: [number, number, number] | null }).range?.[0] ?? offset;
    if (isAlias(node)) {
      const anchor = anchors.get(node.source);
      if (!anchor) throw new YamlValueError(at, `alias *${node.source} has no anchor &${node.source} before it`);
      expansions += 1 + anchor.expansions;
      if (expansions > limits.maxAliasExpansions) {
        throw new YamlValueError(
          at,
          `more than ${limits.maxAliasExpansions} alias expansions (a "billion laughs" document?)`,
        );
      }
      count(anchor.values, at);
      return clone(anchor.value);
    }
    const before = { values, expansions };
    const value = convertNode(node, at);
    const name = (node as { anchor?: string }).anchor;
    if (name) anchors.set(name, { value, values: values - before.values, expansions: expansions - before.expansions });
    return value;
  };

  const convertNode = (node: unknown, at: number): JsonValue => {
    count(1, at);
    if (isScalar(node)) return scalar(node.value, at);
    if (isSeq(node)) {
      const out: JsonValue[] = [];
      for (const item of node.items) {
        path.push(out.length);
        // !!omap and !!pairs (YAML 1.1) hold pairs: each becomes a one-key mapping.
        out.push(isPair(item) ? pairsToObject([item], at) : convert(item, at));
        path.pop();
      }
      return out;
    }
    if (isMap(node)) return pairsToObject(node.items, at);
    return fail(at, "not a YAML value");
  };

  const pairsToObject = (pairs: readonly Pair[], at: number): JsonValue => {
    const out: { [key: string]: JsonValue } = {};
    for (const pair of pairs) {
      const keyAt = (pair.key as { range?: [number, number, number] | null } | null)?.range?.[0] ?? at;
      if (isScalar(pair.key) && typeof pair.key.value === "symbol") {
        merge(out, convert(pair.value, keyAt), keyAt);
        continue;
      }
      const key = keyString(
        isAlias(pair.key) ? convert(pair.key, keyAt) : isScalar(pair.key) ? pair.key.value : pair.key,
      );
      if (key === undefined) {
        fail(keyAt, "a mapping key must be a string, number, boolean or null");
        continue;
      }
      path.push(key);
      setOwn(out, key, convert(pair.value, keyAt));
      path.pop();
    }
    return out;
  };

  const merge = (into: { [key: string]: JsonValue }, source: JsonValue, at: number): void => {
    for (const item of Array.isArray(source) ? source : [source]) {
      if (!isObject(item)) throw new YamlValueError(at, "a merge key (<<) takes a mapping or a list of mappings");
      for (const [key, value] of Object.entries(item)) {
        if (!Object.hasOwn(into, key)) setOwn(into, key, value);
      }
    }
  };

  const scalar = (value: unknown, at: number): JsonValue => {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "number":
        return Number.isFinite(value) ? value : fail(at, `${value} is not a JSON number`);
      case "bigint":
        return fail(at, "the integer is out of range");
      case "undefined":
        return null;
    }
    if (value === null) return null;
    return fail(at, `a ${(value as object).constructor?.name ?? "non-JSON"} value is not JSON (quote it)`);
  };

  const value = convert(doc.contents, doc.range[0]);
  return { value, problem };
}

/** A deep copy of a JSON value (faster than structuredClone for these). */
function clone(value: JsonValue): JsonValue {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(clone);
  const out: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) setOwn(out, key, clone(value[key] as JsonValue));
  return out;
}

/** Sets `object[key]`; "__proto__" becomes an own property, as JSON.parse makes it, not the prototype. */
function setOwn(object: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === "__proto__")
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function keyString(key: unknown): string | undefined {
  if (typeof key === "string") return key;
  if (key === null || key === undefined) return "null";
  if (typeof key === "number" || typeof key === "boolean" || typeof key === "bigint") return String(key);
  return undefined;
}
