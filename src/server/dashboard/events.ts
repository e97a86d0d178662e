/**
 * Live updates: server-sent events fed by the informers. Changes are coalesced (one message per
 * object per flush interval, default 250 ms), numbered `<epoch>.<seq>` and kept in a bounded ring,
 * so a client reconnecting with Last-Event-ID gets what it missed — or a `resync` event telling it
 * to refetch when the ring no longer holds that far back (or the server restarted). A comment line
 * every 15 s keeps proxies from closing idle streams.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { KubeObject } from "../../kube/types.ts";
import type { Informer } from "../../runtime/index.ts";
import type { ChangeEvent } from "./types.ts";

/** Options of an EventHub; the defaults suit a browser dashboard. */
export interface EventHubOptions {
  /** Events kept for reconnecting clients; default 1000. */
  readonly bufferSize?: number;
  /** Changes of one object within this window make one message; default 250 ms. */
  readonly coalesceMs?: number;
  /** A `: ping` comment this often; default 15 s. */
  readonly heartbeatMs?: number;
  /** A client whose unsent output exceeds this many bytes is dropped (it reconnects and catches up); default 4 MiB. */
  readonly maxBufferedBytes?: number;
  /** Routine changes (a Cluster's probe time) go out at most this often per object; default 30 s. */
  readonly routineMs?: number;
}

/** True when an update carries nothing a page shows besides a routine timestamp. */
export type Routine<T> = (previous: T, next: T) => boolean;

/** Builds the data of a change event from the current cache (undefined: the object is gone). */
export type Describe = (kind: string, namespace: string, name: string) => ChangeEvent | undefined;

