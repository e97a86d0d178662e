/** The Helm renderer: `helm template` on a chart in the repository, with values files from the repository only. */
import type { Dirent } from "node:fs";
import { mkdtemp, readdir, realpath, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, normalize, sep } from "node:path";
import { assertNoDuplicates } from "./duplicates.ts";
import { RenderError } from "./errors.ts";
import { baseEnv, defaultRenderTimeoutMs, isInside, relativePosix, resolveUnder, runTool } from "./exec.ts";
import { parseManifests, SkipReason } from "./parse.ts";
import type { IgnoredFile, RenderedObject, RenderOptions, RenderResult } from "./types.ts";
import { resolveInside } from "./walk.ts";

/** Options of the Helm renderer. */
export interface HelmOptions extends RenderOptions {
  /** The release name (`.Release.Name`): lower-case DNS-1123, at most 53 characters. */
  readonly releaseName: string;
  /** `.Release.Namespace`. Default: `defaultNamespace`, else "default". */
  readonly namespace?: string | undefined;
  /** Values files, paths relative to the render root (a leading "/" is the root); applied in order. */
  readonly valuesFiles?: readonly string[] | undefined;
  /** Values applied last, over the values files. */
  readonly values?: Record<string, unknown> | undefined;
  /** `.Capabilities.KubeVersion`, e.g. "v1.37.0". Default: the version helm was built against. */
  readonly kubeVersion?: string | undefined;
  /** The helm (v3) binary. Default: `helm` on PATH; the local fleet builds one (Binaries.helm). */
  readonly helm?: string | undefined;
  /** Default: defaultRenderTimeoutMs (60 s). */
  readonly timeoutMs?: number | undefined;
}

// helm's own rules; checked here too so no value can be read as a flag.
const releaseNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const namespacePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const sourceComment = /^# Source: (.+)$/;

/**
 * Renders the chart in `root/path` with `helm template` (CRDs from `crds/` included, test
 * hooks left out, other hooks kept): no repositories, no network, dependencies only when
 * vendored under `charts/`, no user helm configuration or kubeconfig. Each object's source
 * is its template (`<path>/templates/x.yaml`, from helm's `# Source:` comments), line 1.
 * Throws RenderError: NotFound (no Chart.yaml, a missing values file), PathOutsideRoot (a
 * values file, or a symlink in the chart, leading outside the root), InvalidManifest (a bad
 * release name or namespace, or helm failed: its message), ParseError, FileTooLarge,
 * ReadError (helm missing, timeout), DuplicateObject.
 */
