/**
 * Notifications against a local HTTP receiver: the generic webhook and the
 * Slack-compatible body, retries with backoff on 5xx, 429 and refused
 * connections, no retry on other 4xx, and a Notifier that never throws nor logs a URL's secret path.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { freePort } from "../src/localfleet/ports.ts";
import {
  type BudgetExhaustedEvent,
  type GateHaltedEvent,
  Notifier,
  NotifyError,
  type SlackPayload,
  sendNotification,
  type WebhookPayload,
} from "../src/notify/index.ts";

const halted: GateHaltedEvent = {
  type: "GateHalted",
  sync: { namespace: "kaika-system", name: "shop" },
  wave: "prod",
  revision: "main@sha1:0123abc",
  reason: "burn rate over 5m above 2 in cluster=canary-1: shop/checkout-availability (cluster=canary-1) at 25.3",
  threshold: 2,
  burnRates: [
    {
      slo: "shop/checkout-availability",
      service: "checkout",
      labels: { cluster: "canary-1" },
      window: "5m",
      burnRate: 25.31,
    },
  ],
  time: "2026-01-02T03:04:05Z",
};

const exhausted: BudgetExhaustedEvent = {
  type: "BudgetExhausted",
  slo: { namespace: "shop", name: "checkout-availability", service: "checkout" },
  objective: 99.9,
  window: "30d",
  errorBudgetRemaining: -0.125,
  time: "2026-01-02T03:04:05Z",
};

/** A receiver that answers each request with the next scripted status (200 once the script is used up). */
class Receiver {
  readonly requests: { at: number; path: string; headers: IncomingMessage["headers"]; body: unknown }[] = [];
  script: { status: number; headers?: Record<string, string> }[] = [];
  #server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.#server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = "";
      req.on("data", (c: Buffer) => {
        text += c.toString();
      });
      req.on("end", () => {
        this.requests.push({ at: Date.now(), path: req.url ?? "", headers: req.headers, body: JSON.parse(text) });
        const next = this.script.shift() ?? { status: 200 };
        res.writeHead(next.status, next.headers ?? {}).end(next.status === 200 ? "ok" : "nope");
      });
    });
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => resolve());
    });
  }
}

