/** evaluate(): runs the catalogue over rendered objects and returns placed, sorted findings. */

import type { RenderedObject } from "../render/types.ts";
import { defaultKubernetesVersion, parseKubernetesVersion } from "./api-versions.ts";
import { checks } from "./catalogue.ts";
import { kindsOf, objectRef } from "./objects.ts";
import type { Check, CheckContext, Finding, PodTemplatePath } from "./types.ts";

export { podSpecOf } from "./objects.ts";

/** Options of evaluate(). */
export interface EvaluateOptions {
  /** Registries images may come from (host or host/path prefix); default: any, and images.registry-untrusted is silent. */
  readonly trustedRegistries?: readonly string[] | undefined;
  /** Runs only the checks whose id it accepts; default: all. */
  readonly only?: ((checkId: string) => boolean) | undefined;
  /** Kubernetes version the objects are applied to: "1.29", "v1.29.3"; default defaultKubernetesVersion ("1.37"). */
  readonly kubernetesVersion?: string | undefined;
  /** Custom resources that embed a pod template, added to builtinPodTemplates (an entry for the same group and kind replaces the path). */
  readonly podTemplates?: readonly PodTemplatePath[] | undefined;
}

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Runs every check of the catalogue (or those `only` accepts) that applies to each object's kind,
 * with the whole input as context. Findings carry the object's file and line and are sorted by
 * file, line, check id, then field and message, so the output is deterministic. Pure: no I/O,
 * objects are not modified. Throws on a kubernetesVersion that is not MAJOR.MINOR[.PATCH].
 */
export function evaluate(objects: readonly RenderedObject[], options: EvaluateOptions = {}): Finding[] {
  const kubernetesVersion = options.kubernetesVersion ?? defaultKubernetesVersion;
  if (!parseKubernetesVersion(kubernetesVersion)) {
    throw new Error(`kubernetesVersion "${kubernetesVersion}": expected MAJOR.MINOR such as 1.29 or v1.29.3`);
  }
  const context: CheckContext = {
    objects: objects.map((r) => r.object),
    kubernetesVersion,
    ...(options.trustedRegistries ? { trustedRegistries: options.trustedRegistries } : {}),
    ...(options.podTemplates ? { podTemplates: options.podTemplates } : {}),
  };
  const active = checks.filter((c) => options.only?.(c.id) ?? true);
  // The checks that apply to one set of kind names and tokens, computed once per set.
  const applicable = new Map<string, readonly Check[]>();
  const checksFor = (kinds: readonly string[]): readonly Check[] => {
    const key = kinds.join("\u0000");
    let found = applicable.get(key);
    if (!found) {
      found = active.filter((c) => c.kinds.includes("*") || kinds.some((k) => c.kinds.includes(k)));
      applicable.set(key, found);
    }
    return found;
  };
  const findings: Finding[] = [];
  for (const { object, source } of objects) {
    const ref = objectRef(object);
    for (const check of checksFor(kindsOf(object, context))) {
      for (const v of check.run(object, context)) {
        findings.push({
          check: check.id,
          severity: check.severity,
          object: ref,
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
