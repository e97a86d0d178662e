/**
 * The dashboard's JSON API served by `kaika run --dashboard-bind-address` on a real 2-cluster local
 * fleet, with a real Git repository and a real Prometheus: the fleet view lists the clusters and the
 * Sync with its revision; a push arrives as a server-sent event and a new revision; a hand scale is
 * drift, then reverted; the ledger answers at an earlier time; ServiceAccount tokens are checked with
 * TokenReview and SubjectAccessReview (read-only 403, operator 200), CSRF and origins are enforced;
 * the diff of a suspended Sync; SLO budgets from Prometheus and a 503 once it is gone; bad parameters
 * are 400s; a planted secret value appears in no answer; `kaika dashboard` prints its URL and serves.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KubeApi } from "../src/kube/api.ts";
import { gvk, type KubeObject } from "../src/kube/types.ts";
import { freePort } from "../src/localfleet/ports.ts";
import type {
  DiffResponse,
  FleetResponse,
  ReadinessResponse,
  SloSeriesResponse,
  SlosResponse,
  SyncDetailResponse,
  VersionsDiffResponse,
  VersionsResponse,
  WhoamiResponse,
} from "../src/server/dashboard/types.ts";
import { parseSloSources, ruleFile } from "../src/slo/index.ts";
import { applyDashboardFleet, dashboardSloSpec } from "./support/dashboard-fleet.ts";
import { useFleet } from "./support/fleet.ts";
import { createRepo, type TestRepo } from "./support/git.ts";
import { kaikaBin, type RunningKaika, startKaikaRun, webImage } from "./support/kaika.ts";
import { startExporter, startPrometheus, type TestPrometheus, Traffic } from "./support/prometheus.ts";
import { openSse, type SseStream } from "./support/sse.ts";
import { eventually } from "./support/wait.ts";

const fleet = useFleet(2);
const Deployment = gvk("apps/v1", "Deployment");
const Cluster = gvk("kaika.dev/v1alpha1", "Cluster");

// A value no answer may ever contain, in any encoding the cluster keeps it in.
const planted = `planted-${randomBytes(12).toString("hex")}`;
const plantedEnv = `env-${randomBytes(12).toString("hex")}`;
const forbidden = [planted, Buffer.from(planted).toString("base64"), plantedEnv];

const web = (version: string, secret: string): Record<string, string> => ({
  "apps/web/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
  "apps/web/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
stringData:
  password: ${secret}
`,
  "apps/web/web.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app.kubernetes.io/name: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: web:${version}
          env:
            - {name: DB_PASSWORD, value: ${plantedEnv}}
            - name: DB_PASSWORD_REF
              valueFrom: {secretKeyRef: {name: db, key: password}}
`,
});

const sloSpec = dashboardSloSpec;

interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

describe("dashboard API", { timeout: 900_000 }, () => {
  let repo: TestRepo;
  let admin: KubeApi;
  let prod: KubeApi;
  let controller: RunningKaika;
  let data: string;
  let base: string;
  let prometheus: TestPrometheus;
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  let events: SseStream;
  const commits: string[] = [];
  const traffic = new Traffic();
  traffic.add({ labels: {}, requestsPerSecond: 100, errorRatio: 0.0004 });
  /** Every answer body, for the planted-secret check at the end. */
  const seen: string[] = [];

  const call = async <T>(
    path: string,
    init: { method?: string; token?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> => {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? "GET",
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
    });
    const text = await response.text();
    seen.push(text);
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = text as T;
    }
    return { status: response.status, body, text, headers: response.headers };
  };
  const get = async <T>(path: string, token?: string): Promise<T> => {
    const answer = await call<T>(path, token ? { token } : {});
    assert.equal(answer.status, 200, `${path}: ${answer.text}`);
    return answer.body;
  };
  /** POSTs an action with a CSRF token obtained from whoami, as the browser app does. */
  const act = async (
    path: string,
    token?: string,
    csrf = true,
  ): Promise<Answer<{ error?: string; reason?: string }>> => {
    const who = await call<WhoamiResponse>("/api/v1/whoami", token ? { token } : {});
    const cookie = (who.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    return call(path, {
      method: "POST",
      ...(token ? { token } : {}),
      headers: { cookie, ...(csrf ? { "x-kaika-csrf": who.body.csrfToken } : {}) },
    });
  };
  const fleetView = () => get<FleetResponse>("/api/v1/fleet");
  const webSync = async () => (await fleetView()).syncs.find((s) => s.name === "web");
  const wait = <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 120_000) =>
    eventually(what, read, done, ms).catch((error: Error) => {
      throw new Error(`${error.message}\n--- kaika run log (tail) ---\n${controller.log().slice(-5000)}`);
    });
  const rolledOut = (sha: string) =>
    wait(
      `both clusters run ${sha.slice(0, 7)}`,
      fleetView,
      (f) =>
        f.clusters.length === 2 &&
        f.clusters.every((c) => c.syncs.some((s) => s.sync === "kaika-system/web" && s.revision?.endsWith(sha))),
    );
  const token = async (name: string): Promise<string> => {
    const review = await admin.client.request<{ status: { token: string } }>(
      "POST",
      `/api/v1/namespaces/kaika-system/serviceaccounts/${name}/token`,
      { body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } } },
    );
    return review.status.token;
  };

  before(async () => {
    const [first, second] = fleet().clusters;
    admin = KubeApi.load({ path: first?.kubeconfigPath ?? "" });
    prod = KubeApi.load({ path: second?.kubeconfigPath ?? "" });
    exporter = await startExporter(() => traffic.render());
    prometheus = await startPrometheus({
      targets: [exporter.address],
      rules: { "web.yaml": ruleFile(parseSloSources([{ file: "slo.yaml", text: sloSpec }])) },
    });
    repo = await createRepo();
    commits.push(await repo.commit(web("1.0", planted), "web 1.0\n\nthe first release"));
    await repo.serve();
    data = mkdtempSync(join(tmpdir(), "kaika-dashboard-"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    controller = startKaikaRun(
      fleet().kubeconfigPath,
      [
        "--cluster-probe-interval=1",
        "--audit-interval=5s",
        `--data-dir=${data}`,
        `--prometheus-url=${prometheus.url}`,
        `--dashboard-bind-address=127.0.0.1:${port}`,
        "--dashboard-allow-actions",
      ],
      "kaika-1",
    );
    await wait(
      "dashboard answers",
      () => call("/api/v1/fleet"),
      (a) => a.status === 200,
      90_000,
    );
    await applyDashboardFleet(admin, first!.admin, second!.admin, repo.url);
  });
  after(async () => {
    events?.close();
    await controller?.stop();
    await Promise.all([admin?.close(), prod?.close()]);
    await repo?.close();
    await prometheus?.stop();
    await exporter?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it("lists both clusters and the Sync with its revision", async () => {
    const view = await rolledOut(commits[0]!);
    assert.deepEqual(
      view.clusters.map((c) => [c.name, c.env, c.region, c.reachable, c.nodeCount]),
      [
        ["prod", "prod", "tokyo", true, 3],
        ["staging", "staging", "osaka", true, 3],
      ],
    );
    for (const c of view.clusters) {
      assert.match(c.kubernetesVersion ?? "", /^v1\./);
      assert.ok(c.lastContactTime && c.handledBy, "last contact and the replica handling it");
      assert.equal(c.shard, 0);
    }
    const sync = view.syncs.find((s) => s.name === "web");
    assert.ok(sync?.fleet);
    assert.ok(sync.revision?.endsWith(commits[0]!), sync.revision ?? "");
    assert.equal(sync.source.name, "fleet");
    assert.deepEqual(sync.clusterStates, { Applied: 2 });
    assert.equal(sync.source.url, repo.url);
    assert.deepEqual(
      sync.rollout?.waves.map((w) => [w.name, w.clusters, w.soak]),
      [
        ["staging", ["staging"], "1s"],
        ["prod", ["prod"], "0s"],
      ],
    );
    assert.match(view.eventId, /^[0-9a-f]{8}\.\d+$/);
    // The answer is cached until something changes; gzip when asked.
    const zipped = await fetch(`${base}/api/v1/fleet`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(zipped.headers.get("content-encoding"), "gzip");
  });

  it("shows the Sync's applied commit, objects with their health, history and Events", async () => {
    const detail = await wait(
      "sync detail with healthy objects",
      () => get<SyncDetailResponse>("/api/v1/syncs/kaika-system/web?cluster=prod"),
      (d) => d.objects.items.some((o) => o.kind === "Deployment" && o.health === "Current"),
    );
    assert.equal(detail.commit?.sha, commits[0]);
    assert.equal(detail.commit?.message, "web 1.0\n\nthe first release");
    assert.equal(detail.commit?.author, "kaika test");
    assert.equal(detail.commit?.missing, null);
    assert.equal(detail.objects.cluster, "prod");
    assert.deepEqual(detail.objects.items.map((o) => o.ref).sort(), [
      "Deployment/shop/web",
      "Namespace/shop",
      "Secret/shop/db",
    ]);
    assert.ok(detail.history.entries.some((e) => e.cluster === "prod" && e.name === "web" && e.version === "1.0"));
    assert.equal(detail.spec.policyMode, "warn");
    const byDefault = await get<SyncDetailResponse>("/api/v1/syncs/kaika-system/web");
    assert.deepEqual(
      byDefault.clusters.map((c) => [c.name, c.wave, c.state]),
      [
        ["prod", "prod", "Applied"],
        ["staging", "staging", "Applied"],
      ],
    );
    assert.equal(byDefault.objects.cluster, "prod", "the first cluster of the Sync's status by default");
    const staging = await get<SyncDetailResponse>("/api/v1/syncs/kaika-system/web?cluster=staging");
    assert.equal(staging.objects.cluster, "staging");
    assert.ok(staging.objects.items.length === 3 && staging.objects.error === null);
  });

  it("sends a push as a server-sent event with the new revision", async () => {
    const { eventId } = await fleetView();
    events = await openSse(`${base}/api/v1/events`, { "last-event-id": eventId });
    assert.equal(events.status, 200);
    const started = Date.now();
    commits.push(await repo.commit({ "apps/web/web.yaml": web("1.1", planted)["apps/web/web.yaml"]! }, "web 1.1"));
    const frame = await events.waitFor((f) => {
      if (f.event !== "change") return false;
      const data = JSON.parse(f.data ?? "{}") as { kind: string; sync?: { revision: string | null } };
      return data.kind === "Sync" && data.sync?.revision?.endsWith(commits[1]!) === true;
    }, 120_000);
    assert.match(frame.id ?? "", /^[0-9a-f]{8}\.\d+$/);
    await events.waitFor((f) => {
      const data = JSON.parse(f.data ?? "{}") as {
        kind: string;
        cluster?: { name: string; syncs: { revision: string | null }[] };
      };
      return data.cluster?.name === "prod" && data.cluster.syncs.some((s) => s.revision?.endsWith(commits[1]!));
    }, 120_000);
    process.stderr.write(`push → prod's new revision as an event: ${Date.now() - started} ms\n`);
    await rolledOut(commits[1]!);
    // A reconnect from the first id replays what came since (or asks for a resync).
    const replay = await openSse(`${base}/api/v1/events?lastEventId=${encodeURIComponent(eventId)}`);
    const first = await replay.waitFor(() => true, 10_000);
    assert.ok(first.event === "change" || first.event === "resync", JSON.stringify(first));
    replay.close();
  });

  it("shows a hand scale as drift, then reverts it", async () => {
    await prod.patch(Deployment, "web", "shop", { spec: { replicas: 5 } }, "merge");
    const view = await wait(
      "drift on prod",
      fleetView,
      (f) =>
        (f.clusters.find((c) => c.name === "prod")?.syncs.find((s) => s.sync === "kaika-system/web")?.drift ?? 0) > 0,
      60_000,
    );
    assert.equal(view.clusters.find((c) => c.name === "staging")?.syncs[0]?.drift, 0);
    await eventually(
      "prod's web back to 2 replicas",
      async () => ((await prod.get(Deployment, "web", "shop")).spec as { replicas: number }).replicas,
      (n) => n === 2,
      30_000,
    );
  });

  it("answers versions at an earlier time from the ledger, and diffs two times", async () => {
    const history = (await get<SyncDetailResponse>("/api/v1/syncs/kaika-system/web?cluster=prod")).history.entries;
    const newest = history.find((e) => e.name === "web" && e.version === "1.1");
    assert.ok(newest, JSON.stringify(history));
    const before = new Date(Date.parse(newest.time) - 1).toISOString();
    const then = await get<VersionsResponse>(`/api/v1/versions?at=${encodeURIComponent(before)}`);
    assert.equal(then.services.find((s) => s.service === "web")?.clusters.prod, "1.0");
    const now = await get<VersionsResponse>("/api/v1/versions");
    assert.ok(now.earliest !== null && Date.parse(now.earliest) <= Date.parse(before), `earliest ${now.earliest}`);
    assert.deepEqual(now.clusters, ["prod", "staging"]);
    assert.equal(now.services.find((s) => s.service === "web")?.clusters.prod, "1.1");
    const diff = await get<VersionsDiffResponse>(
      `/api/v1/versions/diff?a=${encodeURIComponent(`prod@${before}`)}&b=prod`,
    );
    assert.deepEqual(
      diff.services.map((s) => [s.service, s.a, s.b]),
      [["web", "1.0", "1.1"]],
    );
  });

  it("checks tokens and RBAC: a read-only ServiceAccount gets 403 on an action, one with patch gets 200", async () => {
    const role = (name: string, rules: unknown[], kind: "ClusterRole" | "Role") => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind,
      metadata: { name, ...(kind === "Role" ? { namespace: "kaika-system" } : {}) },
      rules,
    });
    const binding = (name: string, roleKind: string, sa: string[], kind: "ClusterRoleBinding" | "RoleBinding") => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind,
      metadata: { name, ...(kind === "RoleBinding" ? { namespace: "kaika-system" } : {}) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name },
      subjects: sa.map((n) => ({ kind: "ServiceAccount", name: n, namespace: "kaika-system" })),
    });
    for (const object of [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "viewer", namespace: "kaika-system" } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "operator", namespace: "kaika-system" } },
      role(
        "dashboard-view",
        [{ apiGroups: ["kaika.dev"], resources: ["*"], verbs: ["get", "list", "watch"] }],
        "ClusterRole",
      ),
      binding("dashboard-view", "ClusterRole", ["viewer", "operator"], "ClusterRoleBinding"),
      role("dashboard-operate", [{ apiGroups: ["kaika.dev"], resources: ["syncs"], verbs: ["patch"] }], "Role"),
      binding("dashboard-operate", "Role", ["operator"], "RoleBinding"),
    ])
      await admin.apply(object as KubeObject, { fieldManager: "test", force: true });
    const viewer = await token("viewer");
    const operator = await token("operator");

    const seenBy = await get<FleetResponse>("/api/v1/fleet", viewer);
    assert.equal(seenBy.clusters.length, 2);
    const viewerWho = await get<WhoamiResponse>("/api/v1/whoami", viewer);
    assert.equal(viewerWho.user, "system:serviceaccount:kaika-system:viewer");
    assert.equal(viewerWho.via, "token");
    assert.deepEqual(viewerWho.namespaces, [{ namespace: "kaika-system", allowed: false }]);
    const refused = await act("/api/v1/syncs/kaika-system/web/reconcile", viewer);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.reason, "Forbidden");

    const operatorWho = await get<WhoamiResponse>("/api/v1/whoami", operator);
    assert.deepEqual(operatorWho.namespaces, [{ namespace: "kaika-system", allowed: true }]);
    const done = await act("/api/v1/syncs/kaika-system/web/reconcile", operator);
    assert.equal(done.status, 200, done.text);
    const sync = await admin.get(gvk("kaika.dev/v1alpha1", "Sync"), "web", "kaika-system");
    assert.equal(
      sync.metadata.annotations?.["kaika.dev/reconcile-requested-at"],
      (done.body as { requestedAt?: string }).requestedAt,
    );

    const noCsrf = await act("/api/v1/syncs/kaika-system/web/reconcile", operator, false);
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.reason, "Csrf");
    const who = await call<WhoamiResponse>("/api/v1/whoami", { token: operator });
    const crossSite = await call<{ reason: string }>("/api/v1/syncs/kaika-system/web/reconcile", {
      method: "POST",
      token: operator,
      headers: {
        cookie: (who.headers.get("set-cookie") ?? "").split(";")[0] ?? "",
        "x-kaika-csrf": who.body.csrfToken,
        origin: "https://evil.example",
      },
    });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.body.reason, "Csrf");

    const bad = await call<{ reason: string }>("/api/v1/fleet", { token: "not-a-token" });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get("www-authenticate"), "Bearer");
    // fetch() will not send another Host: node:http will.
    const rebound = await new Promise<number>((resolve, reject) =>
      request(`${base}/api/v1/fleet`, { headers: { host: "evil.example" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end(),
    );
    assert.equal(rebound, 401, "loopback trust needs a loopback Host (DNS rebinding)");
    const nobody = await token("default");
    const outsider = await call<{ reason: string }>("/api/v1/fleet", { token: nobody });
    assert.equal(outsider.status, 403, "a token without list on syncs reads nothing");
  });

  it("signs a browser in with a token (an HttpOnly cookie the event stream sends too) and out again", async () => {
    const operator = await token("operator");
    const signIn = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    // A browser that is not on loopback: Host names another machine, so only the cookie lets it in.
    const remote = (path: string, cookie?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) =>
        request(`${base}${path}`, { headers: { host: "kaika.example:443", ...(cookie ? { cookie } : {}) } }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
            // The event stream never ends: its first event is enough.
            if (path.endsWith("/events") && body.includes("\n\n")) {
              res.destroy();
              resolve({ status: res.statusCode ?? 0, body });
            }
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on("error", reject)
          .end(),
      );
    assert.equal((await remote("/api/v1/whoami")).status, 401);

    const ok = await signIn(JSON.stringify({ token: operator }));
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(((await ok.json()) as { user: string }).user, "system:serviceaccount:kaika-system:operator");
    const cookies = ok.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith("kaika_session="));
    assert.ok(session, `a session cookie: ${cookies.join(" | ")}`);
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; SameSite=Strict/);
    assert.match(session, /; Max-Age=28800/);
    const cookie = session.split(";")[0] ?? "";

    const who = await remote("/api/v1/whoami", cookie);
    assert.equal(who.status, 200, who.body);
    const whoBody = JSON.parse(who.body) as WhoamiResponse;
    assert.equal(whoBody.user, "system:serviceaccount:kaika-system:operator");
    assert.equal(whoBody.via, "session");
    assert.equal((await remote("/api/v1/fleet", cookie)).status, 200);
    const stream = await remote("/api/v1/events", cookie);
    assert.equal(stream.status, 200);
    assert.match(stream.body, /^(event|id|retry|:)/m);
    assert.equal((await remote("/api/v1/fleet", "kaika_session=not-a-valid-token-at-all")).status, 401);

    // Refused: a token the apiserver rejects, one that may read nothing, not JSON, another site.
    const rejected = await signIn(JSON.stringify({ token: "x".repeat(40) }));
    assert.equal(rejected.status, 401);
    assert.equal(rejected.headers.getSetCookie().length, 0, "no cookie for a refused token");
    assert.equal((await signIn(JSON.stringify({ token: await token("default") }))).status, 403);
    const notJson = await signIn(`token=${operator}`, { "content-type": "application/x-www-form-urlencoded" });
    assert.equal(notJson.status, 415);
    const empty = await signIn("{}");
    assert.equal(empty.status, 400);
    assert.equal(((await empty.json()) as { field: string }).field, "token");
    assert.equal((await signIn(JSON.stringify({ token: operator }), { origin: "https://evil.example" })).status, 403);

    const out = await fetch(`${base}/api/v1/session`, { method: "DELETE", headers: { cookie } });
    assert.equal(out.status, 200);
    assert.match(out.headers.getSetCookie().join(";"), /kaika_session=; .*Max-Age=0/);
  });

  it("diffs a suspended Sync against live with Secret values hidden, and resumes it", async () => {
    const operator = await token("operator");
    const suspended = await act("/api/v1/syncs/kaika-system/web/suspend", operator);
    assert.equal(suspended.status, 200, suspended.text);
    await wait("suspended", webSync, (s) => s?.suspended === true, 30_000);
    const changed = `${planted}-2`;
    commits.push(await repo.commit(web("1.2", changed), "web 1.2 and a new password"));
    forbidden.push(changed, Buffer.from(changed).toString("base64"));
    await wait(
      "the source has the new commit",
      webSync,
      (s) => s?.source.revision?.endsWith(commits[2]!) === true,
      60_000,
    );
    const diff = await get<DiffResponse>("/api/v1/syncs/kaika-system/web/diff");
    assert.ok(diff.revision.endsWith(commits[2]!));
    assert.deepEqual(
      diff.targets.map((t) => t.cluster),
      ["prod", "staging"],
    );
    for (const target of diff.targets) {
      assert.deepEqual(target.errors, [], JSON.stringify(target.errors));
      const deployment = target.objects.find((o) => o.ref === "Deployment/shop/web");
      assert.match(deployment?.diff ?? "", /-\s+image: web:1\.1\n\+\s+image: web:1\.2/);
      assert.doesNotMatch(deployment?.diff ?? "", /managedFields|resourceVersion/);
      const secret = target.objects.find((o) => o.ref === "Secret/shop/db");
      assert.match(secret?.diff ?? "", /password: "?\(hidden: \d+ bytes, hmac [0-9a-f]{12}\)/);
      assert.equal(target.unchanged, 1, "the Namespace");
    }
    const one = await get<DiffResponse>("/api/v1/syncs/kaika-system/web/diff?cluster=prod");
    assert.deepEqual(
      one.targets.map((t) => t.cluster),
      ["prod"],
    );
    assert.equal(await webImage(prod), "web:1.1", "suspended: nothing applied");
    const resumed = await act("/api/v1/syncs/kaika-system/web/resume", operator);
    assert.equal(resumed.status, 200);
    await rolledOut(commits[2]!);
    const pause = await act("/api/v1/syncs/kaika-system/web/rollout/pause", operator);
    assert.equal(pause.status, 200);
    await wait("rollout paused", webSync, (s) => s?.rollout?.paused === true, 30_000);
    assert.equal((await act("/api/v1/syncs/kaika-system/web/rollout/resume", operator)).status, 200);
    await wait("rollout resumed", webSync, (s) => s?.rollout?.paused === false, 30_000);
  });

  it("shows the readiness audit with why and fix", async () => {
    const readiness = await wait(
      "an audit of the fleet",
      () => get<ReadinessResponse>("/api/v1/readiness"),
      (r) => r.findings.some((f) => f.cluster === "prod" && f.object === "Deployment/shop/web"),
      90_000,
    );
    const literal = readiness.findings.find((f) => f.check === "secrets.env-literal" && f.cluster === "prod");
    assert.ok(literal, JSON.stringify(readiness.byCheck));
    assert.match(literal.why, /./);
    assert.match(literal.fix, /secretKeyRef/);
    assert.ok(readiness.byCluster.some((g) => g.key === "prod" && g.critical > 0));
    assert.ok(readiness.score !== null && readiness.score < 100);
  });

  it("shows SLO budgets and series from Prometheus, and a 503 when it is gone", async () => {
    const list = await wait(
      "the SLO's budget",
      () => get<SlosResponse>("/api/v1/slos"),
      (r) => r.slos.some((s) => s.id === "kaika-system/web-availability" && s.errorBudgetRemaining !== null),
      60_000,
    );
    const slo = list.slos.find((s) => s.id === "kaika-system/web-availability");
    assert.equal(slo?.service, "web");
    assert.equal(slo?.objective, 99.9);
    assert.ok(Math.abs((slo?.errorBudgetRemaining ?? 0) - 0.6) < 0.05, String(slo?.errorBudgetRemaining));
    assert.ok(Math.abs((slo?.readings[0]?.burnRates["5m"] ?? 0) - 0.4) < 0.05);
    assert.ok((slo?.timeToExhaustionSeconds ?? 0) > 30 * 86_400, "about 45 days at 0.4");
    const series = await get<SloSeriesResponse>("/api/v1/slos/kaika-system/web-availability/series?range=10m&step=5s");
    assert.equal(series.stepSeconds, 5);
    assert.equal(series.timestamps.length, 121);
    const budget = series.series.find((s) => s.metric === "budgetRemaining");
    assert.ok(budget?.values.some((v) => v !== null && Math.abs(v - 0.6) < 0.05));
    assert.ok(series.series.some((s) => s.metric === "burnRate" && s.window === "5m"));
    await prometheus.stop();
    const down = await call<{ error: string; reason: string }>("/api/v1/slos");
    assert.equal(down.status, 503);
    assert.equal(down.body.reason, "PrometheusUnavailable");
    assert.match(down.body.error, /Prometheus did not answer/);
  });

  it("answers bad parameters with 400 naming the field, unknown objects with 404", async () => {
    const cases: [string, number, string | undefined][] = [
      ["/api/v1/versions?at=last%20tuesday", 400, "at"],
      ["/api/v1/versions/diff?a=prod", 400, "b"],
      ["/api/v1/versions/diff?a=%40now&b=prod", 400, "a"],
      ["/api/v1/fleet?color=blue", 400, "color"],
      ["/api/v1/versions?at=1h&at=2h", 400, "at"],
      ["/api/v1/slos/kaika-system/web-availability/series?range=1s", 400, "range"],
      ["/api/v1/slos/kaika-system/web-availability/series?range=1h&step=0s", 400, "step"],
      ["/api/v1/readiness/trend?range=forever", 400, "range"],
      ["/api/v1/topology?window=5", 400, "window"],
      ["/api/v1/syncs/Not_A_Name/web", 400, "namespace"],
      ["/api/v1/syncs/kaika-system/web?cluster=elsewhere", 400, "cluster"],
      ["/api/v1/syncs/kaika-system/nothing", 404, undefined],
      ["/api/v1/nowhere", 404, undefined],
    ];
    for (const [path, status, field] of cases) {
      const answer = await call<{ error: string; field?: string }>(path);
      assert.equal(answer.status, status, `${path}: ${answer.text}`);
      assert.equal(answer.body.field, field, path);
      assert.match(answer.body.error, /./);
      assert.doesNotMatch(answer.text, /\n\s+at /, "no stack trace");
    }
    const wrongMethod = await call("/api/v1/fleet", { method: "POST" });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "GET");
    const rolloutOfNothing = await act("/api/v1/syncs/kaika-system/nothing/rollout/promote");
    assert.equal(rolloutOfNothing.status, 404);
  });

  it("never puts a secret value in an answer", async () => {
    for (const path of [
      "/api/v1/fleet",
      "/api/v1/syncs/kaika-system/web",
      "/api/v1/syncs/kaika-system/web?cluster=prod",
      "/api/v1/syncs/kaika-system/web/diff",
      "/api/v1/versions",
      "/api/v1/readiness",
      "/api/v1/slos",
      "/api/v1/topology",
      "/api/v1/whoami",
    ])
      await call(path);
    // Roll a new secret out while listening, so the event stream carries the change too.
    events.frames.splice(0);
    commits.push(await repo.commit(web("1.3", `${planted}-3`), "web 1.3"));
    forbidden.push(`${planted}-3`, Buffer.from(`${planted}-3`).toString("base64"));
    await rolledOut(commits[3]!);
    seen.push(...events.frames.map((f) => f.data ?? ""));
    seen.push(controller.log());
    const all = seen.join("\n");
    assert.ok(all.length > 10_000, "the answers were collected");
    for (const value of forbidden) assert.ok(!all.includes(value), `a secret value leaked: ${value.slice(0, 12)}…`);
    assert.ok(all.includes("Secret/shop/db"), "the Secret itself is listed");
  });

  it("kaika dashboard serves the same API from this machine and prints its URL", async () => {
    const child = spawn(
      kaikaBin,
      [
        "--kubeconfig",
        fleet().kubeconfigPath,
        "--context",
        "kaika-1",
        "dashboard",
        "--ledger",
        join(data, "ledger.sqlite"),
        "--data-dir",
        join(data, "dashboard"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    try {
      const found = await eventually(
        "kaika dashboard prints its URL",
        async () => /^http:\/\/127\.0\.0\.1:\d+\/$/m.exec(out)?.[0],
        (u) => u !== undefined,
        60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${err.slice(-3000)}`);
      });
      const url = found ?? "";
      const view = (await (await fetch(`${url}api/v1/fleet`)).json()) as FleetResponse;
      assert.deepEqual(
        view.clusters.map((c) => c.name),
        ["prod", "staging"],
      );
      const detail = (await (await fetch(`${url}api/v1/syncs/kaika-system/web`)).json()) as SyncDetailResponse;
      assert.equal(detail.commit?.message, "web 1.3", "fetched into its own Git cache");
      const slos = await fetch(`${url}api/v1/slos`);
      assert.equal(slos.status, 503);
      assert.equal(((await slos.json()) as { reason: string }).reason, "NotConfigured");
      const action = await fetch(`${url}api/v1/syncs/kaika-system/web/reconcile`, { method: "POST" });
      assert.equal(action.status, 403, "read-only without --allow-actions");
      const home = await fetch(url);
      assert.match(await home.text(), /dashboard assets not built: run make build|<html/i);
      await admin.get(Cluster, "prod", "kaika-system");
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});
