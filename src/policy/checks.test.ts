/** Every check of the catalogue against a bad fixture (must fire) and good fixtures (must stay silent), one table row each. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import { checks } from "./catalogue.ts";
import { evaluate } from "./engine.ts";
import { variant } from "./testdata/fixtures.ts";
import { clusterRows } from "./testdata/rows-cluster.ts";
import { workloadRows } from "./testdata/rows-workloads.ts";
import type { Row } from "./testdata/table.ts";

const rows: readonly Row[] = [...workloadRows, ...clusterRows];

const run = (objects: readonly KubeObject[], id: string, trustedRegistries?: readonly string[]) =>
  evaluate(
    objects.map((object, i) => ({ object, source: { file: "app.yaml", line: i * 20 + 1 } })),
    { only: (c) => c === id, ...(trustedRegistries ? { trustedRegistries } : {}) },
  );

describe("checks", () => {
  it("has a table row for every check in the catalogue, and a check for every row", () => {
    assert.deepEqual(rows.map((r) => r.id).sort(), checks.map((c) => c.id).sort());
  });

  for (const row of rows) {
    describe(row.id, () => {
      row.bad.forEach((edits, i) => {
        it(`fires on bad fixture ${i + 1}`, () => {
          const found = run(variant(...edits), row.id, row.trustedRegistries);
          assert.ok(found.length > 0, `no finding for ${JSON.stringify(edits)}`);
          assert.ok(found.every((f) => f.check === row.id && !f.message.includes("\n")));
          if (i === 0) assert.equal(found[0]!.field, row.field);
        });
      });
      [[], ...(row.good ?? [])].forEach((edits, i) => {
        it(`stays silent on good fixture ${i}`, () => {
          assert.deepEqual(run(variant(...edits), row.id, row.trustedRegistries), []);
        });
      });
    });
  }
});
