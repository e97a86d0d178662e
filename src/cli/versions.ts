/** `kaika versions` and `kaika versions diff`: the ledger's matrix of service versions per cluster, and what differs. */
import { join } from "node:path";
import {
  type Ledger,
  LedgerError,
  ledgerLocationIn,
  openLedger,
  parseTime,
  type ServiceDifference,
  TimeFormatError,
  type VersionMatrix,
} from "../ledger/index.ts";
import { cacheDir } from "../localfleet/binaries.ts";
import type { GlobalOptions } from "./main.ts";
import { print, UsageError } from "./output.ts";

/** Flags of `kaika versions`. */
export interface VersionsFlags {
  readonly cluster?: string;
  readonly at?: string;
  readonly ledger?: string;
}

/** Where `kaika run` keeps the ledger by default: ~/.cache/kaika/controller/ledger.sqlite (KAIKA_CACHE_DIR moves it). */
export function defaultLedgerLocation(): string {
  return ledgerLocationIn(join(cacheDir(), "controller"));
}

const formats = new Set(["text", "wide", "json", "yaml"]);

function formatOf(options: GlobalOptions): string {
  const format = options.output ?? "text";
  if (!formats.has(format)) throw new UsageError(`-o ${format} is not supported here: use text, wide, json or yaml`);
  return format;
}

function timeOf(text: string, flag: string): Date {
  try {
    return parseTime(text);
  } catch (error) {
    if (error instanceof TimeFormatError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

async function open(location: string | undefined): Promise<Ledger> {
  const where = location ?? defaultLedgerLocation();
  try {
    return await openLedger(where, { mustExist: true });
  } catch (error) {
    if (error instanceof LedgerError && error.code === "NotFound")
      throw new Error(`no ledger at ${where}: kaika run records one there; pass --ledger PATH or postgres://…`);
    if (error instanceof LedgerError && error.code === "Location") throw new UsageError(error.message);
    throw error;
  }
}

// Digests are 71 characters; a table shows their first 12 hex digits, JSON shows them whole.
const short = (version: string): string => version.replace(/\b(sha256:[0-9a-f]{12})[0-9a-f]{52}\b/g, "$1");

/** Prints rows with the header as given (cluster names keep their case), columns padded as kubectl does. */
function grid(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join("");
  for (const row of [header, ...rows]) console.log(line(row));
}

function printMatrix(matrix: VersionMatrix, format: string): void {
  if (format === "wide") {
    grid(
      ["CLUSTER", "SERVICE", "VERSION", "WORKLOAD", "IMAGES", "SINCE", "REVISION", "SYNC"],
      matrix.workloads.map((w) => [
        w.cluster,
        w.service,
        short(w.version),
        `${w.kind}/${w.namespace ? `${w.namespace}/` : ""}${w.name}`,
        w.images.map((i) => short(i.image)).join(","),
        w.since.toISOString(),
        w.revision.slice(0, 12),
        w.sync,
      ]),
    );
    return;
  }
  grid(
    ["SERVICE", ...matrix.clusters],
    matrix.services.map((s) => [s.service, ...matrix.clusters.map((c) => short(s.clusters[c] ?? "-"))]),
  );
}

/** Prints the matrix service × cluster → version at --at (default now), for --cluster or all. */
export async function versions(options: GlobalOptions, flags: VersionsFlags): Promise<void> {
  const format = formatOf(options);
  const at = flags.at === undefined ? undefined : timeOf(flags.at, "--at");
  const ledger = await open(flags.ledger);
  try {
    const matrix = await ledger.versions({ cluster: flags.cluster, at });
    print(format, matrix, () => {
      if (matrix.workloads.length === 0)
        console.error(
          `No workloads recorded${flags.cluster ? ` on ${flags.cluster}` : ""} at ${matrix.at.toISOString()}.`,
        );
      else printMatrix(matrix, format);
    });
  } finally {
    await ledger.close();
  }
}

/** "kaika-2" or "kaika-2@2h ago" → cluster and optional time. */
export function parseSide(text: string): { cluster: string; at?: Date } {
  const at = text.indexOf("@");
  const cluster = at < 0 ? text : text.slice(0, at);
  if (!cluster) throw new UsageError(`"${text}": expected CLUSTER or CLUSTER@TIME`);
  return at < 0 ? { cluster } : { cluster, at: timeOf(text.slice(at + 1), `"${text}"`) };
}

function cells(d: ServiceDifference): [string, string] {
  const images = (list: readonly string[]): string => (list.length ? list.map(short).join(",") : "-");
  // Same version, different images (a retagged or rebuilt image): show the images.
  if (d.a !== undefined && d.a === d.b)
    return [`${short(d.a)} (${images(d.aImages)})`, `${short(d.b)} (${images(d.bImages)})`];
  return [d.a === undefined ? "-" : short(d.a), d.b === undefined ? "-" : short(d.b)];
}

/**
 * Prints the services whose versions differ between A and B (each CLUSTER or CLUSTER@TIME).
 * Exit 0 when none differ, 1 when some do, 2 on errors, as `kaika diff` does.
 */
export async function diff(options: GlobalOptions, a: string, b: string, flags: VersionsFlags): Promise<void> {
  const format = formatOf(options);
  const left = parseSide(a);
  const right = parseSide(b);
  try {
    const ledger = await open(flags.ledger);
    try {
      const result = await ledger.diff(left, right);
      print(format, result, () => {
        const label = (side: string, at: Date | undefined, resolved: Date): string =>
          at === undefined ? side.split("@")[0]! : `${side.split("@")[0]}@${resolved.toISOString()}`;
        const names = [label(a, left.at, result.a.at), label(b, right.at, result.b.at)];
        if (result.services.length === 0) console.log(`${names[0]} and ${names[1]} run the same versions.`);
        else
          grid(
            ["SERVICE", ...names],
            result.services.map((d) => [d.service, ...cells(d)]),
          );
      });
      process.exitCode = result.services.length === 0 ? 0 : 1;
    } finally {
      await ledger.close();
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
