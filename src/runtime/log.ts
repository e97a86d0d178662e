/** Structured logs: JSON lines in a cluster or a pipe, pretty on a terminal. */
import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Options of createLogger. */
export interface LogOptions {
  /** trace, debug, info (default), warn, error. */
  readonly level?: string;
  /** Pretty, coloured output; default: when stderr is a TTY. */
  readonly pretty?: boolean;
  readonly name?: string;
}

/** A pino logger writing to stderr. */
export function createLogger(options: LogOptions = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  return pino(
    {
      level: options.level ?? "info",
      ...(options.name ? { name: options.name } : {}),
      // Defence in depth: values under these keys never reach the log.
      redact: { paths: ["*.token", "*.password", "*.data", "*.stringData", "*.client-key-data"], censor: "[redacted]" },
      ...(pretty
        ? { transport: { target: "pino-pretty", options: { destination: 2, translateTime: "SYS:HH:MM:ss.l" } } }
        : {}),
    },
    pretty ? undefined : pino.destination(2),
  );
}

/** A logger that drops everything, for tests and libraries used quietly. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
