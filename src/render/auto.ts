/** Picks the renderer for a folder, as a Sync with `renderer: auto` does: kustomization, then chart, then hierarchical layout, then plain. */
import { statSync } from "node:fs";
import { basename, join } from "node:path";
import { type HelmOptions, renderHelm } from "./helm.ts";
import { type HierarchyOptions, renderHierarchy } from "./hierarchy.ts";
import { type KustomizeOptions, kustomizationFileNames, renderKustomize } from "./kustomize.ts";
import { renderPlain } from "./plain.ts";
import type { RenderResult } from "./types.ts";
import { resolveInside } from "./walk.ts";

/** The renderers `detectRenderer` chooses between. */
export type DetectedRenderer = "kustomize" | "helm" | "hierarchy" | "plain";

/** Options for whichever renderer is picked; `releaseName` defaults to the folder's name. */
export type AutoOptions = KustomizeOptions & Partial<HelmOptions> & HierarchyOptions;

const isFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
const isDir = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/**
 * The renderer for folder `dir` (an absolute path): "kustomize" when it holds a
 * kustomization.yaml, kustomization.yml or Kustomization (as Flux decides), else "helm"
 * when it holds a Chart.yaml, else "hierarchy" when it has a namespaces/ folder beside a
 * system/ or cluster/ folder (Config Sync's hierarchical layout), else "plain". Never
 * throws; a missing folder is "plain".
 */
export function detectRenderer(dir: string): DetectedRenderer {
  if (kustomizationFileNames.some((name) => isFile(join(dir, name)))) return "kustomize";
  if (isFile(join(dir, "Chart.yaml"))) return "helm";
  if (isDir(join(dir, "namespaces")) && (isDir(join(dir, "system")) || isDir(join(dir, "cluster")))) return "hierarchy";
  return "plain";
}

/**
 * Renders `root/path` with the renderer detectRenderer picks. For a chart the release name
 * is `options.releaseName`, else the folder's name (the root's for "."); a hierarchical
 * repo is rendered for `options.clusterName` and `clusterLabels`. Throws what the
 * chosen renderer throws; resolveInside's PathOutsideRoot and NotFound first.
 */
export async function renderAuto(root: string, path = ".", options: AutoOptions = {}): Promise<RenderResult> {
  const resolved = await resolveInside(root, path);
  switch (detectRenderer(resolved.dir)) {
    case "kustomize":
      return renderKustomize(root, path, options);
    case "helm":
      return renderHelm(root, path, { ...options, releaseName: options.releaseName ?? basename(resolved.dir) });
    case "hierarchy":
      return renderHierarchy(root, path, { clusterName: options.clusterName, clusterLabels: options.clusterLabels });
    case "plain":
      return renderPlain(root, path, options);
  }
}
