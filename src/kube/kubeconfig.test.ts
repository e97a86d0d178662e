import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { stringify } from "yaml";
import { Kubeconfig } from "./kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "kaika-kubeconfig-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = (name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name, cluster: { server: `https://${name}.example:6443`, ...cluster } }],
  users: [{ name, user }],
  contexts: [{ name, context: { cluster: name, user: name } }],
  "current-context": name,
});

async function optionsOf(kubeconfig: Kubeconfig): Promise<RequestOptions> {
  const options: RequestOptions = {};
  await kubeconfig.applyToHTTPSOptions(options);
  return options;
}

describe("kubeconfig", () => {
  it("gives a static token, CA data and tls-server-name", async () => {
    const ca = Buffer.from("not really a CA").toString("base64");
    const kc = Kubeconfig.fromString(
      stringify(config("a", { token: "t0k" }, { "certificate-authority-data": ca, "tls-server-name": "api.a" })),
    );
    assert.equal(kc.getCurrentCluster()?.server, "https://a.example:6443");
    const options = await optionsOf(kc);
    assert.deepEqual(options.headers, { Authorization: "Bearer t0k" });
    assert.equal(options.ca?.toString(), "not really a CA");
    assert.equal(options.servername, "api.a");
    assert.equal(options.rejectUnauthorized, undefined);
  });

  it("reads files named relative to the kubeconfig from its folder", async () => {
    writeFileSync(join(dir, "client.crt"), "CERT");
    writeFileSync(join(dir, "client.key"), "KEY");
    writeFileSync(
      join(dir, "config"),
      stringify(config("b", { "client-certificate": "client.crt", "client-key": "client.key" })),
    );
    const options = await optionsOf(Kubeconfig.fromFile(join(dir, "config")));
    assert.equal(options.cert?.toString(), "CERT");
    assert.equal(options.key?.toString(), "KEY");
  });

  it("merges $KUBECONFIG as kubectl does: the first file to name an entry or a current context wins", () => {
    const first = join(dir, "first");
    const second = join(dir, "second");
    writeFileSync(first, stringify(config("one", { token: "from-first" })));
    const two = config("two", { token: "two" });
    two.users.push({ name: "one", user: { token: "from-second" } });
    writeFileSync(second, stringify(two));
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = `${first}:${second}`;
    try {
      const kc = Kubeconfig.fromDefault();
      assert.equal(kc.getCurrentContext(), "one");
      assert.deepEqual(
        kc.users.map((u) => [u.name, u.token]),
        [
          ["one", "from-first"],
          ["two", "two"],
        ],
      );
      kc.setCurrentContext("two");
      assert.equal(kc.getCurrentCluster()?.name, "two");
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it("runs an exec credential plugin through client-node, loaded on first use", async () => {
    const plugin = join(dir, "plugin.sh");
    writeFileSync(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec"}}'\n`,
    );
    chmodSync(plugin, 0o755);
    const kc = Kubeconfig.fromString(
      stringify(
        config("c", {
          exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" },
        }),
      ),
    );
    const options = await optionsOf(kc);
    assert.equal((options.headers as Record<string, string>).Authorization, "Bearer from-exec");
  });

  it("rejects an invalid entry, naming it", () => {
    assert.throws(() => Kubeconfig.fromString(stringify({ clusters: [{ name: "x", cluster: {} }] })), /x|server/);
  });
});
