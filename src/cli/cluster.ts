/**
 * `kaika cluster add|remove|list`: register fleet clusters in the admin
 * cluster. `add` copies one kubeconfig context, credentials inlined, into a
 * Secret and creates the Cluster that points at it.
 */
import { readFileSync } from "node:fs";
import { stringify } from "yaml";
import { ClusterKind } from "../controllers/index.ts";
import { ensureNamespace } from "../kube/api.ts";
import { loadKubeconfig } from "../kube/client.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import { connect } from "./connect.ts";
import type { GlobalOptions } from "./main.ts";
import { bad, ok, print, table, UsageError } from "./output.ts";

/** Every Cluster carries its own name as this label, so selectors can pick one cluster. */
export const clusterNameLabel = "kaika.dev/cluster";

/** Flags of `kaika cluster add`. */
export interface AddFlags {
  readonly label?: string[];
  /** The admin cluster's context (the global --context names the cluster being added). */
  readonly adminContext?: string;
}

const defaultNamespace = "kaika-system";
const secretKind = gvk("v1", "Secret");

/** Parses k=v pairs, naming the bad one. */
export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--label "${pair}": expected key=value`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/** A kubeconfig holding only `context`, with certificates and keys inlined (the Secret must stand alone). */
export function standaloneKubeconfig(path: string | undefined, context: string): string {
  const config = loadKubeconfig({ ...(path ? { path } : {}), context });
  const ctx = config.getContextObject(context);
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  if (!ctx || !cluster) throw new UsageError(`kubeconfig context "${context}" names no cluster`);
  const inline = (data: string | undefined, file: string | undefined): string | undefined =>
    data ?? (file ? readFileSync(file).toString("base64") : undefined);
  const userEntry: Record<string, unknown> = {};
  const cert = inline(user?.certData, user?.certFile);
  const key = inline(user?.keyData, user?.keyFile);
  if (cert) userEntry["client-certificate-data"] = cert;
  if (key) userEntry["client-key-data"] = key;
  if (user?.token) userEntry.token = user.token;
  if (user?.username) userEntry.username = user.username;
  if (user?.password) userEntry.password = user.password;
  if (user?.exec) userEntry.exec = user.exec;
  const ca = inline(cluster.caData, cluster.caFile);
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          ...(ca ? { "certificate-authority-data": ca } : {}),
          ...(cluster.skipTLSVerify ? { "insecure-skip-tls-verify": true } : {}),
          ...(cluster.tlsServerName ? { "tls-server-name": cluster.tlsServerName } : {}),
        },
      },
    ],
    users: [{ name: user?.name ?? "user", user: userEntry }],
    contexts: [{ name: context, context: { cluster: cluster.name, user: user?.name ?? "user" } }],
    "current-context": context,
  });
}

/** Registers the cluster of kubeconfig context `--context` as Cluster NAME in the admin cluster. */
export async function add(options: GlobalOptions, name: string, flags: AddFlags): Promise<void> {
  if (!options.context) throw new UsageError("--context: name the kubeconfig context of the cluster to add");
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
    throw new UsageError(`cluster name "${name}": lower-case letters, digits and '-' only`);
  const labels = { ...parseLabels(flags.label ?? []), [clusterNameLabel]: name };
  const kubeconfig = standaloneKubeconfig(options.kubeconfig, options.context);
  const api = connect({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(flags.adminContext ? { context: flags.adminContext } : {}),
  });
  const namespace = options.namespace ?? defaultNamespace;
  try {
    await ensureNamespace(api, namespace);
    const secretName = `cluster-${name}-kubeconfig`;
    await api.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: secretName, namespace, labels: { [clusterNameLabel]: name } },
        type: "Opaque",
        stringData: { kubeconfig },
      },
      { fieldManager: "kaika-cli", force: true },
    );
    await api.apply(
      {
        apiVersion: "kaika.dev/v1alpha1",
        kind: "Cluster",
        metadata: { name, namespace, labels },
        spec: { kubeconfigSecretRef: { name: secretName } },
      },
      { fieldManager: "kaika-cli", force: true },
    );
    console.log(`cluster ${namespace}/${name} registered (context ${options.context}, Secret ${secretName})`);
  } finally {
    await api.close();
  }
}

/** Deletes Cluster NAME and its kubeconfig Secret; what was applied there stays. */
export async function remove(options: GlobalOptions, name: string): Promise<void> {
  const api = connect(options);
  const namespace = options.namespace ?? defaultNamespace;
  try {
    let cluster: KubeObject;
    try {
      cluster = await api.get(ClusterKind, name, namespace);
    } catch (error) {
      if (error instanceof NotFoundError) throw new UsageError(`no Cluster ${namespace}/${name}`);
      throw error;
    }
    await api.delete(ClusterKind, name, namespace);
    const secret = (cluster.spec as { kubeconfigSecretRef?: { name?: string } }).kubeconfigSecretRef?.name;
    if (secret) await api.delete(secretKind, secret, namespace).catch(() => {});
    console.log(`cluster ${namespace}/${name} removed (objects kaika applied there are left as they are)`);
  } finally {
    await api.close();
  }
}

type ClusterStatusView = {
  reachable?: boolean;
  kubernetesVersion?: string;
  nodeCount?: number;
  lastContactTime?: string;
  conditions?: { type: string; message: string }[];
};

/** Lists Clusters: reachable, version, nodes, labels. */
export async function list(options: GlobalOptions): Promise<void> {
  const api = connect(options);
  try {
    const { items } = await api.list(ClusterKind, options.namespace ? { namespace: options.namespace } : {});
    print(options.output, { apiVersion: "v1", kind: "List", items }, () =>
      table(
        ["namespace", "name", "reachable", "version", "nodes", "labels"],
        items.map((c) => {
          const s = (c.status ?? {}) as ClusterStatusView;
          return [
            c.metadata.namespace ?? "",
            c.metadata.name ?? "",
            s.reachable ? ok("True") : bad(s.reachable === false ? "False" : "Unknown"),
            s.kubernetesVersion ?? "",
            s.nodeCount === undefined ? "" : String(s.nodeCount),
            Object.entries(c.metadata.labels ?? {})
              .filter(([k]) => k !== clusterNameLabel)
              .map(([k, v]) => `${k}=${v}`)
              .join(","),
          ];
        }),
      ),
    );
  } finally {
    await api.close();
  }
}
