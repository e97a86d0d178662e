/** Reading loosely typed YAML (Sloth, OpenSLO) field by field, each failure naming the field. */
import { SloSpecError, type SpecLocation } from "./errors.ts";

/** A mapping being read, with the dotted path of its fields and how to locate one. */
export interface Fields {
  readonly value: Record<string, unknown>;
  /** Prefix of every field path, e.g. "spec.slos[0]." */
  readonly prefix: string;
  readonly at: (field: string) => SpecLocation;
  /** A required nested mapping. */
  object(key: string): Record<string, unknown>;
  /** A nested mapping, or undefined when absent. */
  optionalObject(key: string): Record<string, unknown> | undefined;
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Wraps `value` (fields under `prefix`). */
export function fields(value: Record<string, unknown>, prefix: string, at: (field: string) => SpecLocation): Fields {
  return {
    value,
    prefix,
    at,
    object(key) {
      const v = value[key];
      if (v === undefined || v === null) throw new SloSpecError(at(`${prefix}${key}`), "required");
      if (!isMapping(v)) throw new SloSpecError(at(`${prefix}${key}`), "must be a mapping");
      return v;
    },
    optionalObject(key) {
      const v = value[key];
      if (v === undefined || v === null) return undefined;
      if (!isMapping(v)) throw new SloSpecError(at(`${prefix}${key}`), "must be a mapping");
      return v;
    },
  };
}

/** A non-empty string. */
export function requiredText(f: Fields, key: string): string {
  const v = f.value[key];
  if (v === undefined || v === null || v === "") throw new SloSpecError(f.at(`${f.prefix}${key}`), "required");
  if (typeof v !== "string") throw new SloSpecError(f.at(`${f.prefix}${key}`), "must be a string");
  return v;
}

/** A string, or undefined when absent. */
export function optionalText(f: Fields, key: string): string | undefined {
  const v = f.value[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new SloSpecError(f.at(`${f.prefix}${key}`), "must be a string");
  return v;
}

/** A boolean, or undefined when absent. */
export function optionalBoolean(f: Fields, key: string): boolean | undefined {
  const v = f.value[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new SloSpecError(f.at(`${f.prefix}${key}`), "must be true or false");
  return v;
}

/** A map of strings (labels, annotations); numbers and booleans become strings, as Prometheus labels are. */
export function optionalStringMap(f: Fields, key: string): Record<string, string> | undefined {
  const v = f.value[key];
  if (v === undefined || v === null) return undefined;
  if (!isMapping(v)) throw new SloSpecError(f.at(`${f.prefix}${key}`), "must be a mapping of names to strings");
  const out: Record<string, string> = {};
  for (const [name, item] of Object.entries(v)) {
    if (typeof item === "string") out[name] = item;
    else if (typeof item === "number" || typeof item === "boolean") out[name] = String(item);
    else throw new SloSpecError(f.at(`${f.prefix}${key}.${name}`), "must be a string");
  }
  return out;
}
