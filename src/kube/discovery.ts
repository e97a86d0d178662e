/** Discovery and REST mapping: which resource serves a kind, and whether it is namespaced. */
import type { KubeClient } from "./client.ts";
import { formatGvk, type GroupVersionKind } from "./types.ts";

/** Where a kind is served. */
export interface ResourceMapping {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The plural resource name in URLs, e.g. "deployments". */
  readonly resource: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly subresources: readonly string[];
}

/** The apiserver serves no resource for this kind (yet: a CRD may be on its way). */
export class NoKindMatchError extends Error {
  readonly code = "NoKindMatch";
  readonly gvk: GroupVersionKind;
  constructor(kind: GroupVersionKind) {
    super(`no resource is served for ${formatGvk(kind)} (is its CRD installed and established?)`);
    this.gvk = kind;
  }
}

interface DiscoveryList {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: {
        resource: string;
        responseKind?: { group?: string; version?: string; kind?: string };
        scope?: "Namespaced" | "Cluster";
        verbs?: string[];
        subresources?: { subresource: string }[];
      }[];
    }[];
  }[];
}

// Aggregated discovery (GA since 1.30): every group, version and resource in two requests.
const aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

const keyOf = (k: Pick<GroupVersionKind, "group" | "version" | "kind">): string => `${k.group}/${k.version}/${k.kind}`;

/**
 * Maps kinds to resources from the apiserver's discovery, cached. A miss
 * refreshes the cache (at most once per `minRefreshMs`, default 1 s) before
 * failing, so kinds from newly established CRDs are found.
 */
export class RestMapper {
  readonly #client: KubeClient;
  readonly #minRefreshMs: number;
  #byKind = new Map<string, ResourceMapping>();
  #byResource = new Map<string, ResourceMapping>();
  #byGroupKind = new Map<string, ResourceMapping>();
  #loaded: Promise<void> | undefined;
  #lastRefresh = 0;

  constructor(client: KubeClient, options: { minRefreshMs?: number } = {}) {
    this.#client = client;
    this.#minRefreshMs = options.minRefreshMs ?? 1000;
  }

  /** The mapping for a kind; throws NoKindMatchError when it is not served. */
  async mapping(kind: GroupVersionKind): Promise<ResourceMapping> {
    await this.#load();
    let found = this.#byKind.get(keyOf(kind));
    if (!found && Date.now() - this.#lastRefresh >= this.#minRefreshMs) {
      this.invalidate();
      await this.#load();
      found = this.#byKind.get(keyOf(kind));
    }
    if (!found) throw new NoKindMatchError(kind);
    return found;
  }

  /** The mapping for group/version/resource (plural), or undefined. */
  async forResource(group: string, version: string, resource: string): Promise<ResourceMapping | undefined> {
    await this.#load();
    return this.#byResource.get(`${group}/${version}/${resource}`);
  }

  /** The preferred version's mapping for a group and kind (inventories record no version), or undefined. */
  async forGroupKind(group: string, kind: string): Promise<ResourceMapping | undefined> {
    await this.#load();
    return this.#byGroupKind.get(`${group}/${kind}`);
  }

  /** Every served resource (top level, no subresources), preferred versions first. */
  async all(): Promise<ResourceMapping[]> {
    await this.#load();
    return [...this.#byResource.values()];
  }

  /** Forgets the cache; the next lookup reloads discovery. */
  invalidate(): void {
    this.#loaded = undefined;
  }

  #load(): Promise<void> {
    this.#loaded ??= this.#refresh().catch((error: unknown) => {
      // A failed discovery must not be cached: the next lookup tries again.
      this.#loaded = undefined;
      throw error;
    });
    return this.#loaded;
  }

  async #refresh(): Promise<void> {
    this.#lastRefresh = Date.now();
    const [core, groups] = await Promise.all([
      this.#client.request<DiscoveryList>("GET", "/api", { accept: aggregated }),
      this.#client.request<DiscoveryList>("GET", "/apis", { accept: aggregated }),
    ]);
    const byKind = new Map<string, ResourceMapping>();
    const byResource = new Map<string, ResourceMapping>();
    const byGroupKind = new Map<string, ResourceMapping>();
    for (const item of [...(core.items ?? []), ...(groups.items ?? [])]) {
      const group = item.metadata?.name ?? "";
      for (const v of item.versions ?? []) {
        for (const r of v.resources ?? []) {
          const kind = r.responseKind?.kind;
          if (!kind || r.resource.includes("/")) continue;
          const mapping: ResourceMapping = {
            group,
            version: v.version,
            kind,
            resource: r.resource,
            namespaced: r.scope === "Namespaced",
            verbs: r.verbs ?? [],
            subresources: (r.subresources ?? []).map((s) => s.subresource),
          };
          byKind.set(keyOf(mapping), mapping);
          byResource.set(`${group}/${v.version}/${r.resource}`, mapping);
          // Discovery lists a group's versions in preference order: the first one wins.
          if (!byGroupKind.has(`${group}/${kind}`)) byGroupKind.set(`${group}/${kind}`, mapping);
        }
      }
    }
    this.#byKind = byKind;
    this.#byResource = byResource;
    this.#byGroupKind = byGroupKind;
  }
}

/** The URL path of a resource collection or object. */
export function resourcePath(
  mapping: ResourceMapping,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = mapping.group ? `/apis/${mapping.group}/${mapping.version}` : `/api/${mapping.version}`;
  const ns = mapping.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const obj = name ? `/${encodeURIComponent(name)}` : "";
  const sub = name && subresource ? `/${subresource}` : "";
  return `${base}${ns}/${mapping.resource}${obj}${sub}`;
}
