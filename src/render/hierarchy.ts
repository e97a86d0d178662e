/** The hierarchical renderer: Config Sync's repo layout, where abstract namespace directories pass objects down. */
import { relative, sep } from "node:path";
import { clusterSelection } from "./cluster-selectors.ts";
import { RenderError } from "./errors.ts";
import { checkClusterObject, type Entry, readSystem } from "./hierarchy-checks.ts";
import { type HierarchySelectors, hierarchySelectors } from "./hierarchy-namespace-selectors.ts";
import { type Folder, namespaceTree } from "./namespace-tree.ts";
import { parseFiles } from "./plain.ts";
import { identityKey, objectRef } from "./refs.ts";
import type { IgnoredFile, RenderedObject, RenderResult } from "./types.ts";
import { resolveInside, walk } from "./walk.ts";

/** Set on every inherited copy: the file it was copied from, relative to the hierarchy root. */
export const sourcePathAnnotation = "kaika.dev/source-path";

/** Which cluster a hierarchical render is for. */
export interface HierarchyOptions {
  /**
   * This cluster's name: what cluster-name selectors are matched against, and
   * which Cluster in clusterregistry/ lends this cluster its labels. Default:
   * none, so objects with a cluster-name selector are left out.
   */
  readonly clusterName?: string | undefined;
  /** Labels of this cluster, laid over those of its Cluster object. Default: none. */
  readonly clusterLabels?: Readonly<Record<string, string>> | undefined;
}

const topFolders = new Set(["system", "cluster", "clusterregistry", "namespaces"]);
// Read for what they say about the repository and the clusters; never applied.
const metadataFolders = [
  ["system", "repository metadata (system/): read, not applied"],
  ["clusterregistry", "cluster selection (clusterregistry/): read, not applied"],
] as const;

const toPosix = (p: string): string => p.split(sep).join("/");

/**
 * Renders the Config Sync-style hierarchical repository at `root/path`
 * (default the root) for one cluster. Reads `system/` (Repo and
 * HierarchyConfig, never output), `clusterregistry/` (Cluster and
 * ClusterSelector, never output), `cluster/` (cluster-scoped objects) and
 * `namespaces/` (a tree: a directory with a Namespace is that namespace, any
 * other is abstract and its objects are copied into every namespace below
 * it, each copy annotated with {@link sourcePathAnnotation}; a
 * `configmanagement.gke.io/namespace-selector` annotation limits the copies to
 * the namespaces its NamespaceSelector, never output, selects by their labels).
 * Objects whose cluster selector does not match are left out and listed in `ignored`.
 *
 * Output order: cluster/ in file order, then each namespace directory in path
 * order: its Namespace, the objects inherited from the outermost abstract
 * directory inwards, then its own objects; files in name order, documents in
 * file order. Throws RenderError (file, line, object, field) on the first
 * problem: InvalidManifest for a layout rule broken, DuplicateObject when two
 * objects land on one kind, namespace and name for this cluster.
 */
export async function renderHierarchy(root: string, path = ".", options: HierarchyOptions = {}): Promise<RenderResult> {
  const resolved = await resolveInside(root, path);
  const base = toPosix(relative(resolved.root, resolved.dir));
  const shown = (p: string): string => (base ? `${base}/${p}` : p);
  const { files, ignored } = await walk(resolved.root, resolved.dir);
  const wanted = files.filter((file) => {
    const segments = (base ? file.slice(base.length + 1) : file).split("/");
    if (segments.length > 1 && topFolders.has(segments[0] ?? "")) return true;
    ignored.push({ file, reason: "not under system/, cluster/, clusterregistry/ or namespaces/" });
    return false;
  });
  const entries = await readEntries(resolved.root, wanted, base, ignored);
  const under = (top: string): Entry[] => entries.filter((e) => e.path.startsWith(`${top}/`));

  const noInherit = readSystem(under("system"));
  const selection = clusterSelection(
    under("clusterregistry").map((e) => e.item),
    options,
  );
  for (const [top, reason] of metadataFolders) {
    for (const file of new Set(under(top).map((e) => e.item.source.file))) ignored.push({ file, reason });
  }
  const clusterEntries = under("cluster");
  for (const entry of clusterEntries) checkClusterObject(entry.item);
  const namespaceEntries = under("namespaces");
  const folders = namespaceTree(namespaceEntries, noInherit, shown);
  const namespaceSelection = hierarchySelectors(folders, clusterEntries);
  for (const entry of namespaceSelection.selectors) {
    ignored.push({
      file: entry.item.source.file,
      reason: "namespace selection (NamespaceSelector): read, not applied",
    });
  }

  // Every selector is checked, even on objects a deselected namespace drops.
  const excluded = new Set<Entry>();
  for (const entry of [...clusterEntries, ...namespaceEntries]) {
    const why = selection.exclusion(entry.item);
    if (why === undefined) continue;
    excluded.add(entry);
    const { object, source } = entry.item;
    const also = object.kind === "Namespace" ? `; so is everything in namespace ${object.metadata.name}` : "";
    ignored.push({
      file: source.file,
      reason: `${objectRef(object)} (line ${source.line}): not for this cluster: ${why}${also}`,
    });
  }

  const objects = clusterEntries.filter((e) => !excluded.has(e)).map((e) => e.item);
  const inheritedFrom = new Map<RenderedObject, string>();
  objects.push(...fillNamespaces(folders, excluded, namespaceSelection, inheritedFrom));
  checkDuplicates(objects, inheritedFrom);
  return { objects, ignored: ignored.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)) };
}

