/** What every renderer returns: objects with the file and line they came from. */
import type { KubeObject } from "../kube/types.ts";

/** Where an object came from: a path relative to the render root (posix separators) and a 1-based line. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
}

/** One rendered object. */
export interface RenderedObject {
  readonly object: KubeObject;
  readonly source: SourceLocation;
}

/** A render's output: the objects, and the files it passed over with the reason. */
export interface RenderResult {
  readonly objects: RenderedObject[];
  readonly ignored: { readonly file: string; readonly reason: string }[];
}

/** "Kind/namespace/name" or "Kind/name". */
export function objectRef(object: KubeObject): string {
  const { name = "", namespace } = object.metadata ?? {};
  return namespace ? `${object.kind}/${namespace}/${name}` : `${object.kind}/${name}`;
}
