/** Chooses the renderer a Sync asks for and runs it over the artifact. */
import { join } from "node:path";
import ignore from "ignore";
import type { SyncSpec } from "../api/sync.ts";
import { cachedBinaries } from "../localfleet/binaries.ts";
import { detectRenderer, renderAuto } from "../render/auto.ts";
import { renderHelm } from "../render/helm.ts";
import { renderHierarchy } from "../render/hierarchy.ts";
import { renderKustomize } from "../render/kustomize.ts";
import { type NamespaceLabels, selectNamespaces } from "../render/namespace-fanout.ts";
import { renderPlain } from "../render/plain.ts";
import type { RenderResult } from "../render/types.ts";

/** The helm binary: $KAIKA_HELM, else the local fleet's build, else `helm` on PATH. */
function helmBinary(): string {
  return process.env.KAIKA_HELM || cachedBinaries()?.helm || "helm";
}

/** What a Sync's render needs besides the spec. */
export interface RenderContext {
  /** The Sync's name: the Helm release name. */
  readonly name: string;
  /** Where namespaced objects without a namespace land: the Helm release namespace. */
  readonly namespace: string;
  /** This cluster's name and labels, for ClusterSelectors in the hierarchical layout. */
  readonly clusterName?: string;
  readonly clusterLabels?: Record<string, string>;
  /** Helm values files (repository paths) for this cluster's target. */
  readonly helmValuesFiles?: readonly string[] | undefined;
  /** The GitSource's ignore rules (.gitignore syntax, from the repository root): objects from matching files are left out. */
  readonly ignore?: string | undefined;
  /**
   * The live Namespaces of the cluster applied to, for NamespaceSelectors with
   * `mode: dynamic` in an unstructured repo; called only when one is used.
   * Default: none, and such a selector fails the render.
   */
  readonly liveNamespaces?: (() => Promise<NamespaceLabels>) | undefined;
}

/**
 * Renders `spec.path` of the artifact at `root` with `spec.renderer` (auto
 * detects Kustomize, Helm, the hierarchical layout, plain); outside the
 * hierarchical layout, which has its own, applies NamespaceSelectors the
 * unstructured way (selectNamespaces); then leaves out objects whose source
 * file the GitSource's ignore rules match.
 */
export async function renderFor(
  root: string,
  spec: Pick<SyncSpec, "path" | "renderer">,
  context: RenderContext,
): Promise<RenderResult> {
  let result = await renderWith(root, spec, context);
  const renderer = spec.renderer ?? "auto";
  const hierarchical =
    renderer === "hierarchy" || (renderer === "auto" && detectRenderer(join(root, spec.path ?? ".")) === "hierarchy");
  if (!hierarchical) {
    result = await selectNamespaces(result, {
      liveNamespaces: context.liveNamespaces,
      defaultNamespace: context.namespace,
    });
  }
  if (!context.ignore?.trim()) return result;
  const rules = ignore().add(context.ignore);
  return { ...result, objects: result.objects.filter((o) => !rules.ignores(o.source.file)) };
}

function renderWith(
  root: string,
  spec: Pick<SyncSpec, "path" | "renderer">,
  context: RenderContext,
): Promise<RenderResult> {
  const path = spec.path ?? ".";
  const helm = {
    releaseName: context.name,
    namespace: context.namespace,
    defaultNamespace: context.namespace,
    helm: helmBinary(),
    ...(context.helmValuesFiles?.length ? { valuesFiles: context.helmValuesFiles } : {}),
  };
  const cluster = {
    ...(context.clusterName ? { clusterName: context.clusterName } : {}),
    ...(context.clusterLabels ? { clusterLabels: context.clusterLabels } : {}),
  };
  switch (spec.renderer ?? "auto") {
    case "plain":
      return renderPlain(root, path, { defaultNamespace: context.namespace });
    case "kustomize":
      return renderKustomize(root, path, { defaultNamespace: context.namespace });
    case "helm":
      return renderHelm(root, path, helm);
    case "hierarchy":
      return renderHierarchy(root, path, cluster);
    default:
      return renderAuto(root, path, { ...helm, ...cluster });
  }
}
