/** The version ledger on a real SQLite file and a real PostgreSQL server: what ran where and when. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import type { KubeObject } from "../src/kube/types.ts";
import { type ChangeAction, type Ledger, LedgerError, type LedgerRecord, openLedger } from "../src/ledger/index.ts";
import { startPostgres, type TestPostgres } from "./support/postgres.ts";

const exec = promisify(execFile);
const ledgerModule = new URL("../src/ledger/index.ts", import.meta.url).href;

const t0 = Date.parse("2026-03-01T00:00:00Z");
const hour = 3_600_000;
const at = (hours: number): Date => new Date(t0 + hours * hour);

function deployment(name: string, image: string, labels: Record<string, string> = {}, replicas = 2): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "shop", labels: { "app.kubernetes.io/name": name, ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
    },
  };
}

const configMap: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "shop" },
};

function apply(
  cluster: string,
  hours: number,
  revision: string,
  objects: readonly KubeObject[],
  action: ChangeAction = "configured",
): LedgerRecord {
  return {
    time: at(hours),
    cluster,
    sync: "kaika-system/shop",
    revision,
    changes: objects.map((object) => ({ object, action })),
  };
}

/** A database the suite runs against, and a way to count its rows behind the ledger's back. */
interface Backend {
  readonly name: string;
  location(): Promise<string>;
  count(location: string, table: "ledger_changes" | "ledger_objects"): Promise<number>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

const sqliteDir = mkdtempSync(join(tmpdir(), "kaika-ledger-"));
let files = 0;
const sqlite: Backend = {
  name: "SQLite",
  location: async () => join(sqliteDir, `ledger-${++files}.sqlite`),
  async count(location, table) {
    const db = new Database(location, { readonly: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  },
  async stop() {
    rmSync(sqliteDir, { recursive: true, force: true });
  },
};

let server: TestPostgres | undefined;
let databases = 0;
const postgres: Backend = {
  name: "PostgreSQL",
  async start() {
    server = await startPostgres();
  },
  location: async () => server!.database(`ledger_${++databases}`),
  async count(location, table) {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    } finally {
      await client.end();
    }
  },
  async stop() {
    await server?.close();
  },
};

/** The three-cluster history: staging (kaika-1) goes first, then the prod clusters (kaika-2, kaika-3). */
async function history(ledger: Ledger): Promise<void> {
  const v1 = [deployment("web", "ghcr.io/acme/web:1.0"), deployment("cart", "ghcr.io/acme/cart:2.0"), configMap];
  for (const cluster of ["kaika-1", "kaika-2", "kaika-3"]) await ledger.record(apply(cluster, 0, "c1", v1, "created"));
  await ledger.record(apply("kaika-1", 1, "c2", [deployment("web", "ghcr.io/acme/web:1.1")]));
  await ledger.record(apply("kaika-2", 2, "c2", [deployment("web", "ghcr.io/acme/web:1.1")]));
  await ledger.record(apply("kaika-1", 2, "c3", [deployment("cart", "ghcr.io/acme/cart:2.1")]));
  await ledger.record(apply("kaika-3", 3, "c2", [deployment("web", "ghcr.io/acme/web:1.1")]));
}

function suite(backend: Backend): void {
  describe(`ledger on ${backend.name}`, () => {
    if (backend.start) before(() => backend.start!());
    after(() => backend.stop?.());

    it("answers what ran on each of 3 clusters at any time", async () => {
      const location = await backend.location();
      const ledger = await openLedger(location);
      try {
        assert.equal(await ledger.earliest(), null, "an empty ledger has no first record");
        await history(ledger);
        assert.deepEqual(await ledger.earliest(), at(0), "the first record is the first apply");
        const early = await ledger.versions({ at: at(0.5) });
        assert.deepEqual(early.clusters, ["kaika-1", "kaika-2", "kaika-3"]);
        assert.deepEqual(early.services, [
          { service: "cart", clusters: { "kaika-1": "2.0", "kaika-2": "2.0", "kaika-3": "2.0" } },
          { service: "web", clusters: { "kaika-1": "1.0", "kaika-2": "1.0", "kaika-3": "1.0" } },
        ]);
        const staged = await ledger.versions({ at: at(1.5) });
        assert.deepEqual(staged.services[1], {
          service: "web",
          clusters: { "kaika-1": "1.1", "kaika-2": "1.0", "kaika-3": "1.0" },
        });

        // What ran on kaika-2 at 1.5 h, and exactly at the 2 h change (inclusive).
        const onTwo = await ledger.versions({ cluster: "kaika-2", at: at(1.5) });
        assert.deepEqual(onTwo.clusters, ["kaika-2"]);
        assert.deepEqual(
          onTwo.workloads.map((w) => [w.service, w.version, w.revision, w.images[0]?.image]),
          [
            ["cart", "2.0", "c1", "ghcr.io/acme/cart:2.0"],
            ["web", "1.0", "c1", "ghcr.io/acme/web:1.0"],
          ],
        );
        const web = onTwo.workloads[1]!;
        assert.equal(web.kind, "Deployment");
        assert.equal(web.namespace, "shop");
        assert.equal(web.sync, "kaika-system/shop");
        assert.equal(web.since.getTime(), at(0).getTime());
        assert.deepEqual(web.images[0], {
          container: "web",
          init: false,
          image: "ghcr.io/acme/web:1.0",
          registry: "ghcr.io",
          repository: "acme/web",
          tag: "1.0",
        });
        const atChange = await ledger.versions({ cluster: "kaika-2", at: at(2) });
        assert.equal(atChange.services.find((s) => s.service === "web")?.clusters["kaika-2"], "1.1");

        const now = await ledger.versions();
        assert.deepEqual(now.services, [
          { service: "cart", clusters: { "kaika-1": "2.1", "kaika-2": "2.0", "kaika-3": "2.0" } },
          { service: "web", clusters: { "kaika-1": "1.1", "kaika-2": "1.1", "kaika-3": "1.1" } },
        ]);
        const before = await ledger.versions({ at: at(-1) });
        assert.deepEqual([before.clusters, before.services, before.workloads], [[], [], []]);
      } finally {
        await ledger.close();
      }
    });

    it("diffs staging against prod, and one cluster against itself earlier", async () => {
      const ledger = await openLedger(await backend.location());
      try {
        await history(ledger);
        const midway = await ledger.diff({ cluster: "kaika-1", at: at(2.5) }, { cluster: "kaika-3", at: at(2.5) });
        assert.deepEqual(
          midway.services.map((d) => [d.service, d.a, d.b]),
          [
            ["cart", "2.1", "2.0"],
            ["web", "1.1", "1.0"],
          ],
        );
        assert.deepEqual(midway.services[1]?.aImages, ["ghcr.io/acme/web:1.1"]);
        assert.deepEqual(midway.services[1]?.bImages, ["ghcr.io/acme/web:1.0"]);
        const now = await ledger.diff({ cluster: "kaika-1" }, { cluster: "kaika-3" });
        assert.deepEqual(
          now.services.map((d) => [d.service, d.a, d.b]),
          [["cart", "2.1", "2.0"]],
        );
        assert.equal(now.a.at.getTime(), now.b.at.getTime());
        const same = await ledger.diff({ cluster: "kaika-2" }, { cluster: "kaika-3" });
        assert.deepEqual(same.services, []);
        const overTime = await ledger.diff({ cluster: "kaika-1", at: at(0.5) }, { cluster: "kaika-1" });
        assert.deepEqual(
          overTime.services.map((d) => [d.service, d.a, d.b]),
          [
            ["cart", "2.0", "2.1"],
            ["web", "1.0", "1.1"],
          ],
        );
        const missing = await ledger.diff({ cluster: "kaika-1" }, { cluster: "kaika-9" });
        assert.deepEqual(missing.services[0], {
          service: "cart",
          a: "2.1",
          aImages: ["ghcr.io/acme/cart:2.1"],
          bImages: [],
        });
      } finally {
        await ledger.close();
      }
    });

    it("adds no row for unchanged applies, but moves the last-confirmed time", async () => {
      const location = await backend.location();
      const ledger = await openLedger(location);
      try {
        await ledger.record(apply("kaika-1", 0, "c1", [deployment("web", "web:1.0"), configMap], "created"));
        for (let i = 1; i <= 20; i++) {
          // Same images and version; a replica count or a ConfigMap change is not a version change.
          const action = i % 2 ? "unchanged" : "configured";
          await ledger.record(
            apply("kaika-1", i / 10, `c${i + 1}`, [deployment("web", "web:1.0", {}, i), configMap], action),
          );
        }
        assert.equal(await backend.count(location, "ledger_changes"), 1);
        assert.equal(await backend.count(location, "ledger_objects"), 1, "the ConfigMap is not a workload");
        const [web] = (await ledger.versions()).workloads;
        assert.equal(web?.since.getTime(), at(0).getTime());
        assert.equal(web?.lastConfirmed?.getTime(), at(2).getTime());
        assert.equal(web?.lastConfirmedRevision, "c21");

        // A new digest under the same tag is a change (same version, other images); so is a version label.
        await ledger.record(apply("kaika-1", 3, "c22", [deployment("web", "web:1.0@sha256:aa")]));
        await ledger.record(
          apply("kaika-1", 4, "c23", [
            deployment("web", "web:1.0@sha256:aa", { "app.kubernetes.io/version": "1.0.7" }),
          ]),
        );
        await ledger.record(
          apply("kaika-1", 5, "c24", [
            deployment("web", "web:1.0@sha256:aa", { "app.kubernetes.io/version": "1.0.7" }),
          ]),
        );
        assert.equal(await backend.count(location, "ledger_changes"), 3);
        const diff = await ledger.diff({ cluster: "kaika-1", at: at(2) }, { cluster: "kaika-1", at: at(3) });
        assert.deepEqual(diff.services, [
          { service: "web", a: "1.0", b: "1.0", aImages: ["web:1.0"], bImages: ["web:1.0@sha256:aa"] },
        ]);
        const old = (await ledger.versions({ at: at(3.5) })).workloads[0];
        assert.equal(old?.version, "1.0");
        assert.equal(old?.lastConfirmed, undefined, "a superseded version has no last confirmation");
        const current = (await ledger.versions()).workloads[0];
        assert.equal(current?.version, "1.0.7");
        assert.equal(current?.since.getTime(), at(4).getTime());
        assert.equal(current?.lastConfirmed?.getTime(), at(5).getTime());
      } finally {
        await ledger.close();
      }
    });

    it("removes a pruned service from later matrices only", async () => {
      const location = await backend.location();
      const ledger = await openLedger(location);
      try {
        const web = deployment("web", "web:1.0");
        const cart = deployment("cart", "cart:2.0");
        await ledger.record(apply("kaika-2", 0, "c1", [web, cart], "created"));
        await ledger.record(apply("kaika-2", 1, "c2", [web], "unchanged"));
        // A prune knows only the object's identity.
        const cartRef: KubeObject = {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "cart", namespace: "shop" },
        };
        await ledger.record(apply("kaika-2", 1, "c2", [cartRef, configMap], "pruned"));
        // Removing what is already gone, or was never seen, writes nothing.
        await ledger.record(apply("kaika-2", 1.5, "c2", [cart, deployment("ghost", "ghost:1")], "deleted"));
        assert.equal(await backend.count(location, "ledger_changes"), 3);
        assert.equal(await backend.count(location, "ledger_objects"), 2);
        assert.deepEqual(
          (await ledger.versions({ at: at(0.5) })).services.map((s) => s.service),
          ["cart", "web"],
        );
        assert.deepEqual(
          (await ledger.versions({ at: at(2) })).services.map((s) => s.service),
          ["web"],
        );
        await ledger.record(apply("kaika-2", 2, "c3", [web], "pruned"));
        const empty = await ledger.versions({ at: at(2.5) });
        assert.deepEqual([empty.clusters, empty.services], [["kaika-2"], []], "the cluster is still known");
        await ledger.record(apply("kaika-2", 3, "c4", [cart], "created"));
        assert.deepEqual((await ledger.versions()).services, [{ service: "cart", clusters: { "kaika-2": "2.0" } }]);
      } finally {
        await ledger.close();
      }
    });

    it("shows several workloads of one service with different versions in one cell", async () => {
      const ledger = await openLedger(await backend.location());
      try {
        const blue = deployment("web-blue", "web:1.0", { "app.kubernetes.io/name": "web" });
        const green = { ...deployment("web-green", "web:1.1", { "app.kubernetes.io/name": "web" }) };
        await ledger.record(apply("kaika-3", 0, "c1", [blue, green], "created"));
        const matrix = await ledger.versions();
        assert.deepEqual(matrix.services, [{ service: "web", clusters: { "kaika-3": "1.0, 1.1" } }]);
        assert.deepEqual(
          matrix.workloads.map((w) => w.name),
          ["web-blue", "web-green"],
        );
      } finally {
        await ledger.close();
      }
    });

    it("keeps every write when two ledgers in two processes write the same cluster at once", async () => {
      const location = await backend.location();
      // Open once first so both writers find the schema; concurrent first opens are covered below.
      await (await openLedger(location)).close();
      const n = 150;
      const writer = `
        import { openLedger } from ${JSON.stringify(ledgerModule)};
        const [location, prefix, n] = process.argv.slice(1);
        const ledger = await openLedger(location);
        const d = (name, version) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "shop" },
          spec: { template: { spec: { containers: [{ name, image: "reg.example/" + name + ":" + version }] } } } });
        for (let i = 0; i < Number(n); i++) {
          const version = prefix + "-" + i;
          const changes = ["a", "b", "c", "d", "e"].map((name) => ({ object: d(name, version), action: "configured" }));
          await ledger.record({ time: new Date(Date.now()), cluster: "shared", sync: "ns/" + prefix, revision: version, changes });
          await ledger.record({ time: new Date(Date.now()), cluster: "own-" + prefix, sync: "ns/" + prefix, revision: version, changes });
        }
        await ledger.close();
      `;
      const run = (prefix: string) =>
        exec(process.execPath, ["--input-type=module", "-e", writer, location, prefix, String(n)]);
      // In-process too: two instances on the same location, interleaved.
      const [x, y] = [await openLedger(location), await openLedger(location)];
      await Promise.all([
        run("p"),
        run("q"),
        ...Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? x : y).record(apply("inproc", i, `r${i}`, [deployment("web", `web:${i}`)])),
        ),
      ]);
      await Promise.all([x.close(), y.close()]);
      // Every record changed all five objects: 5 rows per record on each cluster, nothing lost or doubled.
      assert.equal(await backend.count(location, "ledger_changes"), 2 * n * 5 * 2 + 20);
      assert.equal(await backend.count(location, "ledger_objects"), 5 * 3 + 1);
      const ledger = await openLedger(location);
      try {
        const matrix = await ledger.versions();
        assert.deepEqual(matrix.clusters, ["inproc", "own-p", "own-q", "shared"]);
        const last = matrix.services.find((s) => s.service === "a")!.clusters;
        assert.equal(last["own-p"], `p-${n - 1}`);
        assert.equal(last["own-q"], `q-${n - 1}`);
        assert.ok([`p-${n - 1}`, `q-${n - 1}`].includes(last.shared!), `shared ends on a last write: ${last.shared}`);
        assert.equal(matrix.services.find((s) => s.service === "web")?.clusters.inproc, "19");
      } finally {
        await ledger.close();
      }
      if (backend === sqlite) {
        const db = new Database(location, { readonly: true });
        assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
        db.close();
      }
    });

    it("migrates once when several ledgers open a new database together, and keeps the schema version", async () => {
      const location = await backend.location();
      const ledgers = await Promise.all([openLedger(location), openLedger(location), openLedger(location)]);
      await Promise.all(ledgers.map((l) => l.close()));
      const reopened = await openLedger(location);
      await reopened.close();
      assert.equal(await backend.count(location, "ledger_objects"), 0);
      if (backend === sqlite) {
        const db = new Database(location);
        assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
        assert.equal((db.prepare("SELECT version FROM ledger_schema").all() as unknown[]).length, 1);
        db.prepare("UPDATE ledger_schema SET version = 99").run();
        db.close();
      } else {
        const client = new pg.Client({ connectionString: location });
        await client.connect();
        assert.equal((await client.query("SELECT version FROM ledger_schema")).rowCount, 1);
        await client.query("UPDATE ledger_schema SET version = 99");
        await client.end();
      }
      await assert.rejects(
        openLedger(location),
        (e: unknown) => e instanceof LedgerError && e.code === "SchemaTooNew" && /version 99/.test(e.message),
      );
    });
  });
}

