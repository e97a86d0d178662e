/** Polling helpers for tests against the real apiserver. */
export { waitFor } from "../../src/localfleet/wait.ts";

/** Polls `read` until `done` holds for its value; returns that value or throws after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
  throw new Error(`${what}: not within ${timeoutMs} ms; last value: ${JSON.stringify(last)}${detail}`);
}

/** Retries `assertion` every 500 ms until it passes; rethrows its last failure after `timeoutMs`. */
export async function until(assertion: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
