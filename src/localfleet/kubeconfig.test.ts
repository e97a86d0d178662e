import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { type ContextEntry, mergeKubeconfig, removeFromKubeconfig, renderKubeconfig } from "./kubeconfig.ts";

const entry = (name: string, server = "https://127.0.0.1:6443"): ContextEntry => ({
  name,
  server,
  caPem: "CA",
  user: `${name}-admin`,
  credentials: { certPem: "CERT", keyPem: "KEY" },
});

interface Config {
  "current-context": string;
  clusters: { name: string; cluster: { server: string } }[];
  contexts: { name: string }[];
  users: { name: string; user: Record<string, string> }[];
}

describe("kubeconfig", () => {
  it("renders contexts with embedded, base64 credentials", () => {
    const config = parse(renderKubeconfig([entry("kaika-1"), entry("kaika-2")])) as Config;
    assert.equal(config["current-context"], "kaika-1");
    assert.deepEqual(
      config.contexts.map((c) => c.name),
      ["kaika-1", "kaika-2"],
    );
    assert.equal(Buffer.from(config.users[0]?.user["client-key-data"] ?? "", "base64").toString(), "KEY");
  });

  it("merges into an existing file, replacing same-named entries and keeping the rest", () => {
    const mine = mergeKubeconfig(undefined, [entry("mine")]);
    const once = mergeKubeconfig(mine, [entry("kaika-1", "https://old")]);
    const twice = parse(mergeKubeconfig(once, [entry("kaika-1", "https://new")])) as Config;
    assert.equal(twice["current-context"], "mine");
    assert.deepEqual(
      twice.clusters.map((c) => [c.name, c.cluster.server]),
      [
        ["mine", "https://127.0.0.1:6443"],
        ["kaika-1", "https://new"],
      ],
    );
  });

  it("removes only the named contexts, clusters and users", () => {
    const both = mergeKubeconfig(mergeKubeconfig(undefined, [entry("kaika-1")]), [entry("mine")]);
    const left = parse(removeFromKubeconfig(both, ["kaika-1"], ["kaika-1-admin"])) as Config;
    assert.deepEqual(
      left.contexts.map((c) => c.name),
      ["mine"],
    );
    assert.deepEqual(
      left.users.map((u) => u.name),
      ["mine-admin"],
    );
    assert.equal(left["current-context"], "", "a removed current context is unset, not left dangling");
  });
});
