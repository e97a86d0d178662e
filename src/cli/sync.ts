/** `kaika sync` and `kaika diff`: one-shot Git → cluster without a controller in the cluster. */
import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { type ApplyEvent, apply } from "../apply/applier.ts";
import { configMapInventory } from "../apply/inventory.ts";
import { renderFor } from "../controllers/render.ts";
import { ensureNamespace } from "../kube/api.ts";
import { cacheDir } from "../localfleet/binaries.ts";
import type { RenderedObject } from "../render/types.ts";
import { fetchArtifact, type GitRef } from "../source/index.ts";
import { connect } from "./connect.ts";
import type { GlobalOptions } from "./main.ts";
import { bad, ok, UsageError } from "./output.ts";

/** Flags of `kaika sync` and `kaika diff`. */
export interface SyncFlags {
  readonly repo: string;
  readonly ref?: string;
  readonly path?: string;
  readonly name?: string;
  readonly prune: boolean;
  readonly wait: boolean;
  readonly dryRun?: boolean;
  readonly inventoryNamespace: string;
  readonly renderer?: "auto" | "plain" | "kustomize" | "helm" | "hierarchy";
}

/** "main", "tag:v1", "semver:>=1.0.0", "commit:<sha>" or a bare 40-hex sha. */
function parseRef(text: string | undefined): GitRef | undefined {
  if (!text) return undefined;
  const [kind, ...restParts] = text.split(":");
  const rest = restParts.join(":");
  if (rest && kind === "tag") return { tag: rest };
  if (rest && kind === "semver") return { semver: rest };
  if (rest && kind === "commit") return { commit: rest };
  if (rest && kind === "branch") return { branch: rest };
  if (/^[0-9a-f]{40}$/.test(text)) return { commit: text };
  return { branch: text };
}

/** A stable inventory name for this repo and path, unless --name is given. */
function inventoryName(flags: SyncFlags): string {
  const raw = flags.name ?? `${basename(flags.repo).replace(/\.git$/, "")}-${flags.path ?? ""}`;
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  if (!name) throw new UsageError("cannot derive an inventory name: pass --name");
  return name;
}

/** Renders the repo at its ref: a git repository (URL or path) through the source pillar, a plain folder as is. */
async function render(flags: SyncFlags, namespace: string): Promise<{ revision: string; objects: RenderedObject[] }> {
  const spec = { path: flags.path ?? ".", renderer: flags.renderer ?? "auto" };
  const context = { name: inventoryName(flags), namespace };
  const local = resolve(flags.repo);
  const plainFolder =
    existsSync(local) &&
    statSync(local).isDirectory() &&
    !existsSync(join(local, ".git")) &&
    !existsSync(join(local, "HEAD"));
  if (plainFolder) {
    const result = await renderFor(local, spec, context);
    return { revision: "local folder", objects: result.objects };
  }
  const ref = parseRef(flags.ref);
  const artifact = await fetchArtifact({
    url: existsSync(local) ? local : flags.repo,
    ...(ref ? { ref } : {}),
    cacheDir: join(cacheDir(), "sources"),
  });
  const result = await renderFor(artifact.dir, spec, context);
  return { revision: artifact.revision, objects: result.objects };
}

function describe(event: ApplyEvent): string | undefined {
  switch (event.type) {
    case "applied":
      return `${event.ref} ${event.action === "create" ? "created" : "configured"}`;
    case "pruned":
      return `${event.ref} pruned`;
    case "pruneSkipped":
      return `${event.ref} kept: ${event.reason}`;
    case "failed":
      return bad(`${event.phase} failed: ${event.error.message}`);
    case "health":
      return event.health.status === "Current"
        ? undefined
        : `${event.ref} ${event.health.status}: ${event.health.message}`;
    default:
      return undefined;
  }
}

/** Applies the repo's manifests to the cluster; exit 1 if anything failed. */
export async function sync(options: GlobalOptions, flags: SyncFlags): Promise<void> {
  const { revision, objects } = await render(flags, options.namespace ?? "default");
  const api = connect(options);
  try {
    const name = inventoryName(flags);
    if (!flags.dryRun) await ensureNamespace(api, flags.inventoryNamespace);
    console.error(`${flags.dryRun ? "planning" : "applying"} ${objects.length} objects from ${revision}`);
    const events: ApplyEvent[] = [];
    for await (const event of apply(api, objects, {
      inventory: configMapInventory(api, { namespace: flags.inventoryNamespace, name }),
      prune: flags.prune,
      wait: flags.wait,
      dryRun: flags.dryRun === true,
      defaultNamespace: options.namespace ?? "default",
    })) {
      events.push(event);
      if (options.output === "json" || options.output === "yaml") continue;
      if (flags.dryRun && event.type === "planned" && event.action !== "unchanged")
        console.log(`${event.ref} would be ${event.action === "create" ? "created" : "configured"}`);
      const line = describe(event);
      if (line) console.log(line);
      if (event.type === "done") {
        const s = event.summary;
        const text = `${s.created} created, ${s.configured} configured, ${s.unchanged} unchanged, ${s.pruned} pruned, ${s.failed} failed`;
        console.log(event.ok ? ok(text) : bad(text));
        if (!event.ok) process.exitCode = 1;
      }
    }
    if (options.output === "json") console.log(JSON.stringify({ revision, events }, null, 2));
  } finally {
    await api.close();
  }
}

/** Prints what a sync would change; exit 0 no changes, 1 changes, 2 errors (as kubectl diff). */
export async function diff(options: GlobalOptions, flags: SyncFlags): Promise<void> {
  try {
    const { revision, objects } = await render(flags, options.namespace ?? "default");
    const api = connect(options);
    let changes = 0;
    let failed = false;
    try {
      for await (const event of apply(api, objects, {
        inventory: configMapInventory(api, { namespace: flags.inventoryNamespace, name: inventoryName(flags) }),
        prune: flags.prune,
        dryRun: true,
        defaultNamespace: options.namespace ?? "default",
      })) {
        if (event.type === "planned" && event.action !== "unchanged") {
          changes++;
          console.log(event.diff ?? `${event.ref}: ${event.action}`);
        } else if (event.type === "pruneSkipped") {
          changes++;
          console.log(`${event.ref}: would be pruned`);
        } else if (event.type === "failed") {
          failed = true;
          console.error(bad(event.error.message));
        }
      }
    } finally {
      await api.close();
    }
    console.error(`${changes} change${changes === 1 ? "" : "s"} against ${revision}`);
    process.exitCode = failed ? 2 : changes > 0 ? 1 : 0;
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
