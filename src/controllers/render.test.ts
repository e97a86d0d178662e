import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { renderFor } from "./render.ts";

describe("renderFor", () => {
  const root = mkdtempSync(join(tmpdir(), "kaika-renderfor-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
  mkdirSync(join(root, "apps/drafts"), { recursive: true });
  writeFileSync(join(root, "apps/live.yaml"), cm("live"));
  writeFileSync(join(root, "apps/drafts/wip.yaml"), cm("wip"));

  it("leaves out objects from files the GitSource ignores (gitignore syntax, from the repository root)", async () => {
    const all = await renderFor(root, { path: "apps", renderer: "auto" }, { name: "s", namespace: "default" });
    assert.deepEqual(all.objects.map((o) => o.object.metadata.name).sort(), ["live", "wip"]);
    const some = await renderFor(
      root,
      { path: "apps", renderer: "plain" },
      { name: "s", namespace: "default", ignore: "apps/drafts/\n" },
    );
    assert.deepEqual(
      some.objects.map((o) => o.object.metadata.name),
      ["live"],
    );
  });
});
