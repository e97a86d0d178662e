/**
 * Builds Flux's source-controller and kustomize-controller from the Go module proxy, the way
 * src/localfleet/binaries.ts builds the local fleet: a wrapper module under tools/ pins the exact
 * version (tools/flux-source, tools/flux-kustomize), `go build` runs once, and the binary is cached
 * under <kaika cache>/bin/flux-<name>-<version>-<digest of the wrapper module>.
 *
 * Version: the issue asks for v1.10.x. The proxy serves source-controller and kustomize-controller
 * v1.10.0 and v1.10.1 (both need Go 1.27, so GOTOOLCHAIN=go1.27.3), but not all the modules they need
 * to build: `go list -deps` of the controller package reported these zips as 403 "This module version
 * is not available" (2026-12-03):
 *   kustomize-controller v1.10.1: fluxcd/pkg/apis/crypto v0.5.0, fluxcd/pkg/http/fetch v0.30.1,
 *     fluxcd/pkg/masktoken v0.10.0, fluxcd/pkg/spiffe v0.2.0 (apis/crypto, masktoken and spiffe list
 *     no version at all: 404 on @v/list);
 *   source-controller v1.10.1: the same three plus fluxcd/pkg/artifact v0.27.1, fluxcd/pkg/http/transport
 *     v0.9.0, google/go-containerregistry/pkg/authn/k8schain v0.0.0-20261013193525-92aac6186bc4 and
 *     sigstore/cosign/v3 v3.1.4 (with cosign replaced by v3.1.3, the newest served, its package
 *     docker-credential-acr-helper/pkg/acr was not found either);
 *   v1.10.0 of both: the same, with fetch v0.30.0 and artifact v0.27.0.
 * v1.9.6, the newest v1.9 (Go 1.26, no GOTOOLCHAIN needed), builds: kustomize-controller with every
 * module it requires; source-controller with one replace, fluxcd/pkg/artifact v0.18.3 (not served) →
 * v0.18.0, the newest v0.18 served (see tools/flux-source/go.mod).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../../src/localfleet/index.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** One Flux controller and the wrapper module that builds it. */
interface Controller {
  readonly name: "source-controller" | "kustomize-controller";
  /** Folder under tools/ with the wrapper go.mod. */
  readonly tools: string;
  readonly module: string;
}

const controllers: readonly Controller[] = [
  { name: "source-controller", tools: "flux-source", module: "github.com/fluxcd/source-controller" },
  { name: "kustomize-controller", tools: "flux-kustomize", module: "github.com/fluxcd/kustomize-controller" },
];

/** The built controllers and where their sources (CRDs) are. */
export interface FluxBinaries {
  readonly sourceController: string;
  readonly kustomizeController: string;
  /** The version both are built at (read from the wrapper go.mod). */
  readonly version: string;
  /** The CRD files of both controllers, from their module sources in the Go module cache. */
  readonly crds: readonly string[];
  /** Seconds each build took in this run; 0 when cached. */
  readonly buildSeconds: Readonly<Record<string, number>>;
}

/** A build step failed: which controller, which step, the command to retry and go's output. */
export class FluxBuildError extends Error {
  readonly controller: string;
  readonly step: string;
  readonly command: string;
  readonly output: string;
  constructor(controller: string, step: string, command: string, output: string) {
    super(`building Flux ${controller} failed at step "${step}":\n${output.trim()}\nRetry with:\n  ${command}`);
    this.controller = controller;
    this.step = step;
    this.command = command;
    this.output = output;
  }
}

const toolsDir = (c: Controller): string => join(repoRoot, "tools", c.tools);

function versionOf(c: Controller): string {
  const goMod = readFileSync(join(toolsDir(c), "go.mod"), "utf8");
  const escaped = c.module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  if (!match?.[1]) throw new Error(`tools/${c.tools}/go.mod does not require ${c.module}`);
  return match[1];
}

const ldflags = "-s -w";

/** Cache folder: version plus a digest of the wrapper module and the flags, like the fleet binaries. */
function cacheFolder(c: Controller): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(toolsDir(c)).sort()) {
    if (file === "go.mod" || file === "go.sum") hash.update(file).update(readFileSync(join(toolsDir(c), file)));
  }
  hash.update(ldflags);
  return join(cacheDir(), "bin", `flux-${c.name}-${versionOf(c)}-${hash.digest("hex").slice(0, 12)}`);
}

/** Runs go in the wrapper module; resolves with stdout, rejects with the output's tail. */
function go(c: Controller, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("go", args, { cwd: toolsDir(c), stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-8000);
    });
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(err || `exit ${code}`))));
  });
}

async function build(c: Controller, dir: string, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // go build downloads the modules the package needs (and no test-only ones, some of which the proxy
  // does not serve, so a plain `go mod download` of the whole graph would fail).
  const args = ["build", "-trimpath", "-ldflags", ldflags, "-o", `${staging}/`, c.module];
  const command = `cd ${toolsDir(c)} && go ${args.map((a) => (a.includes(" ") ? `'${a}'` : a)).join(" ")}`;
  log(`building Flux ${c.name} ${versionOf(c)} (a cold build takes minutes): ${command}`);
  try {
    await go(c, args);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new FluxBuildError(c.name, "go build", command, error instanceof Error ? error.message : String(error));
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return (performance.now() - started) / 1000;
}

/** The module's source folder in the Go module cache (downloaded by the build). */
async function moduleDir(c: Controller): Promise<string> {
  return (await go(c, ["list", "-m", "-f", "{{.Dir}}", c.module])).trim();
}

/** Returns the two controllers, building whichever the cache lacks. */
export async function ensureFluxBinaries(log: (line: string) => void = () => {}): Promise<FluxBinaries> {
  const paths: Record<string, string> = {};
  const buildSeconds: Record<string, number> = {};
  const crds: string[] = [];
  for (const c of controllers) {
    const dir = cacheFolder(c);
    const binary = join(dir, c.name);
    buildSeconds[c.name] = existsSync(binary) ? 0 : await build(c, dir, log);
    paths[c.name] = binary;
    const bases = join(await moduleDir(c), "config", "crd", "bases");
    for (const f of readdirSync(bases).sort()) if (f.endsWith(".yaml")) crds.push(join(bases, f));
  }
  const versions = new Set(controllers.map(versionOf));
  if (versions.size !== 1) throw new Error(`tools/flux-*: controllers pinned at different versions ${[...versions]}`);
  return {
    sourceController: paths["source-controller"] ?? "",
    kustomizeController: paths["kustomize-controller"] ?? "",
    version: [...versions][0] ?? "",
    crds,
    buildSeconds,
  };
}

// `node bench/flux/build.ts`: build (or find) the binaries and print where they are.
if (import.meta.url === `file://${process.argv[1]}`) {
  const b = await ensureFluxBinaries((line) => console.log(line));
  console.log(JSON.stringify(b, null, 2));
}