describe("notifications", () => {
  const receiver = new Receiver();
  before(() => receiver.start());
  after(() => receiver.stop());
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.script = [];
  });

  it("posts the generic webhook body: kind, severity, title, message and the whole event", async () => {
    const { attempts } = await sendNotification(
      { url: `${receiver.url}/hook`, format: "webhook", headers: { authorization: "Bearer t" } },
      halted,
    );
    assert.equal(attempts, 1);
    const request = receiver.requests[0];
    assert.equal(request?.path, "/hook");
    assert.equal(request?.headers["content-type"], "application/json");
    assert.equal(request?.headers.authorization, "Bearer t");
    const body = request?.body as WebhookPayload;
    assert.equal(body.source, "kaika");
    assert.equal(body.version, "v1");
    assert.equal(body.type, "GateHalted");
    assert.equal(body.severity, "critical");
    assert.equal(body.title, "Rollout of kaika-system/shop halted: SLO gate of wave prod failed");
    assert.equal(body.message, `Revision main@sha1:0123abc: ${halted.reason}`);
    assert.deepEqual(body.event, halted);
  });

  it("posts a Slack-compatible body: fallback text, header, facts, burn rates, escaped", async () => {
    await sendNotification(
      { url: `${receiver.url}/services/T0/B0/secret`, format: "slack" },
      {
        ...halted,
        reason: "<script> & more",
      },
    );
    const body = receiver.requests[0]?.body as SlackPayload;
    assert.equal(
      body.text,
      "Rollout of kaika-system/shop halted: SLO gate of wave prod failed: Revision main@sha1:0123abc: <script> & more",
    );
    const [header, section, facts, rates, context] = body.blocks as [
      Record<string, unknown>,
      { text: { text: string } },
      { fields: { text: string }[] },
      { text: { text: string } },
      Record<string, unknown>,
    ];
    assert.deepEqual(header, {
      type: "header",
      text: {
        type: "plain_text",
        text: "Rollout of kaika-system/shop halted: SLO gate of wave prod failed",
        emoji: false,
      },
    });
    assert.deepEqual(section.text.text, "Revision main@sha1:0123abc: &lt;script&gt; &amp; more");
    assert.deepEqual(
      facts.fields.map((f) => f.text),
      ["*Sync*\nkaika-system/shop", "*Wave*\nprod", "*Revision*\nmain@sha1:0123abc", "*Max burn rate*\n2"],
    );
    assert.match(rates.text.text, /checkout-availability \(cluster=canary-1\): 25\.3× over 5m/);
    assert.equal(context.type, "context");
  });

  it("describes an exhausted budget", async () => {
    await sendNotification({ url: receiver.url, format: "webhook" }, exhausted);
    const body = receiver.requests[0]?.body as WebhookPayload;
    assert.equal(body.title, "Error budget exhausted: checkout SLO shop/checkout-availability");
    assert.equal(body.message, "99.9% over 30d: -12.5% of the error budget left.");
  });

  it("retries 503 and 429 with doubling backoff, honouring Retry-After", async () => {
    receiver.script = [{ status: 503 }, { status: 503 }, { status: 429, headers: { "retry-after": "1" } }];
    const started = Date.now();
    const { attempts } = await sendNotification({ url: receiver.url, format: "webhook" }, exhausted, {
      backoffMs: 100,
      maxBackoffMs: 2000,
    });
    assert.equal(attempts, 4);
    const at = receiver.requests.map((r) => r.at - started);
    // Waits: 100 ms, 200 ms, then the 1 s Retry-After asked for instead of 400 ms.
    assert.ok((at[1] ?? 0) - (at[0] ?? 0) >= 90, `gaps ${at.join(", ")}`);
    assert.ok((at[2] ?? 0) - (at[1] ?? 0) >= 190, `gaps ${at.join(", ")}`);
    assert.ok((at[3] ?? 0) - (at[2] ?? 0) >= 990, `gaps ${at.join(", ")}`);
  });

  it("gives up after the retries with a NotifyError naming only the receiver's origin", async () => {
    receiver.script = [{ status: 500 }, { status: 500 }, { status: 500 }];
    await assert.rejects(
      sendNotification({ url: `${receiver.url}/services/T0/B0/secret`, format: "slack" }, halted, {
        retries: 2,
        backoffMs: 10,
      }),
      (error) => {
        assert.ok(error instanceof NotifyError);
        assert.equal(error.attempts, 3);
        assert.equal(error.status, 500);
        assert.equal(error.target, receiver.url);
        assert.doesNotMatch(error.message, /secret/);
        return true;
      },
    );
  });

  it("does not retry a 400", async () => {
    receiver.script = [{ status: 400 }];
    await assert.rejects(
      sendNotification({ url: receiver.url, format: "webhook" }, halted, { backoffMs: 10 }),
      (error) => {
        assert.ok(error instanceof NotifyError);
        assert.equal(error.attempts, 1);
        assert.equal(error.status, 400);
        return true;
      },
    );
    assert.equal(receiver.requests.length, 1);
  });

  it("retries a refused connection, then fails", async () => {
    const closed = `http://127.0.0.1:${await freePort()}/hook`;
    await assert.rejects(
      sendNotification({ url: closed, format: "webhook" }, halted, { retries: 1, backoffMs: 10 }),
      (error) => {
        assert.ok(error instanceof NotifyError);
        assert.equal(error.attempts, 2);
        assert.match(error.message, /ECONNREFUSED/);
        return true;
      },
    );
  });

  it("a Notifier sends to every target, never throws, and logs failures by origin only", async () => {
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const dead = `http://127.0.0.1:${await freePort()}`;
    const notifier = Notifier.fromUrls(
      { webhook: [`${receiver.url}/a`], slack: [`${receiver.url}/services/x/secret`, `${dead}/services/y/secret`] },
      { retries: 0, log: { warn: (fields, message) => warnings.push({ fields, message }) } },
    );
    const outcomes = await notifier.notify(exhausted);
    assert.deepEqual(
      outcomes.map((o) => [o.target, o.ok]),
      [
        [receiver.url, true],
        [receiver.url, true],
        [dead, false],
      ],
    );
    assert.deepEqual(receiver.requests.map((r) => r.path).sort(), ["/a", "/services/x/secret"]);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.fields.target, dead);
    assert.doesNotMatch(JSON.stringify(warnings), /secret/);
  });
});
