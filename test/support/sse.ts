/** A server-sent events client for tests and benchmarks: frames as they arrive, over node:http. */
import { get, type IncomingMessage } from "node:http";

/** One SSE frame (comments and retry lines are skipped). */
export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
}

/** An open stream. */
export interface SseStream {
  readonly status: number;
  /** Frames received and not yet taken. */
  readonly frames: SseFrame[];
  /** Waits until a frame matching `match` arrives (taking it and those before it); throws after `timeoutMs`. */
  waitFor(match: (frame: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  /** Called with each frame as it arrives. */
  onFrame(listener: (frame: SseFrame) => void): void;
  close(): void;
}

/** Opens `url` as an event stream with `headers` (Last-Event-ID, Authorization). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { accept: "text/event-stream", ...headers } }, (res: IncomingMessage) => {
      const frames: SseFrame[] = [];
      const listeners: ((frame: SseFrame) => void)[] = [];
      let wake: (() => void) | undefined;
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Record<string, string> = {};
          for (const line of block.split("\n")) {
            if (line.startsWith(":") || line.startsWith("retry:")) continue;
            const colon = line.indexOf(":");
            frame[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, "");
          }
          if (Object.keys(frame).length === 0) continue;
          frames.push(frame);
          for (const listener of listeners) listener(frame);
        }
        wake?.();
      });
      res.on("error", () => {});
      resolve({
        status: res.statusCode ?? 0,
        frames,
        onFrame: (listener) => listeners.push(listener),
        async waitFor(match, timeoutMs = 60_000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const index = frames.findIndex(match);
            if (index >= 0) return frames.splice(0, index + 1)[index] as SseFrame;
            if (Date.now() > deadline || res.destroyed)
              throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(-5))}`);
            await new Promise<void>((done) => {
              wake = done;
              setTimeout(done, 200);
            });
          }
        },
        close: () => {
          res.destroy();
          req.destroy();
        },
      });
    });
    req.on("error", reject);
  });
}
