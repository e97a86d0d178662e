/** The Kustomize renderer: `kubectl kustomize` on a folder, after refusing remote and escaping references. */
import { mkdtemp, readFile, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { gvk, type KubeObject } from "../kube/types.ts";
import { assertNoDuplicates } from "./duplicates.ts";
import { RenderError } from "./errors.ts";
import { baseEnv, defaultRenderTimeoutMs, relativePosix, resolveUnder, runTool } from "./exec.ts";
import { parseManifests } from "./parse.ts";
import type { RenderedObject, RenderOptions, RenderResult, SourceLocation } from "./types.ts";
import { resolveInside } from "./walk.ts";

/** The names kustomize looks for in a folder, in its order. */
export const kustomizationFileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

/** Options of the Kustomize renderer. */
export interface KustomizeOptions extends RenderOptions {
  /** Let resources, components and bases be URLs (git or HTTP), fetched by kustomize. Default: false. */
  readonly allowRemoteBases?: boolean | undefined;
  /** The kubectl to run. Default: `kubectl` on PATH. */
  readonly kubectl?: string | undefined;
  /** Default: defaultRenderTimeoutMs (60 s). */
  readonly timeoutMs?: number | undefined;
}

/**
 * Renders the kustomization in `root/path` with `kubectl kustomize`, root-only load
 * restrictions, no plugins, exec functions or Helm, and no kubeconfig or user environment.
 * Before running it reads the kustomization and, recursively, the local ones it names, and
 * refuses (RenderError PathOutsideRoot, at the kustomization file and line, `field` naming
 * the entry) a reference that is a URL unless `allowRemoteBases`, or that leads outside the
 * root (also through symlinks). Each object's source is the resource file it was matched to
 * (by group, kind and name, allowing prefixes and suffixes), else the kustomization, line 1.
 * Throws RenderError: NotFound (no kustomization), ParseError (an unreadable kustomization),
 * InvalidManifest (kustomize failed: its message), FileTooLarge, ReadError (kubectl missing,
 * timeout), DuplicateObject.
 */
export async function renderKustomize(root: string, path = ".", options: KustomizeOptions = {}): Promise<RenderResult> {
  const resolved = await resolveInside(root, path);
  const dir = await realpath(resolved.dir);
  const name = await findKustomization(dir);
  const shownDir = relativePosix(resolved.root, resolved.dir);
  if (name === undefined) {
    throw new RenderError("NotFound", { file: shownDir }, `no ${kustomizationFileNames.join(", ")} in this folder`);
  }
  const file = shownDir === "." ? name : `${shownDir}/${name}`;
  const resourceFiles = new Set<string>();
  await checkKustomization(resolved.root, dir, options.allowRemoteBases ?? false, new Set(), resourceFiles);
  const home = await mkdtemp(join(tmpdir(), "kaika-kustomize-"));
  let output: string;
  try {
    const args = ["kustomize", dir, "--load-restrictor=LoadRestrictionsRootOnly"];
    output = await runTool(options.kubectl ?? "kubectl", args, {
      cwd: dir,
      env: baseEnv(home, { GIT_TERMINAL_PROMPT: "0" }),
      timeoutMs: options.timeoutMs ?? defaultRenderTimeoutMs,
      file,
      root: resolved.root,
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  const origins = await readOrigins(resolved.root, [...resourceFiles]);
  const objects: RenderedObject[] = parseManifests(file, output).objects.map(({ object }) => ({
    object,
    source: matchOrigin(object, origins) ?? { file, line: 1 },
  }));
  assertNoDuplicates(objects, options.defaultNamespace);
  return { objects, ignored: [] };
}

/** The kustomization file name in `dir` (kustomize's order), or undefined. */
export async function findKustomization(dir: string): Promise<string | undefined> {
  for (const name of kustomizationFileNames) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) return name;
  }
  return undefined;
}

// URLs and the git forms kustomize clones: scheme://, git::, gh:, scp-like user@host:, bare hosts, ?ref=.
const remoteForms = [
  /^[a-z][a-z0-9+.-]*:\/\//i,
  /^(?:git::|gh:)/i,
  /^[\w.-]+@[\w.-]+:/,
  /^(?:github\.com|gitlab\.com|bitbucket\.org|dev\.azure\.com)(?:[/:]|$)/i,
  /[?&](?:ref|version|submodules|timeout)=/,
  /\.git(?:\/\/|\/|\?|$)/,
];

/** Whether a kustomization entry names something kustomize would fetch over the network. */
export function isRemoteReference(entry: string): boolean {
  return remoteForms.some((form) => form.test(entry.trim()));
}

/** One path-like entry of a kustomization, with where it is written. */
interface Entry {
  readonly field: string;
  readonly value: string;
  readonly node: Node;
  /** resources, components, bases: may be a folder holding another kustomization. */
  readonly nests: boolean;
}

const nestingFields = ["resources", "components", "bases"];
const fileListFields = ["crds", "configurations", "transformers", "generators", "validators", "patchesStrategicMerge"];
const pathObjectFields = ["patches", "patchesJson6902", "replacements"];
const generatorFields = ["configMapGenerator", "secretGenerator"];

/** Every entry of a kustomization that names a file, folder or URL (inline content is skipped). */
function entriesOf(doc: ReturnType<typeof parseDocument>): Entry[] {
  const found: Entry[] = [];
  const add = (field: string, node: unknown, nests = false, strip?: (v: string) => string): void => {
    if (!isScalar(node) || typeof node.value !== "string") return;
    // Inline patches and transformer configs are YAML text, not paths.
    if (node.value.includes("\n")) return;
    found.push({ field, value: strip ? strip(node.value) : node.value, node, nests });
  };
  const items = (key: string): unknown[] => {
    const node = doc.get(key, true);
    return isSeq(node) ? node.items : [];
  };
  for (const key of [...nestingFields, ...fileListFields]) {
    for (const [i, item] of items(key).entries()) add(`${key}[${i}]`, item, nestingFields.includes(key));
  }
  for (const key of pathObjectFields) {
    for (const [i, item] of items(key).entries()) if (isMap(item)) add(`${key}[${i}].path`, item.get("path", true));
  }
  const openapi = doc.get("openapi", true);
  if (isMap(openapi)) add("openapi.path", openapi.get("path", true));
  // `key=path` names the data key; the path follows the first "=".
  const afterKey = (s: string): string => s.replace(/^[^=]*=/, "");
  for (const key of generatorFields) {
    for (const [i, item] of items(key).entries()) {
      if (!isMap(item)) continue;
      for (const list of ["files", "envs"]) {
        const values = item.get(list, true);
        if (!isSeq(values)) continue;
        for (const [j, v] of values.items.entries()) add(`${key}[${i}].${list}[${j}]`, v, false, afterKey);
      }
      add(`${key}[${i}].env`, item.get("env", true));
    }
  }
  return found;
}

/** Checks the kustomization in real folder `dir` and, depth first, the local ones it nests. */
async function checkKustomization(
  root: string,
  dir: string,
  allowRemote: boolean,
  seen: Set<string>,
  resourceFiles: Set<string>,
): Promise<void> {
  if (seen.has(dir)) return;
  seen.add(dir);
  const name = await findKustomization(dir);
  if (name === undefined) return; // kustomize reports the folder itself.
  const file = relativePosix(root, join(dir, name));
  const place = await resolveUnder(root, dir, name);
  if (!place.ok) throw new RenderError("PathOutsideRoot", { file }, `the kustomization ${place.reason}`);
  const lines = new LineCounter();
  const text = await readFile(place.real, "utf8").catch((error: unknown) => {
    throw new RenderError("ReadError", { file, cause: error }, `cannot read: ${String(error)}`);
  });
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const syntax = doc.errors[0];
  if (syntax) {
    // Unchecked entries must not reach kustomize, so what cannot be read here is refused.
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new RenderError("ParseError", { file, line, column: col }, syntax.message.split("\n")[0] ?? "invalid YAML");
  }
  for (const entry of entriesOf(doc)) {
    const { line, col } = lines.linePos(entry.node.range?.[0] ?? 0);
    const at = { file, line, column: col, field: entry.field };
    if (isRemoteReference(entry.value)) {
      if (allowRemote && entry.nests) continue;
      throw new RenderError(
        "PathOutsideRoot",
        at,
        `${entry.field}: remote reference "${entry.value}" refused: ${
          entry.nests ? "remote bases are not allowed" : "only files in the repository may be used"
        }`,
      );
    }
    const target = await resolveUnder(root, dir, entry.value);
    if (!target.ok) throw new RenderError("PathOutsideRoot", at, `${entry.field}: "${entry.value}" ${target.reason}`);
    if (!target.exists || !entry.nests) continue;
    const info = await stat(target.real);
    if (info.isDirectory()) await checkKustomization(root, target.real, allowRemote, seen, resourceFiles);
    else if (entry.field.startsWith("resources")) resourceFiles.add(target.real);
  }
}

/** An object as written in a resource file, to recognise it after kustomize renamed it. */
interface Origin {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly source: SourceLocation;
}

async function readOrigins(root: string, files: readonly string[]): Promise<Origin[]> {
  const origins: Origin[] = [];
  for (const real of [...files].sort()) {
    const file = relativePosix(root, real);
    try {
      for (const { object, source } of parseManifests(file, await readFile(real, "utf8")).objects) {
        const { name, namespace } = object.metadata;
        if (name !== undefined) origins.push({ ...identity(object), name, namespace, source });
      }
    } catch {
      // Only a hint for locations; kustomize has read the file its own way.
    }
  }
  return origins;
}

const identity = (object: KubeObject): { group: string; kind: string } => ({
  group: gvk(object.apiVersion, object.kind).group,
  kind: object.kind,
});

/**
 * The resource-file location of a rendered object: same group and kind, whose written name
 * is the longest one contained in the rendered name (namePrefix/nameSuffix add around it),
 * preferring the same namespace. Undefined when nothing, or more than one place, fits.
 */
function matchOrigin(object: KubeObject, origins: readonly Origin[]): SourceLocation | undefined {
  const { name, namespace } = object.metadata;
  if (name === undefined) return undefined;
  const { group, kind } = identity(object);
  let fits = origins.filter((o) => o.group === group && o.kind === kind && name.includes(o.name));
  const sameNamespace = fits.filter((o) => o.namespace !== undefined && o.namespace === namespace);
  if (sameNamespace.length > 0) fits = sameNamespace;
  const longest = Math.max(0, ...fits.map((o) => o.name.length));
  const best = fits.filter((o) => o.name.length === longest);
  const places = new Set(best.map((o) => `${o.source.file}:${o.source.line}`));
  return places.size === 1 ? best[0]?.source : undefined;
}
