/** `kaika lint PATH|-`: the readiness checks over manifests, Kustomize or Helm, before anything reaches a cluster. */
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { renderFor } from "../controllers/render.ts";
import { checks, parseKubernetesVersion, score } from "../policy/index.ts";
import { assess, PolicyError, PolicySet, parsePolicy } from "../policy/readiness-policy.ts";
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
  readonly kubernetesVersion?: string;
}

/** The ReadinessPolicy file's documents (none: the defaults); a bad file is a usage error (exit 2). */
function readPolicy(path: string | undefined): PolicySet {
  if (!path) return new PolicySet();
  try {
    return new PolicySet(parsePolicy(readFileSync(path, "utf8"), path));
  } catch (error) {
    if (error instanceof PolicyError || (error as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError((error as Error).message);
    throw error;
  }
}

/** The top of the git work tree holding `dir`, or undefined outside one (or without git). */
function gitTopLevel(dir: string): string | undefined {
  try {
    return execFileSync("git", ["-C", dir, "rev-parse", "--show-toplevel"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

async function load(path: string, renderer: LintFlags["renderer"]): Promise<RenderedObject[]> {
  if (path === "-") {
    const parsed = parseManifests("<stdin>", readFileSync(0, "utf8"));
    return "objects" in parsed ? [...parsed.objects] : [];
  }
  if (statSync(path).isDirectory()) {
    // As a Sync renders it: from the repository's root, so an overlay may reach ../../base.
    const root = gitTopLevel(path) ?? resolve(path);
    const inside = relative(root, resolve(path)) || ".";
    const { objects } = await renderFor(
      root,
      { path: inside, renderer },
      // Offline: a NamespaceSelector in mode: dynamic sees only the namespaces the repo declares.
      { name: "lint", namespace: "default", liveNamespaces: async () => new Map() },
    );
    // Files named relative to the folder given, as before (a base outside it reads ../../base/x.yaml).
    return objects.map((o) => ({ ...o, source: { ...o.source, file: relative(inside, o.source.file) } }));
  }
  const parsed = parseManifests(path, readFileSync(path, "utf8"));
  return "objects" in parsed ? [...parsed.objects] : [];
}

/** Lints `path`; exit 0 clean, 1 enforced findings (2 for usage or parse errors comes from main). */
export async function lint(options: GlobalOptions, path: string, flags: LintFlags): Promise<void> {
  const policy = readPolicy(flags.policy);
  if (flags.kubernetesVersion !== undefined && !parseKubernetesVersion(flags.kubernetesVersion))
    throw new UsageError(`--kubernetes-version "${flags.kubernetesVersion}": expected MAJOR.MINOR such as 1.30`);
  let objects: RenderedObject[];
  try {
    objects = await load(path, flags.renderer);
  } catch (error) {
    // Input that cannot be read or parsed is exit 2, not a finding.
    if (error instanceof RenderError || (error as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError((error as Error).message);
    throw error;
  }
  const findings: LintFinding[] = assess(objects, policy, {
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(flags.strict ? { strict: true } : {}),
    ...(flags.trustedRegistry?.length ? { trustedRegistries: flags.trustedRegistry } : {}),
    ...(flags.kubernetesVersion ? { kubernetesVersion: flags.kubernetesVersion } : {}),
  })
    .filter((d) => d.mode !== "off")
    .map(({ namespace: _n, waived: _w, ...f }) => ({ ...f, enforced: f.mode === "enforce" }));
  const refs = objects.map((o) => objectRef(o.object));
  const scores = score(findings, refs);
  const output = options.output as string | undefined;
  if (output === "json") console.log(JSON.stringify({ findings, scores }, null, 2));
  else if (output === "sarif") console.log(formatSarif(findings, checks, scores));
  else if (output === "junit") console.log(formatJunit(findings, refs, scores));
  else console.log(formatText(findings, refs, scores));
  if (findings.some((f) => f.enforced)) process.exitCode = 1;
}
