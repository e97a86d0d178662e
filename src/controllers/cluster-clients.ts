/**
 * Clients for fleet Clusters, built from each Cluster's kubeconfig Secret and
 * rebuilt when that Secret changes. For controllers that reach every Cluster
 * from the leader (the shard-owning Cluster controller keeps its own).
 */
import { KubeApi } from "../kube/api.ts";
import { type ClusterObject, readKubeconfig } from "./cluster.ts";

// How long a client is handed out before its Secret is read again (many SLOs reach the same Clusters).
const recheckMs = 30_000;

export class ClusterClients {
  readonly #admin: KubeApi;
  readonly #clients = new Map<string, { readonly api: KubeApi; readonly version: string; checkedAt: number }>();

  constructor(admin: KubeApi) {
    this.#admin = admin;
  }

  /** A client for the Cluster (reused while its Secret is unchanged, which is checked every 30 s). */
  async get(cluster: ClusterObject): Promise<KubeApi> {
    const key = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
    const existing = this.#clients.get(key);
    if (existing && Date.now() - existing.checkedAt < recheckMs) return existing.api;
    const { text, version } = await readKubeconfig(this.#admin, cluster);
    if (existing?.version === version) {
      existing.checkedAt = Date.now();
      return existing.api;
    }
    await existing?.api.close();
    const api = KubeApi.load({ text });
    this.#clients.set(key, { api, version, checkedAt: Date.now() });
    return api;
  }

  /** Closes the clients of Clusters not in `keys` ("namespace/name"): they were removed. */
  async retain(keys: ReadonlySet<string>): Promise<void> {
    for (const [key, client] of this.#clients) {
      if (keys.has(key)) continue;
      this.#clients.delete(key);
      await client.api.close();
    }
  }

  /** Closes every client. */
  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.api.close()));
  }
}
