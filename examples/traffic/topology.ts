/** The call graph the traffic exporter simulates: services, who calls whom at what rate, and the clusters. */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The topology `exporter.ts` uses without `--topology`: the shop of examples/fleet-repo. */
export const defaultTopologyFile = fileURLToPath(new URL("shop.yaml", import.meta.url));

/** A service of the mesh, in the topology's namespace (its Deployment and Service share the name). */
export interface ServiceSpec {
  readonly name: string;
  /** destination_version. */
  readonly version: string;
  /** Median latency in milliseconds; latencies are log-normal around it. */
  readonly latencyMs: number;
  /** Share of requests answering 5xx without a fault; default the topology's baselineErrorRate. */
  readonly errorRate?: number;
}

/** A workload that sends requests: a service of the topology, or one outside it (an ingress gateway). */
export interface Workload {
  readonly name: string;
  readonly namespace: string;
}

/** Requests per second from a workload to a service, at cluster scale 1. */
export interface Edge {
  readonly from: Workload;
  readonly to: string;
  readonly rps: number;
}

/** A cluster of the fleet: its series carry cluster="<name>"; scale multiplies every edge's rate. */
export interface ClusterSpec {
  readonly name: string;
  readonly scale: number;
}

/** What the exporter simulates. */
export interface Topology {
  readonly namespace: string;
  readonly baselineErrorRate: number;
  readonly clientErrorRate: number;
  readonly clusters: readonly ClusterSpec[];
  readonly services: readonly ServiceSpec[];
  readonly edges: readonly Edge[];
}

/** A topology file that cannot be used: names the file and the field. */
export class TopologyError extends Error {
  readonly file: string;
  readonly field: string;

  constructor(file: string, field: string, message: string, options?: ErrorOptions) {
    super(`${file}: ${field ? `${field}: ` : ""}${message}`, options);
    this.name = "TopologyError";
    this.file = file;
    this.field = field;
  }
}

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads a topology (YAML or JSON; see shop.yaml for the format). Services and workloads are
 * DNS-1123 names; every edge's `to` is a service of the file and its `from` a service or
 * `namespace/name`; rates and latencies are positive; error rates within [0, 1]. Throws
 * TopologyError naming the file and field of the first problem.
 */
export function parseTopology(text: string, file: string): Topology {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new TopologyError(file, "", `not valid YAML: ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
  if (!isRecord(doc)) throw new TopologyError(file, "", "expected a mapping");
  const fail = (field: string, message: string): never => {
    throw new TopologyError(file, field, message);
  };
  const name = (value: unknown, field: string): string =>
    typeof value === "string" && dns1123.test(value)
      ? value
      : fail(field, `expected a DNS-1123 name, got ${String(value)}`);
  const number = (value: unknown, field: string, check: (n: number) => boolean, what: string): number =>
    typeof value === "number" && Number.isFinite(value) && check(value) ? value : fail(field, `expected ${what}`);
  const share = (value: unknown, field: string): number =>
    number(value, field, (n) => n >= 0 && n <= 1, "a share between 0 and 1");

  const namespace = name(doc.namespace ?? "default", "namespace");
  const baselineErrorRate = share(doc.baselineErrorRate ?? 0, "baselineErrorRate");
  const clientErrorRate = share(doc.clientErrorRate ?? 0, "clientErrorRate");

  if (!isRecord(doc.services) || Object.keys(doc.services).length === 0) fail("services", "expected a map of services");
  const services = Object.entries(doc.services as Record<string, unknown>).map(([key, value]): ServiceSpec => {
    const at = `services.${key}`;
    const spec = isRecord(value) ? value : fail(at, "expected a mapping");
    return {
      name: name(key, at),
      version: spec.version === undefined ? "unknown" : String(spec.version),
      latencyMs: number(spec.latencyMs ?? 10, `${at}.latencyMs`, (n) => n > 0, "a positive number"),
      ...(spec.errorRate === undefined ? {} : { errorRate: share(spec.errorRate, `${at}.errorRate`) }),
    };
  });
  const known = new Set(services.map((s) => s.name));

  if (!Array.isArray(doc.edges) || doc.edges.length === 0) fail("edges", "expected a list of edges");
  const edges = (doc.edges as unknown[]).map((value, i): Edge => {
    const at = `edges[${i}]`;
    const edge = isRecord(value) ? value : fail(at, "expected a mapping");
    const to = name(edge.to, `${at}.to`);
    if (!known.has(to)) fail(`${at}.to`, `no service ${to} in services`);
    const from = String(edge.from ?? "");
    const slash = from.indexOf("/");
    const source: Workload =
      slash >= 0
        ? { namespace: name(from.slice(0, slash), `${at}.from`), name: name(from.slice(slash + 1), `${at}.from`) }
        : { namespace, name: name(from, `${at}.from`) };
    if (slash < 0 && !known.has(source.name))
      fail(`${at}.from`, `no service ${from} in services (write namespace/name for a workload outside ${namespace})`);
    return {
      from: source,
      to,
      rps: number(edge.rps, `${at}.rps`, (n) => n > 0, "a positive number of requests per second"),
    };
  });

  const clusters = doc.clusters === undefined ? [{ name: "local", scale: 1 }] : readClusters(doc.clusters, fail, name);
  return { namespace, baselineErrorRate, clientErrorRate, clusters, services, edges };
}

function readClusters(
  value: unknown,
  fail: (field: string, message: string) => never,
  name: (value: unknown, field: string) => string,
): ClusterSpec[] {
  if (!Array.isArray(value) || value.length === 0) return fail("clusters", "expected a list of clusters");
  const clusters = value.map((c, i): ClusterSpec => {
    const at = `clusters[${i}]`;
    const spec: Record<string, unknown> = isRecord(c) ? c : { name: c };
    const scale = spec.scale ?? 1;
    if (typeof scale !== "number" || !(scale >= 0)) fail(`${at}.scale`, "expected a number, 0 or more");
    return { name: name(spec.name, `${at}.name`), scale: scale as number };
  });
  const names = clusters.map((c) => c.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) fail("clusters", `${twice} is listed twice`);
  return clusters;
}

/** Reads a topology file; see parseTopology. */
export async function loadTopology(path: string): Promise<Topology> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new TopologyError(path, "", `cannot read: ${(error as Error).message}`, { cause: error });
  }
  return parseTopology(text, path);
}

/**
 * Clusters from the command line: `staging=0.5,prod-east,prod-west` (a name, and a scale after "="; default 1).
 * Throws TopologyError (file "--clusters") on a bad entry.
 */
export function parseClusterList(list: string): ClusterSpec[] {
  const entries = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, scale] = entry.split("=");
      return scale === undefined ? { name } : { name, scale: Number(scale) };
    });
  const fail = (field: string, message: string): never => {
    throw new TopologyError("--clusters", field, message);
  };
  return readClusters(entries, fail, (value, field) =>
    typeof value === "string" && dns1123.test(value)
      ? value
      : fail(field, `expected a DNS-1123 name, got ${String(value)}`),
  );
}
