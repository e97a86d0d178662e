/** The artifacts the GitSource controller fetched, shared in-process with the Sync controller. */
import type { Artifact } from "../source/index.ts";

/** An artifact with its GitSource's ignore rules (.gitignore syntax), applied when rendering. */
export type SourceArtifact = Artifact & { readonly ignore?: string | undefined };

// Earlier revisions kept per source: clusters in later waves stay on them (their trees stay on disk).
const historyLength = 20;

/** Latest artifact per GitSource ("namespace/name") and a few before it; listeners hear of each new revision. */
export class ArtifactStore {
  readonly #artifacts = new Map<string, SourceArtifact>();
  readonly #history = new Map<string, Map<string, SourceArtifact>>();
  readonly #listeners = new Set<(source: string) => void>();

  /** The latest artifact of a source, if fetched. */
  get(source: string): SourceArtifact | undefined {
    return this.#artifacts.get(source);
  }

  /** The artifact of one revision of a source, if fetched by this process and not yet forgotten. */
  revision(source: string, revision: string): SourceArtifact | undefined {
    return this.#history.get(source)?.get(revision);
  }

  /** Records an artifact; listeners are told only when the revision changed. */
  set(source: string, artifact: SourceArtifact): void {
    const changed = this.#artifacts.get(source)?.revision !== artifact.revision;
    this.#artifacts.set(source, artifact);
    this.remember(source, artifact);
    if (changed) for (const listener of this.#listeners) listener(source);
  }

  /** Keeps an earlier revision's artifact (fetched on demand) without making it the latest. */
  remember(source: string, artifact: SourceArtifact): void {
    const history = this.#history.get(source) ?? new Map<string, SourceArtifact>();
    history.delete(artifact.revision);
    history.set(artifact.revision, artifact);
    for (const oldest of history.keys()) {
      if (history.size <= historyLength) break;
      history.delete(oldest);
    }
    this.#history.set(source, history);
  }

  /** Forgets a deleted source. */
  delete(source: string): void {
    this.#artifacts.delete(source);
    this.#history.delete(source);
  }

  /** Calls `listener` with the source key whenever a source gets a new revision. */
  onChange(listener: (source: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