suite(sqlite);
suite(postgres);

describe("openLedger", () => {
  const dir = mkdtempSync(join(tmpdir(), "kaika-ledger-open-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("creates the file and its folder, or refuses when it must exist; rejects other URL schemes", async () => {
    const file = join(dir, "nested", "ledger.sqlite");
    await assert.rejects(
      openLedger(file, { mustExist: true }),
      (e: unknown) => e instanceof LedgerError && e.code === "NotFound",
    );
    const ledger = await openLedger(file);
    assert.equal(ledger.location, file);
    await ledger.close();
    assert.ok(statSync(file).size > 0);
    await (await openLedger(file, { mustExist: true })).close();
    await assert.rejects(
      openLedger("mysql://db/ledger"),
      (e: unknown) => e instanceof LedgerError && e.code === "Location",
    );
  });

  it("hides a PostgreSQL password and names the server it could not reach", async () => {
    await assert.rejects(openLedger("postgres://kaika:s3cret@127.0.0.1:1/ledger"), (e: unknown) => {
      assert.ok(e instanceof LedgerError && e.code === "Open", String(e));
      assert.doesNotMatch(e.message, /s3cret/);
      assert.match(e.location, /kaika:\*\*\*@127\.0\.0\.1:1/);
      return true;
    });
  });

  it("rejects a record without a cluster", async () => {
    const ledger = await openLedger(":memory:");
    try {
      await assert.rejects(
        ledger.record(apply("", 0, "c1", [deployment("web", "web:1")])),
        (e: unknown) => e instanceof LedgerError && e.code === "InvalidRecord",
      );
    } finally {
      await ledger.close();
    }
  });
});
