/**
 * Simulated mesh traffic: requests along the topology's edges in every cluster, counted as
 * Istio's standard metrics (reporter="destination"), with faults that raise a service's error
 * rate or latency.
 */
import { Counter, Histogram, Registry } from "prom-client";
import type { Edge, ServiceSpec, Topology } from "./topology.ts";

/** Istio's default buckets for istio_request_duration_milliseconds. */
export const istioDurationBuckets = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/** The labels of both metrics, in Istio's names, plus `cluster` (what a fleet's Prometheus adds per cluster). */
export const labelNames = [
  "reporter",
  "source_workload",
  "source_workload_namespace",
  "destination_workload",
  "destination_workload_namespace",
  "destination_service",
  "destination_service_name",
  "destination_service_namespace",
  "destination_version",
  "request_protocol",
  "response_code",
  "response_flags",
  "connection_security_policy",
  "cluster",
] as const;

type Labels = Record<(typeof labelNames)[number], string>;

/** A fault: from now on, a share of the service's requests fail and/or each takes longer. */
export interface Fault {
  readonly service: string;
  /** Only in this cluster; unset: every cluster. A cluster's own fault beats an every-cluster one. */
  readonly cluster?: string;
  /** Share of requests that answer 5xx (instead of the baseline). */
  readonly errorRate?: number;
  /** Milliseconds added to every request's latency. */
  readonly latencyMs?: number;
  /** When the fault ends by itself (RFC 3339); unset: at DELETE /faults. */
  readonly expiresAt?: string;
}

/** A fault request that cannot be used (the HTTP API answers 400 with the message). */
export class FaultError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(field ? `${field}: ${message}` : message);
    this.name = "FaultError";
    this.field = field;
  }
}

/** Options of Traffic; the defaults are for a live demo, tests pin them. */
export interface TrafficOptions {
  /** Uniform [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Milliseconds since the epoch. Default Date.now. */
  readonly now?: () => number;
  /** Longest stretch of time one advance() simulates (after a stall, the rest is skipped). Default 60 s. */
  readonly maxStepMs?: number;
}

interface Stream {
  readonly cluster: string;
  readonly scale: number;
  readonly edge: Edge;
  /** Slow swell of the rate (±10% over 5 minutes), out of phase between streams. */
  readonly phase: number;
  pending: number;
}

/** Per cluster and destination: fractional errors owed, so error shares are exact, not noisy. */
interface Owed {
  errors: number;
  notFound: number;
  errorCount: number;
}

const swellPeriodMs = 300_000;
const latencySpread = 0.5;

/**
 * The simulation. advance() turns the time since the last call into requests: each stream (a
 * cluster and an edge) sends `rps × scale` per second, ±20% noise and a ±10% five-minute swell;
 * each request answers 5xx at the destination's error rate (baseline or fault), 404 at the
 * client error rate, else 200, and takes a log-normal latency around the service's median
 * (plus a fault's latencyMs). Errors are spread evenly, not at random, so a 0.3 error rate is
 * 0.3 over any window and the baseline never bursts.
 */
export class Traffic {
  readonly registry = new Registry();
  readonly topology: Topology;
  readonly #requests: Counter<(typeof labelNames)[number]>;
  readonly #duration: Histogram<(typeof labelNames)[number]>;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #maxStepMs: number;
  readonly #services: ReadonlyMap<string, ServiceSpec>;
  readonly #streams: Stream[];
  readonly #owed = new Map<string, Owed>();
  readonly #faults = new Map<string, Fault>();
  #last: number;

