/**
 * Fingerprints: short stable hashes of a desired object and of a live
 * object's state, so a sync can tell what changed in Git and what changed in
 * the cluster without keeping (or fetching) whole objects.
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "../kube/types.ts";
import { normalize } from "./plan.ts";

/** JSON with object keys sorted, so the same content always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

// 96 bits: a collision between two versions of one object is not a practical concern.
const digest = (text: string): string => createHash("sha256").update(text).digest("base64url").slice(0, 16);

/**
 * The hash of a rendered object exactly as it would be applied (labels and namespace set). Plain
 * JSON, not canonical: a renderer gives the same text the same key order, and a reordering costs
 * one needless dry run at most, while this runs over every object of every sync.
 */
export function desiredHash(object: KubeObject): string {
  return digest(JSON.stringify(object));
}

/**
 * The hash of a live object's state: everything but status and the metadata the server bumps
 * (resourceVersion, generation, managedFields, uid, creationTimestamp). Equal hashes of the same
 * object at two times mean nobody changed what it holds in between.
 */
export function liveHash(object: KubeObject): string {
  return digest(canonical(normalize(object)));
}
