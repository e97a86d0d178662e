/** Printing for the CLI: tables and key/value text for people, JSON or YAML for programs. */
import { stringify } from "yaml";

/** Bad flags or arguments: the CLI exits 2. */
export class UsageError extends Error {
  readonly code = "UsageError";
}

/** Prints `value` as JSON or YAML when asked, otherwise calls `text`. */
export function print(format: string | undefined, value: unknown, text: () => void): void {
  if (format === "json") console.log(JSON.stringify(value, null, 2));
  else if (format === "yaml") console.log(stringify(value).trimEnd());
  else text();
}

/** Prints rows as a left-aligned table with an upper-case header, as kubectl does. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join("");
  console.log(line(header.map((h) => h.toUpperCase())));
  for (const row of rows) console.log(line(row));
}

const useColour = process.stdout.isTTY === true && !process.env.NO_COLOR;

/** Green on a TTY, plain otherwise. */
export function ok(text: string): string {
  return useColour ? `\x1b[32m${text}\x1b[0m` : text;
}

/** Red on a TTY, plain otherwise. */
export function bad(text: string): string {
  return useColour ? `\x1b[31m${text}\x1b[0m` : text;
}
