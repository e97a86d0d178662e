/** The GitSource controller: fetch the ref with the real git, keep the artifact, report it in status. */
import { join } from "node:path";
import type { GitSourceSpec, GitSourceStatus } from "../api/gitsource.ts";
import type { KubeApi } from "../kube/api.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import type { Informer, ReconcileContext, Reconciler, Request, Result } from "../runtime/index.ts";
import { statusConditions } from "../runtime/index.ts";
import { fetchArtifact, type GitAuth, SourceError } from "../source/index.ts";
import type { ArtifactStore } from "./artifacts.ts";
import { parseDuration } from "./durations.ts";
import { reconcileRequestedAnnotation, writeStatus } from "./status.ts";

export const GitSourceKind = gvk("kaika.dev/v1alpha1", "GitSource");
const Secret = gvk("v1", "Secret");

/** A GitSource as read from the cache. */
export type GitSourceObject = KubeObject & { spec: GitSourceSpec; status?: GitSourceStatus };

// Configuration a retry cannot fix: Stalled until the spec or the repository changes.
const stalledCodes = new Set(["RefNotFound", "ContentRefused", "AuthFailed"]);

/** Reconciles GitSources into artifacts. */
export class GitSourceReconciler implements Reconciler {
  readonly #api: KubeApi;
  readonly #sources: Informer<GitSourceObject>;
  readonly #store: ArtifactStore;
  readonly #cacheDir: string;
  readonly #writesStatus: () => boolean;

  /**
   * Every replica fetches (its fleet workers need the trees); only `writesStatus()` — the leader —
   * reports in status.
   */
  constructor(
    api: KubeApi,
    sources: Informer<GitSourceObject>,
    store: ArtifactStore,
    cacheDir: string,
    writesStatus: () => boolean = () => true,
  ) {
    this.#api = api;
    this.#writesStatus = writesStatus;
    this.#sources = sources;
    this.#store = store;
    this.#cacheDir = cacheDir;
  }

  async reconcile(request: Request, { log, signal }: ReconcileContext): Promise<Result | undefined> {
    const key = `${request.namespace}/${request.name}`;
    const source = this.#sources.get(key);
    if (!source) {
      this.#store.delete(key);
      return undefined;
    }
    const interval = parseDuration(source.spec.interval ?? "1m");
    if (source.spec.suspend) return undefined;
    const generation = source.metadata.generation;
    const status = (outcome: "ready" | "reconciling" | "stalled", reason: string, message: string) =>
      statusConditions(source.status?.conditions, outcome, reason, message, generation);
    try {
      const auth = await this.#auth(source);
      const artifact = await fetchArtifact({
        url: source.spec.url,
        ...(source.spec.ref && Object.keys(source.spec.ref).length > 0 ? { ref: source.spec.ref } : {}),
        ...(auth ? { auth } : {}),
        cacheDir: join(this.#cacheDir, "sources"),
        signal,
        timeoutMs: parseDuration(source.spec.timeout ?? "60s"),
      });
      this.#store.set(key, { ...artifact, ignore: source.spec.ignore });
      if (!this.#writesStatus()) return { requeueAfter: interval };
      const previous = source.status?.artifact;
      const requested = source.metadata.annotations?.[reconcileRequestedAnnotation];
      await writeStatus(this.#api, source, {
        observedGeneration: generation,
        ...(requested ? { lastHandledReconcileAt: requested } : {}),
        conditions: status("ready", "Succeeded", `stored artifact for revision ${artifact.revision}`),
        artifact: {
          revision: artifact.revision,
          commit: artifact.commit,
          digest: artifact.digest,
          files: artifact.files,
          lastUpdateTime:
            previous?.revision === artifact.revision
              ? previous.lastUpdateTime
              : new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        },
      });
      if (previous?.revision !== artifact.revision)
        log.info({ revision: artifact.revision, files: artifact.files }, "fetched");
      return { requeueAfter: interval };
    } catch (error) {
      const stalled = error instanceof SourceError && stalledCodes.has(error.code);
      const message = error instanceof Error ? error.message : String(error);
      if (!this.#writesStatus()) throw error;
      await writeStatus(this.#api, source, {
        ...source.status,
        observedGeneration: generation,
        conditions: status(
          stalled ? "stalled" : "reconciling",
          error instanceof SourceError ? error.code : "FetchFailed",
          message,
        ),
      });
      if (stalled) {
        log.warn({ err: error }, "fetch failed; retrying at the interval");
        return { requeueAfter: interval };
      }
      throw error;
    }
  }

  /**
   * Fetches one earlier revision ("main@sha1:<commit>") of a GitSource by its commit and keeps it
   * in the store's history: a replica that started after that revision was the latest (a restart,
   * a shard moving here) can still apply it to the clusters of later waves. False when the
   * GitSource is gone.
   */
  async fetchRevision(sourceKey: string, revision: string): Promise<boolean> {
    const source = this.#sources.get(sourceKey);
    const commit = revision.slice(revision.lastIndexOf(":") + 1);
    if (!source || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) return false;
    const auth = await this.#auth(source);
    const artifact = await fetchArtifact({
      url: source.spec.url,
      ref: { commit },
      ...(auth ? { auth } : {}),
      cacheDir: join(this.#cacheDir, "sources"),
      timeoutMs: parseDuration(source.spec.timeout ?? "60s"),
    });
    this.#store.remember(sourceKey, { ...artifact, revision, ignore: source.spec.ignore });
    return true;
  }

  /** Credentials from the Secret named by spec.secretRef; secret values go only to git's environment. */
  async #auth(source: GitSourceObject): Promise<GitAuth | undefined> {
    const name = source.spec.secretRef?.name;
    if (!name) return undefined;
    let secret: KubeObject;
    try {
      secret = await this.#api.get(Secret, name, source.metadata.namespace);
    } catch (error) {
      if (error instanceof NotFoundError)
        throw new Error(`spec.secretRef: Secret ${source.metadata.namespace}/${name} not found`);
      throw error;
    }
    const data = (secret.data ?? {}) as Record<string, string>;
    const fields: [keyof GitAuth, string][] = [
      ["username", "username"],
      ["password", "password"],
      ["sshPrivateKey", "identity"],
      ["knownHosts", "known_hosts"],
    ];
    const auth: Record<string, string> = {};
    for (const [field, key] of fields) {
      if (data[key]) auth[field] = Buffer.from(data[key], "base64").toString("utf8");
    }
    return auth as GitAuth;
  }
}
