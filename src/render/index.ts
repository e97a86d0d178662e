/** Rendering: manifest folders to Kubernetes objects with the file and line each came from. */

export { type AutoOptions, type DetectedRenderer, detectRenderer, renderAuto } from "./auto.ts";
export {
  clusterNameSelectorAnnotation,
  clusterSelectorAnnotation,
  kaikaClusterSelectorAnnotation,
  type LabelSelector,
  type LabelSelectorRequirement,
  matchesLabels,
} from "./cluster-selectors.ts";
export { assertNoDuplicates } from "./duplicates.ts";
export { RenderError, type RenderErrorCode, type RenderErrorDetails } from "./errors.ts";
export { defaultRenderTimeoutMs, maxRenderOutputBytes } from "./exec.ts";
export { type HelmOptions, renderHelm } from "./helm.ts";
export { type HierarchyOptions, renderHierarchy, sourcePathAnnotation } from "./hierarchy.ts";
export {
  findKustomization,
  isRemoteReference,
  type KustomizeOptions,
  kustomizationFileNames,
  renderKustomize,
} from "./kustomize.ts";
export { type FanOutOptions, type NamespaceLabels, selectNamespaces } from "./namespace-fanout.ts";
export { type NamespaceSelectorMode, namespaceSelectorAnnotation } from "./namespace-selectors.ts";
export { type ParsedFile, parseManifests, SkipReason } from "./parse.ts";
export { maxManifestFileBytes, renderPlain } from "./plain.ts";
export { identityKey, locate, objectRef } from "./refs.ts";
export type {
  IgnoredFile,
  RenderedObject,
  RenderOptions,
  RenderResult,
  SourceLocation,
} from "./types.ts";
export { ignoreFileName, type ResolvedPath, resolveInside, type WalkResult, walk } from "./walk.ts";
