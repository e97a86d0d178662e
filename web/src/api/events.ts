/**
 * The live connection to /api/v1/events (server-sent events): one EventSource for the whole app,
 * reconnected with exponential backoff, and a status the shell shows as "live / reconnecting".
 */
import { apiBase } from "./client.ts";
import type { ChangeEvent } from "./types.ts";

/** connecting: first attempt; open: events flow; reconnecting: lost, retrying after a backoff. */
export type LiveStatus = "connecting" | "open" | "reconnecting";

/** What a listener hears: a change, or `resync` after a reconnect (refetch: events may have been missed). */
export type LiveMessage = { type: "change"; event: ChangeEvent } | { type: "resync" };

type Listener = (message: LiveMessage) => void;

const minBackoffMs = 1000;
const maxBackoffMs = 30_000;

/** The app's single event stream; `start()` once, then `subscribe` from any page. */
export class LiveEvents {
  #source: EventSource | null = null;
  #status: LiveStatus = "connecting";
  #listeners = new Set<Listener>();
  #statusListeners = new Set<() => void>();
  #backoff = minBackoffMs;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #everOpened = false;
  #lastEventId = "";
  readonly #url: string;

  constructor(url = `${apiBase}/events`) {
    this.#url = url;
  }

  get status(): LiveStatus {
    return this.#status;
  }

  /** Opens the stream (idempotent). */
  start(): void {
    if (this.#source) return;
    // After a reconnect the server resumes from the last id it sent (the browser's own Last-Event-ID
    // is lost when we create a new EventSource, so it goes in the query).
    const url = this.#lastEventId ? `${this.#url}?lastEventId=${encodeURIComponent(this.#lastEventId)}` : this.#url;
    const source = new EventSource(url);
    this.#source = source;
    source.onopen = () => {
      this.#backoff = minBackoffMs;
      // The server replays what we missed after lastEventId (or sends `resync`); pages refetch once as
      // well after a reconnect, so one that failed while the server was away recovers.
      const refetch = this.#everOpened;
      this.#everOpened = true;
      this.#setStatus("open");
      if (refetch) this.#emit({ type: "resync" });
    };
    source.addEventListener("change", (e) => {
      const message = e as MessageEvent<string>;
      if (message.lastEventId) this.#lastEventId = message.lastEventId;
      try {
        this.#emit({ type: "change", event: JSON.parse(message.data) as ChangeEvent });
      } catch {
        // a malformed event: the next resync corrects what it would have said
      }
    });
    const remember = (e: Event) => {
      const id = (e as MessageEvent<string>).lastEventId;
      if (id) this.#lastEventId = id;
    };
    source.addEventListener("hello", remember);
    source.addEventListener("resync", (e) => {
      remember(e);
      this.#emit({ type: "resync" });
    });
    source.onerror = () => {
      // Take reconnection into our hands: EventSource's own retry has no backoff and gives up on HTTP errors.
      source.close();
      this.#source = null;
      this.#setStatus("reconnecting");
      clearTimeout(this.#timer);
      const delay = this.#backoff;
      this.#backoff = Math.min(this.#backoff * 2, maxBackoffMs);
      this.#timer = setTimeout(() => this.start(), delay);
    };
  }

  /** Closes the stream and cancels any pending reconnect. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#source?.close();
    this.#source = null;
  }

  /** Calls `listener` for every change and resync; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** For useSyncExternalStore: notified when `status` changes. */
  onStatus = (listener: () => void): (() => void) => {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  };

  getStatus = (): LiveStatus => this.#status;

  #setStatus(status: LiveStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const l of this.#statusListeners) l();
  }

  #emit(message: LiveMessage): void {
    for (const l of this.#listeners) l(message);
  }
}

/** The app's one connection. */
export const live = new LiveEvents();
