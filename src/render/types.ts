/** The values every renderer (plain, Kustomize, Helm, hierarchy) returns */
import type { KubeObject } from "../kube/types.ts";

/** Where an object came from, for errors and for `kaika lint` output. */
export interface SourceLocation {
  /** Path relative to the render root, posix separators. */
  readonly file: string;
  /** 1-based line where the object's document (its content, after `---` and comments) starts. */
  readonly line: number;
  /** 1-based column, when a renderer knows it. */
  readonly column?: number;
}

/** One rendered object and its origin. */
export interface RenderedObject {
  readonly object: KubeObject;
  readonly source: SourceLocation;
}

/** A file (or folder) a renderer passed over, and why. */
export interface IgnoredFile {
  /** Path relative to the render root, posix separators. */
  readonly file: string;
  readonly reason: string;
}

/** A render's output: objects in a stable order, and what was passed over (sorted by path). */
export interface RenderResult {
  readonly objects: RenderedObject[];
  readonly ignored: IgnoredFile[];
}

/** Options every renderer accepts. */
export interface RenderOptions {
  /**
   * The namespace objects without `metadata.namespace` will land in. Not written into the
   * objects (only the applier knows, from discovery, which kinds are namespaced); used to
   * catch `ConfigMap/x` and `ConfigMap/<default>/x` as the same object. Default: none.
   */
  readonly defaultNamespace?: string | undefined;
}
