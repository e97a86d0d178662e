/** Typed access to any kind: get, paged list, create, update, patch, server-side apply, delete, status. */
import { type ClientOptions, type Impersonation, KubeClient, type KubeconfigSource, type Query } from "./client.ts";
import { type ResourceMapping, RestMapper, resourcePath } from "./discovery.ts";
import { AlreadyExistsError, NotFoundError } from "./errors.ts";
import { type GroupVersionKind, gvk, gvkOf, type KubeObject, type ObjectList } from "./types.ts";

/** Options shared by writes. */
export interface WriteOptions {
  /** Validate and default on the server without persisting. */
  readonly dryRun?: boolean;
  /** How the server treats unknown or duplicate fields; default Strict (an error). */
  readonly fieldValidation?: "Strict" | "Warn" | "Ignore";
  readonly fieldManager?: string;
}

/** Options of a server-side apply. */
export interface ApplyOptions extends WriteOptions {
  /** The field manager owning the applied fields (required by the API). */
  readonly fieldManager: string;
  /** Take fields other managers own instead of failing with a Conflict. */
  readonly force?: boolean;
  /** Apply to a subresource, e.g. "status". */
  readonly subresource?: string;
}

/** Selects objects to list or watch. */
export interface ListOptions {
  /** Unset: all namespaces (for namespaced kinds). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Page size; default 500, as kubectl and client-go use. */
  readonly limit?: number;
}

/** Options of a delete. */
export interface DeleteOptions {
  readonly propagationPolicy?: "Foreground" | "Background" | "Orphan";
  readonly dryRun?: boolean;
  /** Delete only if the object still has this uid / resourceVersion. */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly gracePeriodSeconds?: number;
}

/** Patch formats the API accepts besides apply. */
export type PatchType = "merge" | "json" | "strategic";

const patchContentType: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

function writeQuery(options: WriteOptions = {}): Query {
  return {
    dryRun: options.dryRun ? "All" : undefined,
    fieldValidation: options.fieldValidation ?? "Strict",
    fieldManager: options.fieldManager,
  };
}

/**
 * The Kubernetes API of one cluster through one client, with REST mapping.
 * Methods throw KubeApiError subclasses (NotFoundError, ConflictError, …) and
 * NoKindMatchError for kinds the server does not serve.
 */
export class KubeApi {
  readonly client: KubeClient;
  readonly mapper: RestMapper;

  constructor(client: KubeClient, mapper: RestMapper = new RestMapper(client)) {
    this.client = client;
    this.mapper = mapper;
  }

  /** An API for the kubeconfig found at `source` (see loadKubeconfig). */
  static load(source: KubeconfigSource = {}, options: ClientOptions = {}): KubeApi {
    return new KubeApi(KubeClient.load(source, options));
  }

  /** The URL path of a kind's collection or of one object. */
  async path(kind: GroupVersionKind, namespace?: string, name?: string, subresource?: string): Promise<string> {
    const mapping = await this.mapper.mapping(kind);
    this.#checkNamespace(mapping, namespace, name);
    return resourcePath(mapping, namespace, name, subresource);
  }

