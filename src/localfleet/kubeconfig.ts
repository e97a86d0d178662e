/** Kubeconfig files for the local fleet: one context per cluster, certificates embedded. */
import { parse, stringify } from "yaml";
import type { KeyPair } from "./pki.ts";

/** One context: a cluster endpoint and the client certificate that logs in to it. */
export interface ContextEntry {
  readonly name: string;
  readonly server: string;
  readonly caPem: string;
  readonly user: string;
  readonly credentials: KeyPair;
}

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** The Config objects of a kubeconfig, keyed by name so they merge with other files. */
export function kubeconfigEntries(entry: ContextEntry): {
  cluster: Record<string, unknown>;
  user: Record<string, unknown>;
  context: Record<string, unknown>;
} {
  return {
    cluster: { name: entry.name, cluster: { server: entry.server, "certificate-authority-data": b64(entry.caPem) } },
    user: {
      name: entry.user,
      user: {
        "client-certificate-data": b64(entry.credentials.certPem),
        "client-key-data": b64(entry.credentials.keyPem),
      },
    },
    context: { name: entry.name, context: { cluster: entry.name, user: entry.user } },
  };
}

/** A whole kubeconfig with the given contexts; the first is current. */
export function renderKubeconfig(entries: readonly ContextEntry[]): string {
  const parts = entries.map(kubeconfigEntries);
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": entries[0]?.name ?? "",
    clusters: parts.map((p) => p.cluster),
    users: parts.map((p) => p.user),
    contexts: parts.map((p) => p.context),
    preferences: {},
  });
}

type Named = { name?: unknown };

function upsert(list: unknown, items: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const kept = (Array.isArray(list) ? (list as Named[]) : []).filter((e) => !items.some((i) => i.name === e.name));
  return [...(kept as Record<string, unknown>[]), ...items];
}

/**
 * Adds (or replaces, by name) the given contexts in the kubeconfig at `path`,
 * creating the file if needed; other entries are kept. Sets current-context
 * only when the file has none.
 */
export function mergeKubeconfig(existing: string | undefined, entries: readonly ContextEntry[]): string {
  const config = (existing ? parse(existing) : undefined) ?? { apiVersion: "v1", kind: "Config", preferences: {} };
  const parts = entries.map(kubeconfigEntries);
  config.clusters = upsert(
    config.clusters,
    parts.map((p) => p.cluster),
  );
  config.users = upsert(
    config.users,
    parts.map((p) => p.user),
  );
  config.contexts = upsert(
    config.contexts,
    parts.map((p) => p.context),
  );
  if (!config["current-context"] && entries[0]) config["current-context"] = entries[0].name;
  return stringify(config);
}

/** Removes the named contexts with their clusters and users from kubeconfig text. */
export function removeFromKubeconfig(
  existing: string,
  contextNames: readonly string[],
  userNames: readonly string[],
): string {
  const config = parse(existing) ?? {};
  const drop = (list: unknown, names: readonly string[]): unknown =>
    Array.isArray(list) ? (list as Named[]).filter((e) => !names.includes(String(e.name))) : list;
  config.clusters = drop(config.clusters, contextNames);
  config.contexts = drop(config.contexts, contextNames);
  config.users = drop(config.users, userNames);
  if (contextNames.includes(String(config["current-context"]))) config["current-context"] = "";
  return stringify(config);
}
