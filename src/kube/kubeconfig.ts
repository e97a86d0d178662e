/**
 * Kubeconfig loading and the TLS and auth options it gives a request.
 *
 * Parsing and validation of clusters, users and contexts are @kubernetes/client-node's (its config_types
 * module); exec credential plugins and auth providers are its authenticators too. What is kaika's: finding
 * the file ($KUBECONFIG list, ~/.kube/config, in-cluster) and the static options (CA, client certificate,
 * token, basic auth, tokenFile) — because client-node's index loads its whole generated API, which costs
 * ~90 MiB of memory and ~1 s at every start, and a controller or CLI with a certificate or a ServiceAccount
 * token needs none of it. The full library is imported on first use only by users with exec/authProvider.
 */
import { accessSync, readFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { isIPv6 } from "node:net";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import {
  type Cluster,
  type Context,
  newClusters,
  newContexts,
  newUsers,
  type User,
} from "@kubernetes/client-node/dist/config_types.js";
import { parse } from "yaml";

export type { Cluster, Context, User };

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
// client-node's FileAuth re-reads a token file after 60 s, as client-go does (tokens rotate).
const tokenFileTtlMs = 60_000;

const exists = (path: string): boolean => {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The clusters, users and contexts of a kubeconfig, and which context is current. */
export class Kubeconfig {
  clusters: Cluster[] = [];
  users: User[] = [];
  contexts: Context[] = [];
  currentContext = "";
  #delegate: Promise<KubeConfig> | undefined;
  #tokenFiles = new Map<string, { token: string; readAt: number }>();

  static fromString(text: string): Kubeconfig {
    const config = new Kubeconfig();
    config.#add(text);
    return config;
  }

  static fromFile(path: string): Kubeconfig {
    const config = new Kubeconfig();
    config.#addFile(path);
    return config;
  }

  /** As kubectl: the files of $KUBECONFIG merged (the first to name an entry wins), else ~/.kube/config, else in-cluster. */
  static fromDefault(): Kubeconfig {
    const config = new Kubeconfig();
    const files = (process.env.KUBECONFIG ?? "").split(delimiter).filter(Boolean);
    if (files.length) {
      for (const file of files) config.#addFile(file);
      return config;
    }
    const home = process.env.HOME ? join(process.env.HOME, ".kube", "config") : undefined;
    if (home && exists(home)) config.#addFile(home);
    else if (exists(join(serviceAccountDir, "token"))) config.#inCluster();
    else throw new Error("no kubeconfig: $KUBECONFIG is unset, ~/.kube/config does not exist and this is not a Pod");
    return config;
  }

  getContextObject(name: string): Context | undefined {
    return this.contexts.find((c) => c.name === name);
  }

  getCurrentContext(): string {
    return this.currentContext;
  }

  setCurrentContext(name: string): void {
    this.currentContext = name;
  }

  getCurrentCluster(): Cluster | undefined {
    const name = this.getContextObject(this.currentContext)?.cluster;
    return this.clusters.find((c) => c.name === name);
  }

  getCurrentUser(): User | undefined {
    const name = this.getContextObject(this.currentContext)?.user;
    return this.users.find((u) => u.name === name);
  }

  /** Sets TLS material and auth headers of the current context on `options`, as client-node's method of this name. */
  async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (user?.exec || (user?.authProvider && !user.authProvider.config?.tokenFile)) {
      await (await this.#clientNode()).applyToHTTPSOptions(options);
      return;
    }
    if (cluster?.skipTLSVerify) options.rejectUnauthorized = false;
    if (cluster?.tlsServerName) options.servername = cluster.tlsServerName;
    const ca = fileOrData(cluster?.caFile, cluster?.caData);
    if (ca) options.ca = ca;
    if (!user) return;
    const cert = fileOrData(user.certFile, user.certData);
    if (cert) options.cert = cert;
    const key = fileOrData(user.keyFile, user.keyData);
    if (key) options.key = key;
    const headers: Record<string, string> = {};
    const tokenFile: string | undefined = user.authProvider?.config?.tokenFile;
    const token = user.token ?? (tokenFile ? this.#readTokenFile(tokenFile) : undefined);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (user.impersonateUser) headers["Impersonate-User"] = user.impersonateUser;
    if (user.username) options.auth = `${user.username}:${user.password ?? ""}`;
    options.headers = { ...(options.headers ?? {}), ...headers };
  }

  #add(text: string, dir?: string): void {
    const raw = (parse(text) ?? {}) as Record<string, unknown>;
    // Files named relative to a kubeconfig file are relative to its folder.
    const absolute = <T extends object>(entry: T, field: "caFile" | "certFile" | "keyFile"): T => {
      const path = (entry as Record<string, unknown>)[field];
      return typeof path === "string" && dir && !isAbsolute(path) ? { ...entry, [field]: join(dir, path) } : entry;
    };
    const clusters = newClusters(raw.clusters).map((c) => absolute(c, "caFile"));
    const users = newUsers(raw.users).map((u) => absolute(absolute(u, "certFile"), "keyFile"));
    const taken = <T extends { name: string }>(list: T[], entry: T): boolean => list.some((e) => e.name === entry.name);
    this.clusters.push(...clusters.filter((c) => !taken(this.clusters, c)));
    this.users.push(...users.filter((u) => !taken(this.users, u)));
    this.contexts.push(...newContexts(raw.contexts).filter((c) => !taken(this.contexts, c)));
    if (!this.currentContext && typeof raw["current-context"] === "string")
      this.currentContext = raw["current-context"];
  }

  #addFile(path: string): void {
    this.#add(readFileSync(path, "utf8"), dirname(path));
  }

  // As client-go's rest.InClusterConfig: the apiserver's Service from the environment, the mounted token and CA.
  #inCluster(): void {
    const host = process.env.KUBERNETES_SERVICE_HOST ?? "";
    const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
    const namespaceFile = join(serviceAccountDir, "namespace");
    this.clusters = [
      {
        name: "inCluster",
        server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
        caFile: join(serviceAccountDir, "ca.crt"),
        skipTLSVerify: false,
      },
    ];
    this.users = [
      {
        name: "inClusterUser",
        authProvider: { name: "tokenFile", config: { tokenFile: join(serviceAccountDir, "token") } },
      },
    ];
    this.contexts = [
      {
        name: "inClusterContext",
        cluster: "inCluster",
        user: "inClusterUser",
        ...(exists(namespaceFile) ? { namespace: readFileSync(namespaceFile, "utf8").trim() } : {}),
      },
    ];
    this.currentContext = "inClusterContext";
  }

  #readTokenFile(path: string): string {
    const cached = this.#tokenFiles.get(path);
    if (cached && Date.now() - cached.readAt < tokenFileTtlMs) return cached.token;
    const token = readFileSync(path, "utf8").trim();
    this.#tokenFiles.set(path, { token, readAt: Date.now() });
    return token;
  }

  // One client-node KubeConfig per kubeconfig, so its authenticators cache exec credentials until they expire.
  #clientNode(): Promise<KubeConfig> {
    this.#delegate ??= import("@kubernetes/client-node").then(({ KubeConfig }) => {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: this.clusters,
        users: this.users,
        contexts: this.contexts,
        currentContext: this.currentContext,
      });
      return config;
    });
    return this.#delegate;
  }
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  return data ? Buffer.from(data, "base64") : undefined;
}
