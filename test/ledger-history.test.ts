/** The version ledger's history of one Sync, newest first, on SQLite and on a real PostgreSQL server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KubeObject } from "../src/kube/types.ts";
import { type Ledger, openLedger } from "../src/ledger/index.ts";
import { startPostgres, type TestPostgres } from "./support/postgres.ts";

const t0 = Date.parse("2026-03-01T00:00:00Z");
const at = (minutes: number): Date => new Date(t0 + minutes * 60_000);

const deployment = (name: string, image: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "shop", labels: { "app.kubernetes.io/name": name } },
  spec: { template: { spec: { containers: [{ name, image }] } } },
});

async function record(ledger: Ledger): Promise<void> {
  const apply = (minutes: number, cluster: string, sync: string, revision: string, objects: KubeObject[]) =>
    ledger.record({
      time: at(minutes),
      cluster,
      sync,
      revision,
      changes: objects.map((object) => ({ object, action: "configured" as const })),
    });
  await apply(0, "a", "kaika-system/shop", "r1", [deployment("web", "web:1.0"), deployment("cart", "cart:1.0")]);
  await apply(1, "b", "kaika-system/shop", "r1", [deployment("web", "web:1.0")]);
  await apply(2, "a", "kaika-system/other", "x1", [deployment("db", "db:9")]);
  // Unchanged: no row.
  await apply(3, "a", "kaika-system/shop", "r2", [deployment("web", "web:1.0")]);
  await apply(4, "a", "kaika-system/shop", "r3", [deployment("web", "web:2.0")]);
  await ledger.record({
    time: at(5),
    cluster: "a",
    sync: "kaika-system/shop",
    revision: "r4",
    changes: [{ object: deployment("cart", "cart:1.0"), action: "pruned" }],
  });
}

function suite(name: string, location: () => Promise<string>): void {
  describe(`ledger history (${name})`, () => {
    let ledger: Ledger;
    before(async () => {
      ledger = await openLedger(await location());
      await record(ledger);
    });
    after(async () => {
      await ledger?.close();
    });

    it("lists one Sync's changes newest first, removals without a version", async () => {
      const changes = await ledger.history({ sync: "kaika-system/shop" });
      assert.deepEqual(
        changes.map((c) => [c.time.getTime() - t0, c.cluster, c.name, c.revision, c.action, c.version ?? null]),
        [
          [300_000, "a", "cart", "r4", "pruned", null],
          [240_000, "a", "web", "r3", "configured", "2.0"],
          [60_000, "b", "web", "r1", "configured", "1.0"],
          [0, "a", "cart", "r1", "configured", "1.0"],
          [0, "a", "web", "r1", "configured", "1.0"],
        ].sort((x, y) => (y[0] as number) - (x[0] as number)),
      );
      assert.equal(changes[0]?.service, undefined);
      assert.equal(changes[1]?.service, "web");
    });

    it("filters by cluster and limits", async () => {
      const onB = await ledger.history({ sync: "kaika-system/shop", cluster: "b" });
      assert.deepEqual(
        onB.map((c) => c.name),
        ["web"],
      );
      const two = await ledger.history({ sync: "kaika-system/shop", limit: 2 });
      assert.deepEqual(
        two.map((c) => c.revision),
        ["r4", "r3"],
      );
      assert.deepEqual(await ledger.history({ sync: "nobody/none" }), []);
    });
  });
}

suite("SQLite", async () => ":memory:");

let postgres: TestPostgres | undefined;
before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.close();
});
suite("PostgreSQL", async () => {
  if (!postgres) throw new Error("postgres not started");
  return postgres.database("history");
});