/**
 * Reads and parses `files` (relative to `root`) with bounded concurrency, in order; what
 * they pass over goes to `ignored`. On failure, throws the error of the earliest file.
 */
async function readEntries(
  root: string,
  files: readonly string[],
  base: string,
  ignored: IgnoredFile[],
): Promise<Entry[]> {
  const parsed = await parseFiles(root, files);
  return parsed.flatMap((result, index) => {
    const file = files[index] as string;
    ignored.push(...result.ignored);
    const path = base ? file.slice(base.length + 1) : file;
    const dir = path.slice(0, path.lastIndexOf("/"));
    return result.objects.map((item) => ({ item, path, dir }));
  });
}

/** The objects of every selected namespace directory: its Namespace, inherited copies its NamespaceSelectors admit, then its own. */
function fillNamespaces(
  folders: readonly Folder[],
  excluded: ReadonlySet<Entry>,
  namespaceSelection: HierarchySelectors,
  inheritedFrom: Map<RenderedObject, string>,
): RenderedObject[] {
  const byPath = new Map(folders.map((f) => [f.path, f]));
  const out: RenderedObject[] = [];
  for (const folder of folders) {
    const namespace = folder.namespace;
    if (!namespace || excluded.has(namespace)) continue;
    const name = namespace.item.object.metadata.name ?? "";
    out.push(namespace.item);
    const segments = folder.path.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const ancestor = byPath.get(segments.slice(0, depth).join("/"));
      for (const entry of ancestor?.entries ?? []) {
        if (excluded.has(entry) || namespaceSelection.selectors.has(entry)) continue;
        if (!namespaceSelection.admits(entry, namespace)) continue;
        const object = structuredClone(entry.item.object);
        object.metadata.namespace = name;
        object.metadata.annotations = { ...object.metadata.annotations, [sourcePathAnnotation]: entry.path };
        const copy: RenderedObject = { object, source: entry.item.source };
        inheritedFrom.set(copy, ancestor?.shown ?? "");
        out.push(copy);
      }
    }
    for (const entry of folder.entries) if (entry !== namespace && !excluded.has(entry)) out.push(entry.item);
  }
  return out;
}

/** Two objects of one group, kind, namespace and name: DuplicateObject naming both places. */
function checkDuplicates(objects: readonly RenderedObject[], inheritedFrom: ReadonlyMap<RenderedObject, string>): void {
  const seen = new Map<string, RenderedObject>();
  const from = (item: RenderedObject, text: (dir: string) => string): string => {
    const dir = inheritedFrom.get(item);
    return dir === undefined ? "" : text(dir);
  };
  for (const item of objects) {
    const { object } = item;
    const key = identityKey(object);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first) {
      throw new RenderError(
        "DuplicateObject",
        { file: item.source.file, line: item.source.line, object: objectRef(object), conflictsWith: first.source },
        `already defined at ${first.source.file}:${first.source.line}` +
          from(first, (dir) => ` (inherited from abstract directory ${dir})`) +
          from(item, (dir) => `; this copy is inherited from abstract directory ${dir}`) +
          ": rename or remove one",
      );
    }
    seen.set(key, item);
  }
}
