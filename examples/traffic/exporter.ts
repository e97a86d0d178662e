/**
 * The demo's traffic exporter: `node examples/traffic/exporter.ts [--listen HOST:PORT]
 * [--topology FILE] [--clusters a,b=0.5]`. Serves Istio's request metrics for a simulated
 * shop at /metrics and takes faults at /faults (see README.md).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { defaultTopologyFile, loadTopology, parseClusterList, type Topology, TopologyError } from "./topology.ts";
import { FaultError, Traffic, type TrafficOptions } from "./traffic.ts";

/** Where and what to serve. */
export interface ExporterOptions extends TrafficOptions {
  readonly topology: Topology;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 9464; 0 picks a free port. */
  readonly port?: number;
  /** How often the counters advance between scrapes, in ms. Default 1000. */
  readonly tickMs?: number;
}

/** A running exporter. */
export interface RunningExporter {
  /** http://host:port */
  readonly url: string;
  /** host:port, as a Prometheus target. */
  readonly address: string;
  readonly traffic: Traffic;
  close(): Promise<void>;
}

const maxBodyBytes = 64 * 1024;

const usage = `traffic exporter: Istio request metrics for a simulated shop
  GET    /metrics                 istio_requests_total, istio_request_duration_milliseconds
  GET    /faults                  the faults in effect
  POST   /faults                  {"service":"checkout","errorRate":0.3[,"latencyMs":500][,"cluster":"staging"][,"durationSeconds":300]}
  DELETE /faults[?service=S][&cluster=C]
  GET    /topology                the simulated call graph
`;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = typeof body !== "string";
  res.writeHead(status, { "content-type": json ? "application/json" : "text/plain; charset=utf-8", ...headers });
  res.end(json ? `${JSON.stringify(body, null, 2)}\n` : body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new FaultError("", `request body over ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new FaultError("", 'the body is not JSON; send e.g. {"service":"checkout","errorRate":0.3}');
  }
}

async function handle(traffic: Traffic, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://exporter");
  const method = req.method ?? "GET";
  const route = (allow: string[]): boolean => {
    if (allow.includes(method)) return true;
    send(res, 405, { error: `${method} not allowed on ${url.pathname}` }, { allow: allow.join(", ") });
    return false;
  };
  switch (url.pathname) {
    case "/metrics":
      if (route(["GET"])) send(res, 200, await traffic.metrics(), { "content-type": traffic.registry.contentType });
      return;
    case "/faults":
      if (!route(["GET", "POST", "DELETE"])) return;
      try {
        if (method === "POST") {
          const fault = traffic.setFault(await readJson(req));
          send(res, 200, { fault, faults: traffic.faults() });
        } else if (method === "DELETE") {
          const removed = traffic.clearFaults({
            service: url.searchParams.get("service") ?? undefined,
            cluster: url.searchParams.get("cluster") ?? undefined,
          });
          send(res, 200, { removed, faults: traffic.faults() });
        } else {
          send(res, 200, { faults: traffic.faults() });
        }
      } catch (error) {
        if (!(error instanceof FaultError)) throw error;
        send(res, 400, { error: error.message, field: error.field });
      }
      return;
    case "/topology":
      if (route(["GET"])) send(res, 200, traffic.topology);
      return;
    case "/healthz":
      if (route(["GET"])) send(res, 200, "ok\n");
      return;
    case "/":
      if (route(["GET"])) send(res, 200, usage);
      return;
    default:
      send(res, 404, { error: `no ${url.pathname}; see /` });
  }
}

/** Starts the exporter; the counters advance every tickMs and on each request. */
export async function startExporter(options: ExporterOptions): Promise<RunningExporter> {
  const traffic = new Traffic(options.topology, options);
  const server: Server = createServer((req, res) => {
    handle(traffic, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 9464, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const timer = setInterval(() => traffic.advance(), options.tickMs ?? 1000);
  const { address, port, family } = server.address() as AddressInfo;
  const host = family === "IPv6" ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    address: `${host}:${port}`,
    traffic,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `--listen 127.0.0.1:9464`, `:9464` or `[::1]:9464`. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535)
    throw new TopologyError("--listen", "", `expected HOST:PORT such as 127.0.0.1:9464, got "${value}"`);
  return { host: match[1] ?? (match[2] || "0.0.0.0"), port };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: "string", default: "127.0.0.1:9464" },
      topology: { type: "string", default: defaultTopologyFile },
      clusters: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      `usage: node examples/traffic/exporter.ts [--listen HOST:PORT] [--topology FILE] [--clusters NAME[=SCALE],...]\n\n${usage}`,
    );
    return;
  }
  const topology = await loadTopology(values.topology);
  const clusters = values.clusters === undefined ? topology.clusters : parseClusterList(values.clusters);
  const exporter = await startExporter({ ...parseListen(values.listen), topology: { ...topology, clusters } });
  console.log(
    `traffic exporter on ${exporter.url}/metrics: ${topology.edges.length} edges of ${topology.services.length} services in ${clusters.map((c) => c.name).join(", ")}`,
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void exporter.close());
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`traffic exporter: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(
      error instanceof TopologyError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1,
    );
  });
}
