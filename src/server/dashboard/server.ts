/**
 * The dashboard's HTTP server (node:http): the JSON API under /api/v1 — authenticated, authorized,
 * CSRF-checked for actions, errors as `{"error": …}` without stack traces — server-sent events, and
 * the browser app's static files for every other path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeApiError, NotFoundError } from "../../kube/errors.ts";
import { type ActionName, actionAttributes, actionNames, namespaceActions, runAction } from "./actions.ts";
import { Authenticator, type AuthOptions, type Caller } from "./auth.ts";
import type { DashboardContext } from "./context.ts";
import { checkCsrf, checkSameOrigin, ensureCsrfToken } from "./csrf.ts";
import { EventHub, type EventHubOptions } from "./events.ts";
import { clusterView, contactTimeOnly, FleetJson, syncView } from "./fleet-view.ts";
import { ApiError, type Encoded, objectName, Query, send, sendJson } from "./http.ts";
import { readiness, readinessTrend } from "./readiness-view.ts";
import { endSession, readSignIn, startSession } from "./session.ts";
import { sloSeries, slos } from "./slo-view.ts";
import { StaticAssets } from "./static.ts";
import { syncDetail } from "./sync-detail.ts";
import { syncDiff } from "./sync-diff.ts";
import { topology } from "./topology-view.ts";
import type { ChangeEvent, SessionResponse, WhoamiResponse } from "./types.ts";
import { versions, versionsDiff } from "./versions-view.ts";

/** Options of the dashboard server. */
export interface DashboardOptions {
  /** host:port; port 0 picks a free one. */
  readonly address: string;
  readonly context: DashboardContext;
  /** True once the informer caches have synced; until then the API answers 503. */
  readonly synced: () => boolean;
  /** Take actions (POST) at all; default false: read-only. */
  readonly allowActions?: boolean;
  /** The browser app's built files; default web/dist. */
  readonly assetsDir?: string;
  readonly auth?: AuthOptions;
  readonly events?: EventHubOptions;
}

/** A running dashboard. */
export interface DashboardServer {
  /** http://host:port/ */
  readonly url: string;
  /** host:port as bound. */
  readonly address: string;
  readonly hub: EventHub;
  /** Ends the SSE streams and stops listening. */
  close(): Promise<void>;
}

type Handler = (call: Call) => Promise<unknown>;

/** One API request, parsed. */
interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly caller: Caller;
  readonly params: readonly string[];
  readonly query: Query;
}

interface Route {
  readonly method: "GET" | "POST" | "DELETE";
  readonly pattern: RegExp;
  readonly handler: Handler;
  /** The query parameters it takes; any other is a 400. */
  readonly query?: readonly string[];
  /** Answers itself (SSE, cached bodies) instead of returning a value to send as JSON. */
  readonly raw?: boolean;
  /** Open to anyone (signing in and out): the handler checks what it needs; `caller` is not set. */
  readonly open?: boolean;
  /** Reads the request body itself; other requests' bodies are discarded. */
  readonly readsBody?: boolean;
}

const segment = "([^/]+)";
const api = (path: string): RegExp => new RegExp(`^/api/v1${path}$`);