  constructor(topology: Topology, options: TrafficOptions = {}) {
    this.topology = topology;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#maxStepMs = options.maxStepMs ?? 60_000;
    this.#services = new Map(topology.services.map((s) => [s.name, s]));
    this.#streams = topology.clusters.flatMap((c) =>
      topology.edges.map((edge) => ({
        cluster: c.name,
        scale: c.scale,
        edge,
        phase: this.#random() * 2 * Math.PI,
        pending: 0,
      })),
    );
    this.#requests = new Counter({
      name: "istio_requests_total",
      help: "Requests handled, counted by the destination's proxy.",
      labelNames,
      registers: [this.registry],
    });
    this.#duration = new Histogram({
      name: "istio_request_duration_milliseconds",
      help: "Request duration in milliseconds, measured by the destination's proxy.",
      labelNames,
      buckets: istioDurationBuckets,
      registers: [this.registry],
    });
    this.#last = this.#now();
  }

  /** Simulates the requests since the last call (at most maxStepMs of them) and drops expired faults. */
  advance(): void {
    const now = this.#now();
    const step = Math.min(Math.max(now - this.#last, 0), this.#maxStepMs);
    this.#last = now;
    for (const [key, fault] of this.#faults) {
      if (fault.expiresAt && Date.parse(fault.expiresAt) <= now) this.#faults.delete(key);
    }
    if (step === 0) return;
    for (const stream of this.#streams) {
      const swell = 1 + 0.1 * Math.sin((2 * Math.PI * now) / swellPeriodMs + stream.phase);
      const noise = 0.8 + 0.4 * this.#random();
      stream.pending += ((stream.edge.rps * stream.scale * step) / 1000) * swell * noise;
      const count = Math.floor(stream.pending);
      stream.pending -= count;
      if (count > 0) this.#send(stream, count);
    }
  }

  #send(stream: Stream, count: number): void {
    const service = this.#services.get(stream.edge.to);
    if (!service) return;
    const fault = this.faultFor(stream.cluster, service.name);
    const errorRate = fault?.errorRate ?? service.errorRate ?? this.topology.baselineErrorRate;
    const key = `${stream.cluster}/${service.name}`;
    const owed = this.#owed.get(key) ?? { errors: 0, notFound: 0, errorCount: 0 };
    this.#owed.set(key, owed);
    const ns = this.topology.namespace;
    const base: Omit<Labels, "response_code"> = {
      reporter: "destination",
      source_workload: stream.edge.from.name,
      source_workload_namespace: stream.edge.from.namespace,
      destination_workload: service.name,
      destination_workload_namespace: ns,
      destination_service: `${service.name}.${ns}.svc.cluster.local`,
      destination_service_name: service.name,
      destination_service_namespace: ns,
      destination_version: service.version,
      request_protocol: "http",
      response_flags: "-",
      connection_security_policy: "mutual_tls",
      cluster: stream.cluster,
    };
    const counts = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      owed.errors += errorRate;
      owed.notFound += this.topology.clientErrorRate;
      let code = "200";
      if (owed.errors >= 1) {
        owed.errors -= 1;
        // Most failures are the proxy's 503 (no healthy upstream, overload); one in five the app's 500.
        code = ++owed.errorCount % 5 === 0 ? "500" : "503";
      } else if (owed.notFound >= 1) {
        owed.notFound -= 1;
        code = "404";
      }
      counts.set(code, (counts.get(code) ?? 0) + 1);
      const failedFast = code.startsWith("5") ? 0.5 : 1;
      this.#duration.observe(
        { ...base, response_code: code },
        this.#latency(service) * failedFast + (fault?.latencyMs ?? 0),
      );
    }
    for (const [code, n] of counts) this.#requests.inc({ ...base, response_code: code }, n);
  }

  /** Log-normal around the median (Box–Muller). */
  #latency(service: ServiceSpec): number {
    const u = 1 - this.#random();
    const v = this.#random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return service.latencyMs * Math.exp(latencySpread * z);
  }

  /** The fault in effect for a service in a cluster: the cluster's own, else the every-cluster one. */
  faultFor(cluster: string, service: string): Fault | undefined {
    return this.#faults.get(`${cluster}/${service}`) ?? this.#faults.get(`*/${service}`);
  }

  /**
   * Sets a fault from a request body: `{service, cluster?, errorRate?, latencyMs?, durationSeconds?}`.
   * Replaces the fault of the same service and cluster. Throws FaultError naming the field.
   */
  setFault(input: unknown): Fault {
    if (typeof input !== "object" || input === null || Array.isArray(input))
      throw new FaultError("", 'expected a JSON object like {"service":"checkout","errorRate":0.3}');
    const body = input as Record<string, unknown>;
    const allowed = ["service", "cluster", "errorRate", "latencyMs", "durationSeconds"];
    const unknown = Object.keys(body).find((k) => !allowed.includes(k));
    if (unknown) throw new FaultError(unknown, `unknown field (known: ${allowed.join(", ")})`);
    const service = body.service;
    if (typeof service !== "string" || !this.#services.has(service))
      throw new FaultError("service", `expected one of ${[...this.#services.keys()].join(", ")}`);
    const cluster = body.cluster;
    const clusters = this.topology.clusters.map((c) => c.name);
    if (cluster !== undefined && (typeof cluster !== "string" || !clusters.includes(cluster)))
      throw new FaultError("cluster", `expected one of ${clusters.join(", ")}`);
    const number = (field: string, ok: (n: number) => boolean, what: string): number | undefined => {
      const value = body[field];
      if (value === undefined) return undefined;
      if (typeof value !== "number" || !Number.isFinite(value) || !ok(value))
        throw new FaultError(field, `expected ${what}`);
      return value;
    };
    const errorRate = number("errorRate", (n) => n >= 0 && n <= 1, "a share between 0 and 1");
    const latencyMs = number("latencyMs", (n) => n >= 0, "milliseconds, 0 or more");
    const seconds = number("durationSeconds", (n) => n > 0, "seconds, more than 0");
    if (errorRate === undefined && latencyMs === undefined)
      throw new FaultError("", "set errorRate, latencyMs or both");
    const fault: Fault = {
      service,
      ...(cluster === undefined ? {} : { cluster: cluster as string }),
      ...(errorRate === undefined ? {} : { errorRate }),
      ...(latencyMs === undefined ? {} : { latencyMs }),
      ...(seconds === undefined ? {} : { expiresAt: new Date(this.#now() + seconds * 1000).toISOString() }),
    };
    // Requests until now happened before the fault.
    this.advance();
    this.#faults.set(`${fault.cluster ?? "*"}/${service}`, fault);
    return fault;
  }

  /** Removes the faults matching the filter (all without one); returns how many. */
  clearFaults(filter: { service?: string | undefined; cluster?: string | undefined } = {}): number {
    this.advance();
    let removed = 0;
    for (const [key, fault] of this.#faults) {
      if (filter.service !== undefined && fault.service !== filter.service) continue;
      if (filter.cluster !== undefined && fault.cluster !== filter.cluster) continue;
      this.#faults.delete(key);
      removed++;
    }
    return removed;
  }

  /** The faults in effect, by service then cluster. */
  faults(): Fault[] {
    this.advance();
    return [...this.#faults.values()].sort(
      (a, b) => a.service.localeCompare(b.service) || (a.cluster ?? "").localeCompare(b.cluster ?? ""),
    );
  }

  /** The metrics now, in the Prometheus text format. */
  async metrics(): Promise<string> {
    this.advance();
    return this.registry.metrics();
  }
}