export async function renderHelm(root: string, path: string, options: HelmOptions): Promise<RenderResult> {
  const resolved = await resolveInside(root, path);
  const chartDir = await realpath(resolved.dir);
  const chartPath = relativePosix(resolved.root, resolved.dir);
  const prefix = chartPath === "." ? "" : `${chartPath}/`;
  const chartFile = `${prefix}Chart.yaml`;
  if (!(await stat(join(chartDir, "Chart.yaml")).catch(() => undefined))?.isFile()) {
    throw new RenderError("NotFound", { file: chartFile }, "no Chart.yaml: not a Helm chart");
  }
  const namespace = options.namespace ?? options.defaultNamespace ?? "default";
  checkName(chartFile, "releaseName", options.releaseName, releaseNamePattern, 53);
  checkName(chartFile, "namespace", namespace, namespacePattern, 63);
  await assertLinksInside(resolved.root, chartDir, chartPath);
  const valuesFiles = await Promise.all((options.valuesFiles ?? []).map((f) => valuesFile(resolved.root, f)));
  const home = await mkdtemp(join(tmpdir(), "kaika-helm-"));
  let output: string;
  try {
    const args = ["template", `--namespace=${namespace}`, "--include-crds", "--skip-tests"];
    for (const file of valuesFiles) args.push(`--values=${file}`);
    if (options.values !== undefined) {
      const inline = join(home, "values.json");
      await writeFile(inline, JSON.stringify(options.values));
      args.push(`--values=${inline}`);
    }
    if (options.kubeVersion !== undefined) args.push(`--kube-version=${options.kubeVersion}`);
    args.push("--", options.releaseName, chartDir);
    output = await runTool(options.helm ?? "helm", args, {
      cwd: chartDir,
      env: baseEnv(home, {
        HELM_CACHE_HOME: join(home, "cache"),
        HELM_CONFIG_HOME: join(home, "config"),
        HELM_DATA_HOME: join(home, "data"),
        KUBECONFIG: join(home, "kubeconfig"),
      }),
      timeoutMs: options.timeoutMs ?? defaultRenderTimeoutMs,
      file: chartFile,
      root: resolved.root,
    }).catch((error: unknown) => {
      throw error instanceof RenderError && error.code === "InvalidManifest" ? atTemplate(error, prefix) : error;
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  const { objects, ignored } = parseTemplateOutput(output, prefix, chartFile);
  assertNoDuplicates(objects, namespace);
  return { objects, ignored };
}

// helm names the template: `template: <chart>/templates/x.yaml:3:12: ...` or `parse error on <chart>/templates/x.yaml`.
const templateError =
  /(?:template: |error on |error in )(?:[\w.-]+)\/((?:templates|crds|charts)\/[^\s:]+)(?::(\d+)(?::(\d+))?)?/;

/** Moves a helm failure from Chart.yaml to the template its message names, when it names one. */
function atTemplate(error: RenderError, prefix: string): RenderError {
  const found = templateError.exec(error.message);
  if (!found?.[1]) return error;
  const line = found[2] === undefined ? undefined : Number(found[2]);
  const column = found[3] === undefined ? undefined : Number(found[3]);
  const message = error.message.slice(error.message.indexOf(": ") + 2);
  return new RenderError("InvalidManifest", { file: `${prefix}${found[1]}`, line, column, cause: error }, message);
}

function checkName(file: string, field: string, value: string, pattern: RegExp, max: number): void {
  if (value.length > max || !pattern.test(value)) {
    throw new RenderError(
      "InvalidManifest",
      { file, field },
      `${field} "${value}" must be lower-case letters, digits and "-", at most ${max} characters`,
    );
  }
}

/** The real path of a values file, which must be a file inside the root. */
async function valuesFile(root: string, file: string): Promise<string> {
  const shown = file.split(sep).join("/");
  const rel = normalize(`./${file}`);
  const target = await resolveUnder(root, root, rel);
  if (!target.ok) throw new RenderError("PathOutsideRoot", { file: shown }, `values file ${target.reason}`);
  const info = target.exists ? await stat(target.real) : undefined;
  if (!info?.isFile()) throw new RenderError("NotFound", { file: shown }, "no such values file");
  return target.real;
}

/** Refuses a symlink anywhere in the chart that leads outside the root: helm follows them all. */
async function assertLinksInside(root: string, dir: string, shown: string, seen = new Set<string>()): Promise<void> {
  seen.add(dir);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new RenderError("ReadError", { file: shown, cause: error }, String(error));
  }
  for (const entry of entries) {
    const rel = shown === "." ? entry.name : `${shown}/${entry.name}`;
    let real = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      const target = await realpath(real).catch(() => undefined);
      if (target === undefined) continue; // helm reports a broken link it needs.
      if (!isInside(target, root)) {
        throw new RenderError("PathOutsideRoot", { file: rel }, "symlink leads outside the render root");
      }
      real = target;
    }
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(real)).isDirectory());
    if (isDir && !seen.has(real)) await assertLinksInside(root, real, rel, seen);
  }
}

/**
 * Splits `helm template` output at its `# Source: <chart>/<file>` comments and parses each
 * part, placing its objects at `<prefix><file>` line 1 (the chart name is dropped, so
 * subcharts read `charts/<sub>/templates/...`). Text before the first comment is the chart's.
 */
function parseTemplateOutput(output: string, prefix: string, chartFile: string): RenderResult {
  const parts: { file: string; lines: string[] }[] = [{ file: chartFile, lines: [] }];
  for (const line of output.split("\n")) {
    const source = sourceComment.exec(line);
    if (source?.[1]) {
      const inChart = source[1].split("/").slice(1).join("/");
      parts.push({ file: `${prefix}${inChart}`, lines: [] });
    }
    parts[parts.length - 1]?.lines.push(line);
  }
  const objects: RenderedObject[] = [];
  const ignored: IgnoredFile[] = [];
  for (const part of parts) {
    const parsed = parseManifests(part.file, part.lines.join("\n"));
    for (const { object } of parsed.objects) objects.push({ object, source: { file: part.file, line: 1 } });
    ignored.push(...parsed.ignored.filter((i) => i.reason !== SkipReason.Empty));
  }
  ignored.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { objects, ignored };
}