/** Starts the dashboard on `options.address`; resolves once it listens. */
export async function serveDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const ctx = options.context;
  const log = ctx.log.child({ component: "dashboard" });
  const allowActions = options.allowActions === true;
  const auth = new Authenticator(ctx.api, options.auth);
  const assets = new StaticAssets(options.assetsDir);
  const sourceOf = (namespace: string, name: string) => ctx.caches.sources.get(`${namespace}/${name}`);
  const describe = (kind: string, namespace: string, name: string): ChangeEvent | undefined => {
    const key = `${namespace}/${name}`;
    const base = { kind, namespace, name, type: "upsert" as const };
    if (kind === "Cluster") {
      const c = ctx.caches.clusters.get(key);
      return c && { ...base, cluster: clusterView(c) };
    }
    if (kind === "Sync") {
      const s = ctx.caches.syncs.get(key);
      return s && { ...base, sync: syncView(s, sourceOf(namespace, s.spec.sourceRef.name)) };
    }
    const cache = {
      GitSource: ctx.caches.sources,
      ServiceLevelObjective: ctx.caches.slos,
      ReadinessPolicy: ctx.caches.policies,
    }[kind];
    return cache?.get(key) ? base : undefined;
  };
  const hub = new EventHub(describe, options.events);
  hub.watch(ctx.caches.syncs, "Sync");
  hub.watch(ctx.caches.clusters, "Cluster", contactTimeOnly);
  hub.watch(ctx.caches.sources, "GitSource");
  if (ctx.caches.slos) hub.watch(ctx.caches.slos, "ServiceLevelObjective");
  if (ctx.caches.policies) hub.watch(ctx.caches.policies, "ReadinessPolicy");
  // The fleet answer is rebuilt only after something changed.
  let fleetCache: Encoded | undefined;
  const fleetJson = new FleetJson();
  hub.onChange(() => {
    fleetCache = undefined;
  });

  const name = (call: Call, i: number, field: string): string => objectName(field, call.params[i] ?? "");
  // Reading anything needs list on Syncs in every namespace: the dashboard shows the whole fleet.
  const mayRead = (caller: Caller): Promise<boolean> =>
    caller.via === "loopback"
      ? Promise.resolve(true)
      : auth.may(caller, { verb: "list", group: "kaika.dev", resource: "syncs", namespace: "" });
  const cannotRead = (caller: Caller): ApiError =>
    new ApiError(403, `${caller.user} may not list syncs.kaika.dev in all namespaces: the dashboard shows all`, {
      reason: "Forbidden",
    });
  const routes: Route[] = [
    {
      method: "POST",
      pattern: api("/session"),
      open: true,
      readsBody: true,
      handler: async ({ req, res }): Promise<SessionResponse> => {
        checkSameOrigin(req);
        const token = await readSignIn(req);
        const caller = await auth.review(token);
        if (!caller)
          throw new ApiError(401, "the apiserver did not accept this token (TokenReview)", { reason: "Unauthorized" });
        if (!(await mayRead(caller))) throw cannotRead(caller);
        startSession(req, res, token);
        ensureCsrfToken(req, res);
        return { user: caller.user, groups: caller.groups };
      },
    },
    {
      method: "DELETE",
      pattern: api("/session"),
      open: true,
      handler: async ({ req, res }): Promise<SessionResponse> => {
        checkSameOrigin(req);
        endSession(res);
        return { user: null, groups: [] };
      },
    },
    {
      method: "GET",
      pattern: api("/fleet"),
      raw: true,
      handler: async ({ req, res }) => {
        fleetCache ??= { status: 200, json: Buffer.from(fleetJson.build(ctx.caches, hub.lastId)) };
        send(req, res, fleetCache);
      },
    },
    {
      method: "GET",
      pattern: api(`/syncs/${segment}/${segment}`),
      query: ["cluster"],
      handler: async (c) => syncDetail(ctx, name(c, 0, "namespace"), name(c, 1, "name"), c.query.get("cluster")),
    },
    {
      method: "GET",
      pattern: api(`/syncs/${segment}/${segment}/diff`),
      query: ["cluster"],
      handler: async (c) => syncDiff(ctx, name(c, 0, "namespace"), name(c, 1, "name"), c.query.get("cluster")),
    },
    {
      method: "POST",
      pattern: api(`/syncs/${segment}/${segment}/(${actionNames.join("|")})`),
      handler: async (c) => {
        const [namespace, sync] = [name(c, 0, "namespace"), name(c, 1, "name")];
        if (!allowActions)
          throw new ApiError(403, "this dashboard is read-only (start it with --allow-actions)", {
            reason: "ActionsDisabled",
          });
        checkCsrf(c.req);
        if (!(await auth.may(c.caller, actionAttributes(namespace, sync))))
          throw new ApiError(403, `${c.caller.user} may not patch syncs.kaika.dev in namespace ${namespace}`, {
            reason: "Forbidden",
          });
        return runAction(ctx, namespace, sync, c.params[2] as ActionName);
      },
    },
    {
      method: "GET",
      pattern: api("/versions"),
      query: ["at", "cluster"],
      handler: async ({ query }) => versions(ctx, query.get("at"), query.get("cluster")),
    },
    {
      method: "GET",
      pattern: api("/versions/diff"),
      query: ["a", "b"],
      handler: async ({ query }) => versionsDiff(ctx, query.required("a"), query.required("b")),
    },
    { method: "GET", pattern: api("/readiness"), handler: async () => readiness(ctx) },
    {
      method: "GET",
      pattern: api("/readiness/trend"),
      query: ["range", "step"],
      handler: async ({ query }) => readinessTrend(ctx, query.get("range") ?? "7d", query.get("step")),
    },
    { method: "GET", pattern: api("/slos"), handler: async () => slos(ctx) },
    {
      method: "GET",
      pattern: api(`/slos/${segment}/${segment}/series`),
      query: ["range", "step"],
      handler: async (c) =>
        sloSeries(ctx, name(c, 0, "namespace"), name(c, 1, "name"), c.query.get("range") ?? "6h", c.query.get("step")),
    },
    {
      method: "GET",
      pattern: api("/topology"),
      query: ["window", "cluster"],
      handler: async ({ query }) => topology(ctx, query.get("window") ?? "5m", query.get("cluster")),
    },
    {
      method: "GET",
      pattern: api("/events"),
      raw: true,
      query: ["lastEventId"],
      handler: async ({ req, res, query }) => {
        const header = req.headers["last-event-id"];
        hub.subscribe(req, res, typeof header === "string" ? header : query.get("lastEventId"));
      },
    },
    {
      method: "GET",
      pattern: api("/whoami"),
      handler: async ({ req, res, caller }): Promise<WhoamiResponse> => {
        const csrfToken = ensureCsrfToken(req, res);
        return {
          user: caller.user,
          groups: caller.groups,
          via: caller.via,
          actionsEnabled: allowActions,
          actions: actionNames,
          namespaces: await namespaceActions(ctx, auth, caller, allowActions),
          csrfToken,
        };
      },
    },
  ];

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
    const matching = routes.filter((r) => r.pattern.test(url.pathname));
    if (matching.length === 0) throw new ApiError(404, `no endpoint ${url.pathname}`, { reason: "NotFound" });
    const route = matching.find((r) => r.method === method);
    if (!route) {
      const allow = [...new Set(matching.map((r) => r.method))].join(", ");
      res.setHeader("allow", allow);
      throw new ApiError(405, `${req.method} is not allowed here (allowed: ${allow})`, { reason: "MethodNotAllowed" });
    }
    if (!route.readsBody) req.resume();
    // Open routes (signing in and out) check what they need themselves and never read `caller`.
    const caller: Caller = route.open ? { user: "", groups: [], via: "token" } : await auth.authenticate(req);
    if (!route.open && !(await mayRead(caller))) throw cannotRead(caller);
    if (!options.synced() && !route.open && !url.pathname.endsWith("/topology"))
      throw new ApiError(503, "kaika is starting: its caches are not synced yet", { reason: "Starting" });
    const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw new ApiError(400, `bad path encoding: ${p}`, { reason: "BadParameter" });
      }
    });
    const query = new Query(url.searchParams).only(...(route.query ?? []));
    const value = await route.handler({ req, res, caller, params, query });
    if (!route.raw) sendJson(req, res, 200, value);
  };

  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    let answer: ApiError;
    if (error instanceof ApiError) answer = error;
    else if (error instanceof NotFoundError)
      answer = new ApiError(404, "not found in the cluster", { reason: "NotFound" });
    else if (error instanceof KubeApiError)
      answer = new ApiError(502, `the apiserver answered ${error.status} ${error.reason}`, { reason: "ApiServer" });
    else {
      log.error({ err: error, path: req.url }, "dashboard request failed");
      answer = new ApiError(500, "internal error (see kaika's log)", { reason: "Internal" });
    }
    if (answer.status >= 500 && answer.reason !== "Internal")
      log.warn({ path: req.url, status: answer.status, err: error }, answer.message);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(req, res, answer.status, answer.body(), answer.status === 401 ? { "www-authenticate": "Bearer" } : {});
  };

  const server: Server = createServer((req, res) => {
    // Only the API's sign-in reads a body; every other one is drained.
    if (!req.url?.startsWith("/api/")) req.resume();
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://dashboard");
    } catch {
      return fail(req, res, new ApiError(400, "bad request URL", { reason: "BadParameter" }));
    }
    const work =
      url.pathname === "/api" || url.pathname.startsWith("/api/")
        ? handleApi(req, res, url)
        : req.method === "GET" || req.method === "HEAD"
          ? assets.serve(req, res, url.pathname)
          : Promise.reject(new ApiError(405, `${req.method} is not allowed here`, { reason: "MethodNotAllowed" }));
    work.catch((error: unknown) => fail(req, res, error));
  });
  const colon = options.address.lastIndexOf(":");
  const host = (colon > 0 ? options.address.slice(0, colon) : "127.0.0.1").replace(/^\[|\]$/g, "");
  const port = Number(options.address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`dashboard address "${options.address}": expected host:port`);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shown = host.includes(":") ? `[${host}]` : host;
  const address = `${shown}:${bound.port}`;
  log.info({ address, actions: allowActions }, "serving the dashboard");
  return {
    url: `http://${address}/`,
    address,
    hub,
    close: async () => {
      hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
