/** The namespaces/ tree of a hierarchical repo: which folders are namespaces, which are abstract, and the rules between them. */
import { gvk } from "../kube/types.ts";
import { RenderError } from "./errors.ts";
import { type Entry, invalid, misplaced } from "./hierarchy-checks.ts";
import { knownScope } from "./kind-scope.ts";

/** A folder under namespaces/ that holds objects. */
export interface Folder {
  /** Relative to the hierarchy root, e.g. "namespaces/shop/web". */
  readonly path: string;
  /** Relative to the render root, for messages. */
  readonly shown: string;
  /** Its objects: files in name order, documents in file order. */
  readonly entries: Entry[];
  /** Its Namespace in a namespace directory; undefined in an abstract one. */
  namespace: Entry | undefined;
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Namespaces the cluster makes itself: fine as namespace directories, never abstract ones.
const isReserved = (name: string): boolean => name === "default" || name.startsWith("kube-");

/**
 * Groups the objects of namespaces/ by folder and checks the tree: folder
 * names are DNS-1123 labels; a folder with a Namespace (named as the folder)
 * is a namespace directory with no configs below it; any other folder is
 * abstract, must have a namespace directory below it, and its objects may not
 * set metadata.namespace nor be of a kind a HierarchyConfig marks
 * `hierarchyMode: none` (`noInherit`, "group/Kind"); `default` and `kube-*`
 * may only be namespace directories; no cluster-scoped kinds. Sets
 * metadata.namespace of each object in a namespace directory. Returns the
 * folders sorted by path; throws RenderError on the first broken rule.
 */
export function namespaceTree(
  entries: readonly Entry[],
  noInherit: ReadonlySet<string>,
  shown: (path: string) => string,
): Folder[] {
  const byPath = new Map<string, Folder>();
  for (const entry of entries) {
    let folder = byPath.get(entry.dir);
    if (!folder) {
      folder = { path: entry.dir, shown: shown(entry.dir), entries: [], namespace: undefined };
      byPath.set(entry.dir, folder);
    }
    folder.entries.push(entry);
  }
  const folders = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const folder of folders) {
    const first = folder.entries[0]!;
    for (const segment of folder.path.split("/").slice(1)) {
      if (segment.length > 63 || !dns1123Label.test(segment)) {
        throw invalid(
          first.item,
          `directory "${segment}" in ${folder.shown}: folders under namespaces/ are namespace names, so must be DNS-1123 labels (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`,
        );
      }
    }
    for (const entry of folder.entries) checkObject(entry, folder);
  }

  const isNamespaceDir = (path: string): boolean => byPath.get(path)?.namespace !== undefined;
  for (const folder of folders) {
    const first = folder.entries[0]!;
    const segments = folder.path.split("/");
    for (let depth = 2; depth <= segments.length; depth++) {
      const path = segments.slice(0, depth).join("/");
      const name = segments[depth - 1] ?? "";
      if (isReserved(name) && !isNamespaceDir(path)) {
        throw invalid(
          first.item,
          `directory ${shown(path)}: "${name}" is a reserved namespace name, so it may be a namespace directory (with a Namespace named ${name} in it) but not an abstract one`,
        );
      }
    }
    const below = folders.filter((f) => f.path.startsWith(`${folder.path}/`));
    const namespace = folder.namespace;
    if (namespace) {
      const nested = below.find((f) => f.namespace);
      if (nested) {
        throw invalid(
          namespace.item,
          `${folder.shown} has a namespace directory below it (${nested.shown}), so it is abstract and cannot hold a Namespace: put namespace ${namespace.item.object.metadata.name} in a directory with no configs below it`,
        );
      }
      const stray = below[0];
      if (stray) {
        const at = `${namespace.item.source.file}:${namespace.item.source.line}`;
        throw invalid(
          stray.entries[0]!.item,
          `${stray.shown} is inside namespace directory ${folder.shown} (its Namespace is at ${at}), and a namespace directory cannot have subdirectories with configs: move these files into ${folder.shown}, or out of it`,
        );
      }
      const name = namespace.item.object.metadata.name;
      for (const { item } of folder.entries) {
        if (item === namespace.item) continue;
        const declared = item.object.metadata.namespace;
        if (declared !== undefined && declared !== name) {
          throw invalid(
            item,
            `must be "${name}", the namespace of its directory ${folder.shown}, or unset`,
            "metadata.namespace",
          );
        }
        item.object.metadata.namespace = name;
      }
      continue;
    }
    if (!below.some((f) => f.namespace)) {
      throw invalid(
        first.item,
        `abstract directory ${folder.shown} has no namespace directory below it, so its objects would reach no namespace: add ${folder.shown}/<name>/namespace.yaml, or move them`,
      );
    }
    for (const { item } of folder.entries) {
      if (item.object.metadata.namespace !== undefined) {
        throw invalid(
          item,
          `objects in abstract directory ${folder.shown} are copied into every namespace below it: remove metadata.namespace`,
          "metadata.namespace",
        );
      }
      const { group } = gvk(item.object.apiVersion, item.object.kind);
      if (noInherit.has(`${group}/${item.object.kind}`)) {
        throw invalid(
          item,
          `a HierarchyConfig in system/ sets hierarchyMode: none for ${item.object.kind}, so it cannot sit in abstract directory ${folder.shown}: move it into a namespace directory`,
        );
      }
    }
  }
  return folders;
}

/** Per-object rules under namespaces/; records the folder's Namespace. */
function checkObject(entry: Entry, folder: Folder): void {
  const { item } = entry;
  const { object } = item;
  const wrong = misplaced(object, "namespaces");
  if (wrong) throw invalid(item, wrong);
  if (object.kind === "Namespace" && gvk(object.apiVersion, object.kind).group === "") {
    const name = object.metadata.name;
    if (folder.path === "namespaces") {
      throw invalid(
        item,
        `a Namespace needs a directory of its own: move it to namespaces/${name}/ (or below an abstract directory)`,
      );
    }
    const dirName = folder.path.slice(folder.path.lastIndexOf("/") + 1);
    if (name !== dirName) throw invalid(item, `must equal its directory name "${dirName}"`, "metadata.name");
    if (object.metadata.namespace !== undefined) {
      throw invalid(item, "a Namespace is not inside a namespace: remove it", "metadata.namespace");
    }
    const seen = folder.namespace?.item;
    if (seen) {
      throw new RenderError(
        "DuplicateObject",
        { ...item.source, object: `Namespace/${name}`, conflictsWith: seen.source },
        `already defined at ${seen.source.file}:${seen.source.line}`,
      );
    }
    folder.namespace = entry;
    return;
  }
  if (knownScope(object.apiVersion, object.kind) === "Cluster") {
    throw invalid(item, `${object.kind} is cluster-scoped: put it in cluster/`);
  }
}