interface Pending {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** One numbered message as sent on the wire. */
interface Sent {
  readonly seq: number;
  readonly text: string;
}

/** Fans informer changes out to SSE clients. */
export class EventHub {
  /** Distinguishes this process's ids: an id from another run of the server means "resync". */
  readonly epoch = randomBytes(4).toString("hex");
  readonly #options: Required<EventHubOptions>;
  readonly #describe: Describe;
  readonly #ring: Sent[] = [];
  readonly #pending = new Map<string, Pending>();
  readonly #routine = new Map<string, Pending>();
  readonly #clients = new Set<ServerResponse>();
  readonly #listeners = new Set<() => void>();
  readonly #detach: (() => void)[] = [];
  #seq = 0;
  #flushTimer: NodeJS.Timeout | undefined;
  #routineTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(describe: Describe, options: EventHubOptions = {}) {
    this.#describe = describe;
    this.#options = {
      bufferSize: options.bufferSize ?? 1000,
      coalesceMs: options.coalesceMs ?? 250,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 4 << 20,
      routineMs: options.routineMs ?? 30_000,
    };
  }

  /** The id of the newest event ("<epoch>.<seq>"); pass it back as Last-Event-ID to miss nothing after it. */
  get lastId(): string {
    return `${this.epoch}.${this.#seq}`;
  }

  /** Connected clients. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Calls `listener` on every change, before coalescing (cached answers are dropped there). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Feeds every add, update and delete of `informer` in as changes of `kind`; updates that `routine`
   * calls routine (every Cluster probe renews its contact time) go out at most every `routineMs`.
   */
  watch<T extends KubeObject>(informer: Informer<T>, kind: string, routine?: Routine<T>): void {
    const changed = (o: T): void => this.notify(kind, o.metadata.namespace ?? "", o.metadata.name ?? "");
    // The first list (and the objects a late handler is handed at once) are the state clients fetch,
    // not changes: only adds after that are news.
    let replaying = true;
    const detach = informer.addHandler({
      onAdd: (o) => {
        if (!replaying && informer.hasSynced()) changed(o);
        else for (const listener of this.#listeners) listener();
      },
      onUpdate: (previous, o) =>
        routine?.(previous, o)
          ? this.#notifyRoutine(kind, o.metadata.namespace ?? "", o.metadata.name ?? "")
          : changed(o),
      onDelete: changed,
    });
    replaying = false;
    this.#detach.push(detach);
  }

  /** Records a change of one object; it goes out with the next flush. */
  notify(kind: string, namespace: string, name: string): void {
    if (this.#closed) return;
    for (const listener of this.#listeners) listener();
    const key = `${kind}/${namespace}/${name}`;
    // A real change carries the routine one along.
    this.#routine.delete(key);
    this.#pending.set(key, { kind, namespace, name });
    this.#flushTimer ??= setTimeout(() => this.#flush(), this.#options.coalesceMs);
  }

  #notifyRoutine(kind: string, namespace: string, name: string): void {
    if (this.#closed) return;
    for (const listener of this.#listeners) listener();
    const key = `${kind}/${namespace}/${name}`;
    if (this.#pending.has(key)) return;
    this.#routine.set(key, { kind, namespace, name });
    this.#routineTimer ??= setTimeout(() => {
      this.#routineTimer = undefined;
      for (const [k, p] of this.#routine) this.#pending.set(k, p);
      this.#routine.clear();
      this.#flush();
    }, this.#options.routineMs);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const batch = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of batch) {
      const data = this.#describe(p.kind, p.namespace, p.name) ?? {
        kind: p.kind,
        namespace: p.namespace,
        name: p.name,
        type: "delete" as const,
      };
      this.#publish("change", data);
    }
  }

  #publish(event: string, data: unknown): void {
    const seq = ++this.#seq;
    const text = `id: ${this.epoch}.${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.#ring.push({ seq, text });
    if (this.#ring.length > this.#options.bufferSize) this.#ring.shift();
    for (const client of this.#clients) this.#write(client, text);
  }

  #write(client: ServerResponse, text: string): void {
    if (client.writableLength > this.#options.maxBufferedBytes) {
      // A client that does not read: drop it; it reconnects with its Last-Event-ID.
      this.#clients.delete(client);
      client.destroy();
      return;
    }
    client.write(text);
  }

  /**
   * Serves one SSE stream. `lastEventId` (the Last-Event-ID header, or ?lastEventId= for a first
   * connect) replays what came after it, or sends `resync` when that is no longer possible.
   */
  subscribe(req: IncomingMessage, res: ServerResponse, lastEventId: string | undefined): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    res.write("retry: 2000\n\n");
    if (lastEventId !== undefined && lastEventId !== "") {
      const missed = this.#since(lastEventId);
      if (missed === undefined) {
        res.write(
          `id: ${this.lastId}\nevent: resync\ndata: ${JSON.stringify({ reason: "events since that id are no longer kept: fetch again" })}\n\n`,
        );
      } else {
        for (const sent of missed) res.write(sent.text);
      }
    } else {
      res.write(`id: ${this.lastId}\nevent: hello\ndata: ${JSON.stringify({ eventId: this.lastId })}\n\n`);
    }
    this.#clients.add(res);
    this.#heartbeat ??= setInterval(() => {
      for (const client of this.#clients) this.#write(client, ": ping\n\n");
    }, this.#options.heartbeatMs);
    this.#heartbeat.unref();
    const gone = (): void => {
      this.#clients.delete(res);
      if (this.#clients.size === 0 && this.#heartbeat) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = undefined;
      }
    };
    res.on("close", gone);
    req.on("close", gone);
  }

  /** The events after `id`, or undefined when they cannot all be given (other epoch, too old, from the future). */
  #since(id: string): Sent[] | undefined {
    const dot = id.lastIndexOf(".");
    const seq = Number(id.slice(dot + 1));
    if (dot < 0 || id.slice(0, dot) !== this.epoch || !Number.isInteger(seq) || seq < 0 || seq > this.#seq)
      return undefined;
    if (seq === this.#seq) return [];
    const oldest = this.#ring[0]?.seq ?? this.#seq + 1;
    if (seq < oldest - 1) return undefined;
    return this.#ring.filter((s) => s.seq > seq);
  }

  /** Ends every stream and stops the timers and informer handlers. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#routineTimer);
    clearInterval(this.#heartbeat);
    this.#flushTimer = undefined;
    this.#heartbeat = undefined;
    for (const detach of this.#detach.splice(0)) detach();
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }
}
