/** A loopback TCP proxy a test can cut or freeze, to break watch connections on purpose. */
import { connect, createServer, type Socket } from "node:net";

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** Drops every connection and refuses new ones until resume(). */
  cut(): void;
  resume(): void;
  /** Keeps current connections open but forwards nothing on them (a half-open link); new ones work. */
  freezeCurrent(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 that forwards to 127.0.0.1:`targetPort`. */
export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, "127.0.0.1");
    const pair = { client, upstream, frozen: false };
    pairs.add(pair);
    client.on("data", (d) => pair.frozen || upstream.write(d));
    upstream.on("data", (d) => pair.frozen || client.write(d));
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("proxy has no port");
  const cut = (): void => {
    refusing = true;
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
  };
  return {
    port: address.port,
    cut,
    resume() {
      refusing = false;
    },
    freezeCurrent() {
      for (const p of pairs) p.frozen = true;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
