import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { handleDelivery, type WebhookOptions } from "./webhook.ts";

const token = "s3cret";
const sign = (body: string): string => createHmac("sha256", token).update(body).digest("hex");

function receiver(): { options: WebhookOptions; triggered: string[] } {
  const triggered: string[] = [];
  return {
    triggered,
    options: {
      lookup: async (ns, name) => (ns === "kaika-system" && name === "fleet" ? { token, branch: "main" } : undefined),
      trigger: (ns, name) => triggered.push(`${ns}/${name}`),
    },
  };
}
const push = (ref = "refs/heads/main"): string => JSON.stringify({ ref, after: "abc" });
const deliver = (
  o: WebhookOptions,
  headers: Record<string, string>,
  body: string,
  path = "/hooks/kaika-system/fleet",
) => handleDelivery(o, "POST", path, headers, Buffer.from(body));

describe("webhook receiver", () => {
  it("accepts a GitHub push signed with the token and rejects a wrong signature", async () => {
    const { options, triggered } = receiver();
    const body = push();
    const ok = await deliver(
      options,
      { "x-github-event": "push", "x-hub-signature-256": `sha256=${sign(body)}` },
      body,
    );
    assert.equal(ok.status, 202);
    assert.deepEqual(triggered, ["kaika-system/fleet"]);
    const bad = await deliver(
      options,
      { "x-github-event": "push", "x-hub-signature-256": `sha256=${sign(`${body} `)}` },
      body,
    );
    assert.equal(bad.status, 401);
    assert.equal(triggered.length, 1);
  });

  it("answers a GitHub ping without fetching, and ignores other events and other branches", async () => {
    const { options, triggered } = receiver();
    const body = push();
    assert.equal(
      (await deliver(options, { "x-github-event": "ping", "x-hub-signature-256": `sha256=${sign(body)}` }, body))
        .message,
      "pong",
    );
    assert.equal(
      (await deliver(options, { "x-github-event": "issues", "x-hub-signature-256": `sha256=${sign(body)}` }, body))
        .status,
      202,
    );
    const other = push("refs/heads/feature");
    const ignored = await deliver(
      options,
      { "x-github-event": "push", "x-hub-signature-256": `sha256=${sign(other)}` },
      other,
    );
    assert.match(ignored.message, /ignored: push to refs\/heads\/feature/);
    assert.deepEqual(triggered, []);
  });

  it("verifies GitLab tokens, Gitea signatures and generic bearer tokens", async () => {
    const { options, triggered } = receiver();
    const body = push();
    assert.equal(
      (await deliver(options, { "x-gitlab-event": "Push Hook", "x-gitlab-token": token }, body)).status,
      202,
    );
    assert.equal(
      (await deliver(options, { "x-gitlab-event": "Push Hook", "x-gitlab-token": "nope" }, body)).status,
      401,
    );
    assert.equal(
      (await deliver(options, { "x-gitea-event": "push", "x-gitea-signature": sign(body) }, body)).status,
      202,
    );
    assert.equal((await deliver(options, { authorization: `Bearer ${token}` }, "")).status, 202);
    assert.equal((await deliver(options, {}, body)).status, 401);
    assert.equal(triggered.length, 3);
  });

  it("gives the same 404 for unknown sources and bad paths, and 405 for GET", async () => {
    const { options } = receiver();
    assert.equal(
      (await deliver(options, { authorization: `Bearer ${token}` }, "", "/hooks/kaika-system/other")).status,
      404,
    );
    assert.equal((await deliver(options, {}, "", "/elsewhere")).status, 404);
    assert.equal((await handleDelivery(options, "GET", "/hooks/kaika-system/fleet", {}, Buffer.alloc(0))).status, 405);
  });
});
