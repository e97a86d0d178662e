/** evaluate(): runs the catalogue over rendered objects and returns placed, sorted findings. */

import type { RenderedObject } from "../render/types.ts";
import { checks } from "./catalogue.ts";
import { objectRef } from "./objects.ts";
import type { CheckContext, Finding } from "./types.ts";

export { podSpecOf } from "./objects.ts";

/** Options of evaluate(). */
export interface EvaluateOptions {
  /** Registries images may come from (host or host/path prefix); default: any, and images.registry-untrusted is silent. */
  readonly trustedRegistries?: readonly string[] | undefined;
  /** Runs only the checks whose id it accepts; default: all. */
  readonly only?: ((checkId: string) => boolean) | undefined;
}

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Runs every check of the catalogue (or those `only` accepts) that applies to each object's kind,
 * with the whole input as context. Findings carry the object's file and line and are sorted by
 * file, line, check id, then field and message, so the output is deterministic. Pure: no I/O,
 * objects are not modified.
 */
export function evaluate(objects: readonly RenderedObject[], options: EvaluateOptions = {}): Finding[] {
  const context: CheckContext = {
    objects: objects.map((r) => r.object),
    ...(options.trustedRegistries ? { trustedRegistries: options.trustedRegistries } : {}),
  };
  const active = checks.filter((c) => options.only?.(c.id) ?? true);
  const findings: Finding[] = [];
  for (const { object, source } of objects) {
    for (const check of active) {
      if (!check.kinds.includes("*") && !check.kinds.includes(object.kind)) continue;
      for (const v of check.run(object, context)) {
        findings.push({
          check: check.id,
          severity: check.severity,
          object: objectRef(object),
          file: source.file,
          line: source.line,
          field: v.field,
          message: v.message,
          fix: check.fix,
        });
      }
    }
  }
  return findings.sort(
    (a, b) =>
      compare(a.file ?? "", b.file ?? "") ||
      compare(a.line ?? 0, b.line ?? 0) ||
      compare(a.check, b.check) ||
      compare(a.field, b.field) ||
      compare(a.message, b.message),
  );
}
