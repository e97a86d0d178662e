import assert from "node:assert/strict";
import { createServer, get, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ClusterObject } from "../../controllers/cluster.ts";
import type { EventHandler, Informer } from "../../runtime/index.ts";
import { EventHub } from "./events.ts";
import { contactTimeOnly } from "./fleet-view.ts";

/** One SSE frame. */
interface Frame {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads frames from an SSE response as they arrive. */
function reader(res: IncomingMessage): { next(count: number, ms?: number): Promise<Frame[]>; close(): void } {
  let buffer = "";
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: Frame = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":") || line.startsWith("retry:")) continue;
        const colon = line.indexOf(": ");
        (frame as Record<string, string>)[line.slice(0, colon)] = line.slice(colon + 2);
      }
      if (Object.keys(frame).length > 0) frames.push(frame);
      end = buffer.indexOf("\n\n");
    }
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    async next(count, ms = 2000) {
      const deadline = Date.now() + ms;
      while (frames.length < count && Date.now() < deadline)
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      return frames.splice(0, count);
    },
    close: () => res.destroy(),
  };
}

describe("EventHub", () => {
  let hub: EventHub;
  let server: Server;
  let port = 0;
  const open = (lastEventId?: string): Promise<IncomingMessage> =>
    new Promise((resolve) => {
      get({ port, path: "/", headers: lastEventId ? { "last-event-id": lastEventId } : {} }, resolve);
    });
  before(async () => {
    hub = new EventHub((kind, namespace, name) => ({ kind, namespace, name, type: "upsert" }), {
      bufferSize: 3,
      coalesceMs: 30,
    });
    server = createServer((req, res) => hub.subscribe(req, res, req.headers["last-event-id"] as string | undefined));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    hub.close();
    server.close();
  });

  it("greets a new client with the current id, then coalesces changes of one object", async () => {
    const client = reader(await open());
    const [hello] = await client.next(1);
    assert.equal(hello?.event, "hello");
    assert.equal(hello?.id, hub.lastId);
    for (let i = 0; i < 5; i++) hub.notify("Sync", "ns", "a");
    hub.notify("Cluster", "ns", "b");
    const frames = await client.next(3, 500);
    assert.deepEqual(
      frames.map((f) => JSON.parse(f.data ?? "{}").name),
      ["a", "b"],
      "five changes of a within the window make one message",
    );
    assert.equal(frames[1]?.id, hub.lastId);
    client.close();
  });

  it("replays what a reconnecting client missed, and asks for a resync when the ring no longer holds it", async () => {
    const since = hub.lastId;
    hub.notify("Sync", "ns", "c");
    await new Promise((r) => setTimeout(r, 60));
    hub.notify("Sync", "ns", "d");
    await new Promise((r) => setTimeout(r, 60));
    const back = reader(await open(since));
    const replayed = await back.next(2);
    assert.deepEqual(
      replayed.map((f) => JSON.parse(f.data ?? "{}").name),
      ["c", "d"],
    );
    back.close();
    for (const name of ["e", "f", "g", "h"]) {
      hub.notify("Sync", "ns", name);
      await new Promise((r) => setTimeout(r, 60));
    }
    const late = reader(await open(since));
    assert.equal((await late.next(1))[0]?.event, "resync");
    late.close();
    const stranger = reader(await open("deadbeef.1"));
    assert.equal((await stranger.next(1))[0]?.event, "resync", "an id of another server run");
    stranger.close();
    const current = reader(await open(hub.lastId));
    assert.deepEqual(await current.next(1, 200), [], "nothing missed");
    current.close();
  });

  it("sends routine updates (a probe's contact time) at most every routineMs, real changes at once", async () => {
    const routineHub = new EventHub((kind, namespace, name) => ({ kind, namespace, name, type: "upsert" }), {
      coalesceMs: 20,
      routineMs: 400,
    });
    let handler: EventHandler<ClusterObject> = {};
    const informer = {
      addHandler: (h: EventHandler<ClusterObject>) => {
        handler = h;
        return () => {};
      },
      hasSynced: () => true,
    } as unknown as Informer<ClusterObject>;
    const cluster = (name: string, contact: string, version = "v1.37.2") =>
      ({
        apiVersion: "kaika.dev/v1alpha1",
        kind: "Cluster",
        metadata: { name, namespace: "ns" },
        spec: {},
        status: { lastContactTime: contact, kubernetesVersion: version, nodeCount: 3 },
      }) as unknown as ClusterObject;
    routineHub.watch(informer, "Cluster", contactTimeOnly);
    const routineServer = createServer((req, res) => routineHub.subscribe(req, res, undefined));
    await new Promise<void>((resolve) => routineServer.listen(0, "127.0.0.1", resolve));
    const client = reader(
      await new Promise<IncomingMessage>((resolve) =>
        get({ port: (routineServer.address() as AddressInfo).port, path: "/" }, resolve),
      ),
    );
    await client.next(1);
    const started = Date.now();
    for (let i = 0; i < 5; i++) handler.onUpdate?.(cluster("a", `t${i}`), cluster("a", `t${i + 1}`));
    handler.onUpdate?.(cluster("b", "t0"), cluster("b", "t0", "v1.38.0"));
    const [upgrade] = await client.next(1, 300);
    assert.equal(JSON.parse(upgrade?.data ?? "{}").name, "b", "a version change goes out at once");
    assert.ok(Date.now() - started < 300);
    assert.deepEqual(await client.next(1, 200), [], "five probes of a wait for the routine flush");
    const [probe] = await client.next(1, 1000);
    assert.equal(JSON.parse(probe?.data ?? "{}").name, "a", "then go out as one message");
    assert.deepEqual(await client.next(1, 500), [], "and only one");
    client.close();
    routineHub.close();
    routineServer.close();
  });
});
