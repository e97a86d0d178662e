/**
 * Every check of the catalogue against bad fixtures (must fire) and good fixtures (must stay silent, and so must
 * every other check), one table row each.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../kube/types.ts";
import { checks } from "./catalogue.ts";
import { evaluate } from "./engine.ts";
import { variant } from "./testdata/fixtures.ts";
import { apiRows } from "./testdata/rows-api.ts";
import { clusterRows } from "./testdata/rows-cluster.ts";
import { hardeningRows } from "./testdata/rows-hardening.ts";
import { wiringExtraRows } from "./testdata/rows-wiring-extra.ts";
import { workloadRows } from "./testdata/rows-workloads.ts";
import type { Row } from "./testdata/table.ts";

const rows: readonly Row[] = [...workloadRows, ...clusterRows, ...hardeningRows, ...wiringExtraRows, ...apiRows];

/** Runs the row's check (or, with `all`, the whole catalogue) with the row's options. */
const run = (objects: readonly KubeObject[], row: Row, all = false) =>
  evaluate(
    objects.map((object, i) => ({ object, source: { file: "app.yaml", line: i * 20 + 1 } })),
    {
      ...(all ? {} : { only: (c: string) => c === row.id }),
      ...(row.trustedRegistries ? { trustedRegistries: row.trustedRegistries } : {}),
      ...(row.kubernetesVersion ? { kubernetesVersion: row.kubernetesVersion } : {}),
    },
  );

/** "check object field" of each finding, for readable failures. */
const brief = (found: ReturnType<typeof run>): string[] => found.map((f) => `${f.check} ${f.object} ${f.field}`);

describe("checks", () => {
  it("has a table row for every check in the catalogue, and a check for every row", () => {
    assert.deepEqual(rows.map((r) => r.id).sort(), checks.map((c) => c.id).sort());
  });

  for (const row of rows) {
    describe(row.id, () => {
      row.bad.forEach((edits, i) => {
        it(`fires on bad fixture ${i + 1}`, () => {
          const found = run(variant(...edits), row);
          assert.ok(found.length > 0, `no finding for ${JSON.stringify(edits)}`);
          assert.ok(found.every((f) => f.check === row.id && !f.message.includes("\n")));
          if (i === 0) assert.equal(found[0]!.field, row.field);
        });
      });
      [[], ...(row.good ?? [])].forEach((edits, i) => {
        it(`gives no finding of any check on good fixture ${i}`, () => {
          assert.deepEqual(brief(run(variant(...edits), row, true)), []);
        });
      });
    });
  }
});
