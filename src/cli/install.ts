/** `kaika install|uninstall|check` and `kaika dev kubeconfig`: kaika into a cluster, and whether it is healthy there. */

import { parseDuration } from "../controllers/durations.ts";
import { bootstrap as runBootstrap } from "../install/bootstrap.ts";
import { defaultRelease } from "../install/chart.ts";
import { check as runChecks } from "../install/check.ts";
import { InstallError } from "../install/errors.ts";
import { type InstallEvent, install as runInstall } from "../install/install.ts";
import { serviceAccountKubeconfig } from "../install/service-account.ts";
import { uninstall as runUninstall } from "../install/uninstall.ts";
import { connect } from "./connect.ts";
import type { GlobalOptions } from "./main.ts";
import { bad, ok, UsageError } from "./output.ts";

/** Flags of `kaika install`. */
export interface InstallFlags {
  readonly values?: string;
  readonly dryRun?: boolean;
  readonly upgrade?: boolean;
  readonly timeout: string;
  readonly releaseName: string;
}

const release = (options: GlobalOptions, flags: { releaseName?: string }) => ({
  releaseName: flags.releaseName ?? defaultRelease.name,
  namespace: options.namespace ?? defaultRelease.namespace,
});

/** Prints an InstallError's message and what it left behind; exit 1. */
function failed(error: unknown): never {
  if (error instanceof InstallError && error.leftBehind.length > 0)
    error.message += `\nleft in the cluster: ${error.leftBehind.join(", ")}`;
  throw error;
}

/** A duration flag in milliseconds, or a UsageError naming the flag. */
function durationFlag(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new UsageError(`${flag}: "${value}" is not a duration (e.g. 5m)`);
  }
}

const waiting = new Set<string>();

/** Progress of an install on stderr, one line per step and object. */
function showInstallEvent(event: InstallEvent, dryRun = false): void {
  switch (event.type) {
    case "step":
      console.error(`${ok("✓")} ${event.message}`);
      break;
    case "apply": {
      const e = event.event;
      if (e.type === "applied") console.error(`  ${e.ref} ${actionText[e.action]}`);
      else if (e.type === "planned" && dryRun)
        console.error(`  ${e.ref}: would be ${actionText[e.action]}${e.diff?.startsWith("(") ? ` ${e.diff}` : ""}`);
      else if (e.type === "pruned") console.error(`  ${e.ref} pruned (no longer in the chart)`);
      else if (e.type === "failed") console.error(`${bad("✗")} ${e.ref}: ${e.error.message}`);
      else if (e.type === "health" && e.health.status !== "Current" && !waiting.has(e.ref)) {
        waiting.add(e.ref);
        console.error(`  waiting for ${e.ref}: ${e.health.message}`);
      }
      break;
    }
    case "rolledBack":
      console.error(`rolled back: ${event.removed.length ? event.removed.join(", ") : "nothing was created"}`);
      break;
    case "done":
      break;
  }
}

const actionText = { create: "created", configure: "configured", unchanged: "unchanged" } as const;

export async function install(options: GlobalOptions, flags: InstallFlags): Promise<void> {
  const api = connect(options);
  const where = release(options, flags);
  const timeoutMs = durationFlag("--timeout", flags.timeout);
  const started = Date.now();
  try {
    for await (const event of runInstall(api, {
      ...where,
      valuesFile: flags.values,
      dryRun: flags.dryRun === true,
      upgrade: flags.upgrade === true,
      timeoutMs,
    })) {
      showInstallEvent(event, flags.dryRun === true);
      if (event.type === "done")
        console.log(
          flags.dryRun
            ? `dry run: kaika ${event.version} would install cleanly into ${where.namespace} (${event.objects} objects)`
            : `kaika ${event.version} installed in ${where.namespace}: ${event.objects} objects, CRDs Established, Deployment Available (${Math.round((Date.now() - started) / 1000)} s). Next: kaika check`,
        );
    }
  } catch (error) {
    failed(error);
  } finally {
    await api.close();
  }
}