  #checkNamespace(mapping: ResourceMapping, namespace: string | undefined, name: string | undefined): void {
    if (mapping.namespaced && name !== undefined && !namespace) {
      throw new Error(`${mapping.kind} "${name}" is namespaced: metadata.namespace is required`);
    }
  }

  async #objectPath(object: KubeObject, subresource?: string): Promise<string> {
    return this.path(gvkOf(object), object.metadata.namespace, object.metadata.name, subresource);
  }

  /** Reads one object. */
  async get<T extends KubeObject = KubeObject>(kind: GroupVersionKind, name: string, namespace?: string): Promise<T> {
    return this.client.get<T>(await this.path(kind, namespace, name));
  }

  /** Yields the pages of a list, following continue tokens. */
  async *listPages<T extends KubeObject = KubeObject>(
    kind: GroupVersionKind,
    options: ListOptions = {},
  ): AsyncGenerator<ObjectList<T>> {
    const path = await this.path(kind, options.namespace);
    let token: string | undefined;
    do {
      const page = await this.client.get<ObjectList<T>>(path, {
        limit: options.limit ?? 500,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        continue: token,
      });
      yield page;
      token = page.metadata.continue || undefined;
    } while (token);
  }

  /**
   * Lists every page into one array. The resourceVersion is the first page's,
   * the snapshot a watch should start from. Items get apiVersion and kind,
   * which list answers leave out.
   */
  async list<T extends KubeObject = KubeObject>(
    kind: GroupVersionKind,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let resourceVersion = "";
    const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    for await (const page of this.listPages<T>(kind, options)) {
      resourceVersion ||= page.metadata.resourceVersion ?? "";
      for (const item of page.items) {
        item.apiVersion = apiVersion;
        item.kind = kind.kind;
        items.push(item);
      }
    }
    return { items, resourceVersion };
  }

  /** Creates an object. */
  async create<T extends KubeObject>(object: T, options: WriteOptions = {}): Promise<T> {
    const path = await this.path(gvkOf(object), object.metadata.namespace);
    return this.client.request<T>("POST", path, { body: object, query: writeQuery(options) });
  }

  /** Replaces an object (PUT); a stale metadata.resourceVersion fails with ConflictError. */
  async update<T extends KubeObject>(object: T, options: WriteOptions = {}): Promise<T> {
    return this.client.request<T>("PUT", await this.#objectPath(object), { body: object, query: writeQuery(options) });
  }

  /** Replaces an object's status subresource. */
  async updateStatus<T extends KubeObject>(object: T, options: WriteOptions = {}): Promise<T> {
    return this.client.request<T>("PUT", await this.#objectPath(object, "status"), {
      body: object,
      query: writeQuery(options),
    });
  }

  /** Patches an object (merge, JSON or strategic merge patch). */
  async patch<T extends KubeObject = KubeObject>(
    kind: GroupVersionKind,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    type: PatchType = "merge",
    options: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    return this.client.request<T>("PATCH", await this.path(kind, namespace, name, options.subresource), {
      body: patch,
      contentType: patchContentType[type],
      query: writeQuery(options),
    });
  }

  /**
   * Server-side apply: the server merges `object` as owned by `fieldManager`
   * and returns the result. Conflicts with other managers fail with
   * ConflictError unless `force`.
   */
  async apply<T extends KubeObject>(object: T, options: ApplyOptions): Promise<T> {
    const { managedFields: _drop, resourceVersion: _rv, ...metadata } = object.metadata;
    return this.client.request<T>("PATCH", await this.#objectPath(object, options.subresource), {
      // JSON is YAML: the apply content type takes it as is.
      body: JSON.stringify({ ...object, metadata }),
      contentType: "application/apply-patch+yaml",
      query: { ...writeQuery(options), force: options.force ? true : undefined },
    });
  }

  /** Deletes an object; returns the answer (the object while finalizers hold it, or a Status). */
  async delete(
    kind: GroupVersionKind,
    name: string,
    namespace?: string,
    options: DeleteOptions = {},
  ): Promise<unknown> {
    const body = {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: options.propagationPolicy,
      preconditions: options.preconditions,
      gracePeriodSeconds: options.gracePeriodSeconds,
      dryRun: options.dryRun ? ["All"] : undefined,
    };
    return this.client.request("DELETE", await this.path(kind, namespace, name), { body });
  }

  /** An API acting as `who` over the same kubeconfig, sharing this one's discovery cache. */
  impersonating(who: Impersonation): KubeApi {
    return new KubeApi(this.client.impersonating(who), this.mapper);
  }

  /** Closes the client's idle connections. */
  close(): Promise<void> {
    return this.client.close();
  }
}

/** Creates a Namespace unless it exists (read first: kaika's installed identity may get but not create Namespaces). */
export async function ensureNamespace(api: KubeApi, name: string): Promise<void> {
  const exists = await api.get(gvk("v1", "Namespace"), name).then(
    () => true,
    (error: unknown) => (error instanceof NotFoundError ? false : Promise.reject(error)),
  );
  if (exists) return;
  await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } }).catch((error: unknown) => {
    if (!(error instanceof AlreadyExistsError)) throw error;
  });
}

/** The server's Kubernetes version as "major.minor" (e.g. "1.37"), or undefined when /version does not say. */
export async function serverVersion(api: KubeApi): Promise<string | undefined> {
  try {
    const v = await api.client.get<{ major?: string; minor?: string }>("/version");
    return v.major && v.minor ? `${v.major}.${v.minor.replace(/\D+$/, "")}` : undefined;
  } catch {
    return undefined;
  }
}
