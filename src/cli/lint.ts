/** `kaika lint PATH|-`: the readiness checks over manifests, Kustomize or Helm, before anything reaches a cluster. */
import { readFileSync, statSync } from "node:fs";
import { parse } from "yaml";
import { renderFor } from "../controllers/render.ts";
import { checks, evaluate, type Finding, type Severity } from "../policy/index.ts";
import { RenderError } from "../render/errors.ts";
import { parseManifests } from "../render/parse.ts";
import { objectRef } from "../render/refs.ts";
import type { RenderedObject } from "../render/types.ts";
import { formatJunit, formatSarif, formatText, type LintFinding } from "./lint-format.ts";
import type { GlobalOptions } from "./main.ts";
import { UsageError } from "./output.ts";

/** Flags of `kaika lint`. */
export interface LintFlags {
  readonly renderer: "auto" | "plain" | "kustomize" | "helm" | "hierarchy";
  readonly policy?: string;
  readonly trustedRegistry?: string[];
  readonly strict?: boolean;
}

type Mode = "enforce" | "warn" | "off";

/** Set on an object to skip checks: `kaika.dev/skip-checks: "id,id"` with `kaika.dev/skip-reason`. */
export const skipChecksAnnotation = "kaika.dev/skip-checks";
export const skipReasonAnnotation = "kaika.dev/skip-reason";

// Without a policy: critical findings fail the lint, the rest are reported.
const defaultMode: Record<Severity, Mode> = { critical: "enforce", warning: "warn", info: "warn" };

/** A ReadinessPolicy file (or object): per-check modes, exemptions with reasons, strict mode. */
interface PolicyFile {
  spec?: {
    checks?: Record<string, Mode>;
    exemptions?: { check: string; object: string; reason?: string }[];
    strict?: boolean;
  };
}

function readPolicy(path: string | undefined): NonNullable<PolicyFile["spec"]> {
  if (!path) return {};
  const spec = (parse(readFileSync(path, "utf8")) as PolicyFile | null)?.spec ?? {};
  for (const [i, e] of (spec.exemptions ?? []).entries()) {
    if (!e.reason?.trim()) throw new UsageError(`${path}: spec.exemptions[${i}].reason is required`);
  }
  for (const [id, mode] of Object.entries(spec.checks ?? {})) {
    if (!checks.some((c) => c.id === id))
      throw new UsageError(`${path}: spec.checks.${id}: no such check (see docs/checks.md)`);
    if (!["enforce", "warn", "off"].includes(mode))
      throw new UsageError(`${path}: spec.checks.${id}: must be enforce, warn or off`);
  }
  return spec;
}

async function load(path: string, renderer: LintFlags["renderer"]): Promise<RenderedObject[]> {
  if (path === "-") {
    const parsed = parseManifests("<stdin>", readFileSync(0, "utf8"));
    return "objects" in parsed ? [...parsed.objects] : [];
  }
  if (statSync(path).isDirectory()) {
    return (await renderFor(path, { path: ".", renderer }, { name: "lint", namespace: "default" })).objects;
  }
  const parsed = parseManifests(path, readFileSync(path, "utf8"));
  return "objects" in parsed ? [...parsed.objects] : [];
}

/** Lints `path`; exit 0 clean, 1 enforced findings (2 for usage or parse errors comes from main). */
export async function lint(options: GlobalOptions, path: string, flags: LintFlags): Promise<void> {
  const policy = readPolicy(flags.policy);
  const strict = flags.strict === true || policy.strict === true;
  let objects: RenderedObject[];
  try {
    objects = await load(path, flags.renderer);
  } catch (error) {
    // Input that cannot be read or parsed is exit 2, not a finding.
    if (error instanceof RenderError || (error as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError((error as Error).message);
    throw error;
  }
  const byRef = new Map(objects.map((o) => [objectRef(o.object), o.object]));
  const severityOf = new Map(checks.map((c) => [c.id, c.severity]));
  const modeOf = (f: Finding): Mode => policy.checks?.[f.check] ?? defaultMode[severityOf.get(f.check) ?? "warning"];
  const skipped = (f: Finding): boolean => {
    if (strict) return false;
    if (policy.exemptions?.some((e) => e.check === f.check && e.object === f.object)) return true;
    const annotations = byRef.get(f.object)?.metadata.annotations ?? {};
    const listed = (annotations[skipChecksAnnotation] ?? "").split(",").map((s) => s.trim());
    // An opt-out without a reason does not count.
    return listed.includes(f.check) && Boolean(annotations[skipReasonAnnotation]?.trim());
  };
  const findings: LintFinding[] = evaluate(objects, {
    ...(flags.trustedRegistry?.length ? { trustedRegistries: flags.trustedRegistry } : {}),
  })
    .filter((f) => modeOf(f) !== "off" && !skipped(f))
    .map((f) => ({ ...f, enforced: modeOf(f) === "enforce" }));
  const refs = objects.map((o) => objectRef(o.object));
  const output = options.output as string | undefined;
  if (output === "json") console.log(JSON.stringify({ findings }, null, 2));
  else if (output === "sarif") console.log(formatSarif(findings, checks));
  else if (output === "junit") console.log(formatJunit(findings, refs));
  else console.log(formatText(findings, refs));
  if (findings.some((f) => f.enforced)) process.exitCode = 1;
}
