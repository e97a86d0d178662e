/** NamespaceSelectors in a hierarchical repo: which namespaces below an abstract directory get each of its objects. */
import { matchesLabels } from "./cluster-selectors.ts";
import { type Entry, invalid } from "./hierarchy-checks.ts";
import {
  isNamespaceSelector,
  type NamespaceSelector,
  namespaceSelectorAnnotation,
  selectorNameOf,
  selectorsByName,
  unknownSelector,
} from "./namespace-selectors.ts";
import type { Folder } from "./namespace-tree.ts";

/** The NamespaceSelectors of a hierarchical repo, resolved for its objects. */
export interface HierarchySelectors {
  /** The NamespaceSelector objects: read, never output. */
  readonly selectors: ReadonlySet<Entry>;
  /** True when inherited object `entry` goes into the namespace `namespace` (a Namespace entry). */
  admits(entry: Entry, namespace: Entry): boolean;
}

const annotationField = `metadata.annotations.${namespaceSelectorAnnotation}`;

/**
 * Reads the NamespaceSelectors of `folders` (namespaceTree's output) and
 * resolves every `configmanagement.gke.io/namespace-selector` annotation, as
 * Config Sync does in a hierarchical repo: a NamespaceSelector sits in an
 * abstract directory; an object of that directory or of an abstract directory
 * below it may name it, and is then copied only into the namespaces below
 * whose labels (as written in the repo) it selects. Throws RenderError:
 * InvalidManifest for a NamespaceSelector in a namespace directory or with
 * `mode: dynamic`, the annotation on a cluster/ object or on anything in a
 * namespace directory, or a name not declared in the object's directory or
 * above it; DuplicateObject for two NamespaceSelectors of one name.
 */
export function hierarchySelectors(folders: readonly Folder[], clusterEntries: readonly Entry[]): HierarchySelectors {
  for (const { item } of clusterEntries) {
    if (selectorNameOf(item) !== undefined) {
      throw invalid(
        item,
        "objects in cluster/ are in no namespace, so a NamespaceSelector cannot pick one for them: remove the annotation",
        annotationField,
      );
    }
  }
  const selectors = new Set<Entry>();
  const folderOf = new Map<string, Folder>();
  for (const folder of folders) {
    for (const entry of folder.entries) {
      if (!isNamespaceSelector(entry.item.object)) continue;
      if (folder.namespace) {
        throw invalid(
          entry.item,
          `a NamespaceSelector selects among the namespaces below an abstract directory, and ${folder.shown} is a namespace directory: move it up`,
        );
      }
      selectors.add(entry);
      folderOf.set(entry.item.object.metadata.name ?? "", folder);
    }
  }
  const byName = selectorsByName([...selectors].map((e) => e.item));
  for (const selector of byName.values()) {
    if (selector.mode === "dynamic") {
      throw invalid(
        selector.item,
        "in a hierarchical repo a NamespaceSelector picks among the namespaces declared below it; mode: dynamic is for unstructured repos (remove it, or use static)",
        "spec.mode",
      );
    }
  }

  const scoped = new Map<Entry, NamespaceSelector>();
  for (const folder of folders) {
    for (const entry of folder.entries) {
      const name = selectorNameOf(entry.item);
      if (name === undefined) continue;
      if (folder.namespace) {
        throw invalid(
          entry.item,
          `${folder.shown} is a namespace directory, so its objects stay in namespace ${folder.namespace.item.object.metadata.name}: a namespace selector works only on objects in abstract directories`,
          annotationField,
        );
      }
      const found = byName.get(name);
      if (!found || !inScope(folderOf.get(name), folder)) {
        const visible = [...byName.keys()].filter((n) => inScope(folderOf.get(n), folder));
        throw unknownSelector(entry.item, name, visible, `in ${folder.shown} or the directories above it`);
      }
      scoped.set(entry, found);
    }
  }
  return {
    selectors,
    admits: (entry, namespace) => {
      const found = scoped.get(entry);
      return !found || matchesLabels(found.selector, namespace.item.object.metadata.labels ?? {});
    },
  };
}

/** True when a selector declared in `home` may be named from `folder`: the same directory or one below it. */
function inScope(home: Folder | undefined, folder: Folder): boolean {
  return home !== undefined && (home.path === folder.path || folder.path.startsWith(`${home.path}/`));
}