export async function uninstall(options: GlobalOptions, flags: { crds?: boolean; releaseName: string }): Promise<void> {
  const api = connect(options);
  try {
    for await (const line of runUninstall(api, { ...release(options, flags), crds: flags.crds ?? false }))
      console.error(`  ${line}`);
    console.log(
      flags.crds
        ? "kaika uninstalled, CRDs and kaika objects included"
        : "kaika uninstalled; its CRDs and your GitSources, Syncs and Clusters are kept (--crds removes them)",
    );
  } catch (error) {
    failed(error);
  } finally {
    await api.close();
  }
}

/** Exit 0 when every check passes, 1 otherwise. */
export async function check(options: GlobalOptions, flags: { values?: string; releaseName: string }): Promise<void> {
  const api = connect(options);
  const results = [];
  try {
    for await (const result of runChecks(api, { ...release(options, flags), valuesFile: flags.values })) {
      results.push(result);
      if (options.output !== "json")
        console.log(`${result.ok ? ok("✓") : bad("✗")} ${result.name.padEnd(44)} ${result.message}`);
    }
  } finally {
    await api.close();
  }
  if (options.output === "json") console.log(JSON.stringify(results, null, 2));
  const failures = results.filter((r) => !r.ok).length;
  if (options.output !== "json") console.log(failures === 0 ? "all checks passed" : `${failures} check(s) failed`);
  if (failures > 0) process.exitCode = 1;
}

/** Prints a kubeconfig for NAMESPACE/NAME with a TokenRequest token. */
export async function serviceAccount(
  options: GlobalOptions,
  account: string,
  flags: { seconds: string },
): Promise<void> {
  const [namespace, name, ...rest] = account.split("/");
  if (!namespace || !name || rest.length > 0)
    throw new UsageError(`--service-account must be NAMESPACE/NAME, got "${account}"`);
  const seconds = Number(flags.seconds);
  if (!Number.isInteger(seconds) || seconds < 600) throw new UsageError("--seconds must be a whole number ≥ 600");
  const api = connect(options);
  try {
    process.stdout.write(await serviceAccountKubeconfig(api, namespace, name, { seconds }));
  } finally {
    await api.close();
  }
}

/** Flags of `kaika bootstrap`. */
export interface BootstrapFlags {
  readonly repo: string;
  readonly path: string;
  readonly branch: string;
  readonly clusterUrl?: string;
  readonly secretName?: string;
  readonly interval: string;
  readonly values?: string;
  readonly timeout: string;
  readonly releaseName: string;
}

export async function bootstrap(options: GlobalOptions, flags: BootstrapFlags): Promise<void> {
  const api = connect(options);
  try {
    for await (const event of runBootstrap(api, {
      ...release(options, flags),
      repo: flags.repo,
      path: flags.path.replace(/^\/+|\/+$/g, ""),
      branch: flags.branch,
      clusterUrl: flags.clusterUrl,
      secretName: flags.secretName,
      interval: flags.interval,
      valuesFile: flags.values,
      timeoutMs: durationFlag("--timeout", flags.timeout),
    })) {
      if (event.type === "committed")
        console.error(`${ok("✓")} committed ${event.commit.slice(0, 12)} to ${flags.repo}: ${event.files.join(", ")}`);
      else if (event.type === "unchanged")
        console.error(
          `${ok("✓")} ${flags.path} in ${flags.repo} is up to date (${event.commit.slice(0, 12)}): nothing to commit`,
        );
      else if (event.type === "done")
        console.error(`${ok("✓")} kaika ${event.version} installed (${event.objects} objects)`);
      else showInstallEvent(event);
    }
    console.log(`kaika manages itself from ${flags.repo} ${flags.path}: change it there and push`);
  } catch (error) {
    failed(error);
  } finally {
    await api.close();
  }
}
