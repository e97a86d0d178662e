/** `kaika dashboard`: the dashboard against a cluster from this machine — its own informers, read-only unless --allow-actions. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../localfleet/binaries.ts";
import { createLogger } from "../runtime/index.ts";
import { serveDashboard, startStandalone } from "../server/dashboard/index.ts";
import { connect } from "./connect.ts";
import type { GlobalOptions } from "./main.ts";
import { UsageError } from "./output.ts";
import { defaultLedgerLocation } from "./versions.ts";

/** Flags of `kaika dashboard`. */
export interface DashboardFlags {
  readonly address: string;
  readonly allowActions?: boolean;
  readonly prometheusUrl?: string;
  readonly ledger?: string;
  readonly dataDir?: string;
  readonly assets?: string;
  readonly logLevel: string;
}

/** Serves until SIGINT/SIGTERM; prints the URL on stdout once it listens. */
export async function dashboard(options: GlobalOptions, flags: DashboardFlags): Promise<void> {
  if (flags.prometheusUrl !== undefined) {
    try {
      new URL(flags.prometheusUrl);
    } catch {
      throw new UsageError(`--prometheus-url: not a URL: "${flags.prometheusUrl}"`);
    }
  }
  const log = createLogger({ name: "kaika-dashboard", level: flags.logLevel });
  const api = connect(options);
  const dataDir = flags.dataDir ?? join(cacheDir(), "dashboard");
  mkdirSync(dataDir, { recursive: true });
  const standalone = await startStandalone({
    api,
    log,
    dataDir,
    ledger: flags.ledger ?? defaultLedgerLocation(),
    prometheusUrl: flags.prometheusUrl,
  });
  try {
    await standalone.waitForSync(60_000);
    const server = await serveDashboard({
      address: flags.address,
      context: standalone.context,
      synced: () => standalone.synced(),
      allowActions: flags.allowActions === true,
      ...(flags.assets ? { assetsDir: flags.assets } : {}),
    });
    console.log(server.url);
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => resolve());
    });
    await server.close();
  } finally {
    await standalone.close();
    await api.close();
  }
}
