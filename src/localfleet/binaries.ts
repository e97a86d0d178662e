/** Builds the local fleet's binaries from the Go module proxy into a cache keyed by version. */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** One Go module under tools/ and the binaries it builds. */
interface Component {
  readonly name: "kube" | "etcd" | "kwok" | "helm";
  /** The module whose version names the build (read from tools/<name>/go.mod). */
  readonly module: string;
  readonly packages: readonly string[];
  readonly ldflags: (version: string) => string;
  /** Files besides the binaries, copied from the module's source into the cache folder. */
  readonly assets?: { readonly name: string; readonly files: readonly string[] };
}

const components: readonly Component[] = [
  {
    name: "kube",
    module: "k8s.io/kubernetes",
    packages: [
      "k8s.io/kubernetes/cmd/kube-apiserver",
      "k8s.io/kubernetes/cmd/kube-controller-manager",
      "k8s.io/kubernetes/cmd/kube-scheduler",
    ],
    // Without these the binaries report v0.0.0 and clients warn about skew.
    ldflags: (v) => {
      const [major, minor] = v.replace(/^v/, "").split(".");
      return [
        "-s -w",
        `-X k8s.io/component-base/version.gitVersion=${v}`,
        `-X k8s.io/component-base/version.gitMajor=${major}`,
        `-X k8s.io/component-base/version.gitMinor=${minor}`,
        "-X k8s.io/component-base/version.gitTreeState=clean",
      ].join(" ");
    },
  },
  { name: "etcd", module: "go.etcd.io/etcd/server/v3", packages: ["."], ldflags: () => "-s -w" },
  {
    name: "kwok",
    module: "sigs.k8s.io/kwok",
    packages: ["sigs.k8s.io/kwok/cmd/kwok"],
    ldflags: () => "-s -w",
    // kwok runs no lifecycle without Stages; these are the ones kwokctl uses
    // by default, taken from the same module version as the binary.
    assets: {
      name: "stages.yaml",
      files: [
        "kustomize/stage/node/fast/node-initialize.yaml",
        "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        "kustomize/stage/pod/fast/pod-ready.yaml",
        "kustomize/stage/pod/fast/pod-complete.yaml",
        "kustomize/stage/pod/fast/pod-delete.yaml",
      ],
    },
  },
  {
    name: "helm",
    module: "helm.sh/helm/v3",
    packages: ["helm.sh/helm/v3/cmd/helm"],
    // As helm's Makefile does: its version, and the Kubernetes version `helm template`
    // assumes without --kube-version (that of the client-go it is built with).
    ldflags: (v) => {
      const [major, minor] = requiredVersion("helm", "k8s.io/client-go").replace(/^v0\./, "v1.").slice(1).split(".");
      return [
        "-s -w",
        `-X helm.sh/helm/v3/internal/version.version=${v}`,
        "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${major}`,
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}`,
        `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${major}`,
        `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}`,
      ].join(" ");
    },
  },
];

/** Absolute paths of the fleet's binaries. */
export interface Binaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kwok: string;
  /** kwok's Stage objects (YAML, several documents). */
  readonly kwokStages: string;
  /** helm v3, for `helm template` (the Helm renderer). */
  readonly helm: string;
}

/** Pinned versions, read from tools/<name>/go.mod. */
export interface Versions {
  readonly kubernetes: string;
  readonly etcd: string;
  readonly kwok: string;
}

/** Progress of a build, for a person watching. */
export type BuildEvent =
  | { readonly type: "cached"; readonly component: string; readonly dir: string }
  | { readonly type: "step"; readonly component: string; readonly step: "download" | "build"; readonly command: string }
  | { readonly type: "compiled"; readonly component: string; readonly packages: number }
  | { readonly type: "done"; readonly component: string; readonly seconds: number };

/** A step of the binary build failed; `retry` is the command a person can run to see why. */
export class BinaryBuildError extends Error {
  readonly code = "BinaryBuildFailed";
  readonly component: string;
  readonly step: string;
  readonly retry: string;
  readonly output: string;
  constructor(component: string, step: string, retry: string, output: string, options?: ErrorOptions) {
    super(
      `building ${component} failed at step "${step}".\n${output.trim()}\nRetry by hand with:\n  ${retry}`,
      options,
    );
    this.component = component;
    this.step = step;
    this.retry = retry;
    this.output = output;
  }
}

/** The cache root: $KAIKA_CACHE_DIR, else $XDG_CACHE_HOME/kaika, else ~/.cache/kaika. */
export function cacheDir(): string {
  return process.env.KAIKA_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "kaika");
}

function toolsDir(component: Component): string {
  return join(repoRoot, "tools", component.name);
}

function moduleVersion(component: Component): string {
  return requiredVersion(component.name, component.module);
}

/** The version of `module` that tools/<name>/go.mod requires. */
function requiredVersion(name: Component["name"], module: string): string {
  const goMod = readFileSync(join(repoRoot, "tools", name, "go.mod"), "utf8");
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  if (!match?.[1]) throw new Error(`tools/${name}/go.mod does not require ${module}`);
  return match[1];
}

/** The versions the fleet binaries are built at. */
export function pinnedVersions(): Versions {
  const byName = (name: Component["name"]): string => {
    const component = components.find((c) => c.name === name);
    if (!component) throw new Error(`unknown component ${name}`);
    return moduleVersion(component);
  };
  return { kubernetes: byName("kube"), etcd: byName("etcd"), kwok: byName("kwok") };
}

/** Cache folder of one component: its version plus a digest of its build inputs. */
function componentDir(component: Component): string {
  const hash = createHash("sha256");
  const dir = toolsDir(component);
  for (const file of readdirSync(dir).sort()) {
    if (file === "go.mod" || file === "go.sum" || file.endsWith(".go"))
      hash.update(file).update(readFileSync(join(dir, file)));
  }
  hash.update(component.ldflags(moduleVersion(component)));
  hash.update(JSON.stringify(component.assets ?? null));
  return join(cacheDir(), "bin", `${component.name}-${moduleVersion(component)}-${hash.digest("hex").slice(0, 12)}`);
}

function binariesIn(dirs: Record<Component["name"], string>): Binaries {
  return {
    etcd: join(dirs.etcd, "etcd"),
    kubeApiserver: join(dirs.kube, "kube-apiserver"),
    kubeControllerManager: join(dirs.kube, "kube-controller-manager"),
    kubeScheduler: join(dirs.kube, "kube-scheduler"),
    kwok: join(dirs.kwok, "kwok"),
    kwokStages: join(dirs.kwok, "stages.yaml"),
    helm: join(dirs.helm, "helm"),
  };
}

function binaryNames(component: Component): string[] {
  // `go build -o dir/ .` names the binary after the module path's last element (tools/etcd: "etcd").
  return component.packages.map((p) => (p === "." ? component.name : (p.split("/").pop() ?? p)));
}

function isBuilt(component: Component, dir: string): boolean {
  const files = [...binaryNames(component), ...(component.assets ? [component.assets.name] : [])];
  return files.every((f) => existsSync(join(dir, f)));
}

/** Concatenates the component's asset files from its module source into one file. */
async function copyAssets(component: Component, cwd: string, staging: string): Promise<void> {
  if (!component.assets) return;
  let moduleDir = "";
  await run(
    "go",
    ["list", "-m", "-f", "{{.Dir}}", component.module],
    cwd,
    () => {},
    (line) => {
      moduleDir = line.trim();
    },
  );
  const docs = component.assets.files.map((f) => readFileSync(join(moduleDir, f), "utf8").trim());
  writeFileSync(join(staging, component.assets.name), `${docs.join("\n---\n")}\n`);
}

/** Runs a command, reporting each stderr line; rejects with the output's tail on failure. */
function run(
  command: string,
  args: string[],
  cwd: string,
  onLine: (line: string) => void,
  onStdout: (line: string) => void = () => {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const tail: string[] = [];
    const keep = (line: string): void => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
    };
    createInterface({ input: child.stdout }).on("line", (line) => {
      keep(line);
      onStdout(line);
    });
    createInterface({ input: child.stderr }).on("line", (line) => {
      keep(line);
      onLine(line);
    });
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(tail.join("\n") || `exit ${code}`))));
  });
}

function quote(args: string[]): string {
  return args.map((a) => (/^[\w./=:@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

async function build(component: Component, dir: string, onEvent: (e: BuildEvent) => void): Promise<void> {
  const cwd = toolsDir(component);
  const started = Date.now();
  const downloadArgs = ["mod", "download"];
  const downloadCmd = `cd ${cwd} && go ${quote(downloadArgs)}`;
  onEvent({ type: "step", component: component.name, step: "download", command: downloadCmd });
  try {
    await run("go", downloadArgs, cwd, () => {});
  } catch (error) {
    throw goError(component.name, "download modules (is the module served by the Go proxy?)", downloadCmd, error);
  }
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const buildArgs = [
    "build",
    "-v",
    "-trimpath",
    "-ldflags",
    component.ldflags(moduleVersion(component)),
    "-o",
    `${staging}/`,
    ...component.packages,
  ];
  const buildCmd = `cd ${cwd} && go ${quote(buildArgs)}`;
  onEvent({ type: "step", component: component.name, step: "build", command: buildCmd });
  let compiled = 0;
  try {
    await run("go", buildArgs, cwd, (line) => {
      // `go build -v` names each package as it compiles it.
      if (!line.includes(" ") && line.includes("/")) {
        compiled++;
        if (compiled % 50 === 0) onEvent({ type: "compiled", component: component.name, packages: compiled });
      }
    });
    await copyAssets(component, cwd, staging);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw goError(component.name, "build", buildCmd, error);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  onEvent({ type: "done", component: component.name, seconds: Math.round((Date.now() - started) / 1000) });
}

function goError(component: string, step: string, retry: string, error: unknown): BinaryBuildError {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === "ENOENT") {
    return new BinaryBuildError(
      component,
      step,
      retry,
      "the `go` command was not found on PATH; install Go 1.26 or newer",
      { cause: error },
    );
  }
  return new BinaryBuildError(component, step, retry, error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

/**
 * Returns the fleet's binaries, building whatever the cache lacks.
 * A build goes to a staging folder renamed into place, so an interrupted
 * build never leaves a half cache. Throws BinaryBuildError naming the step.
 */
export async function ensureBinaries(onEvent: (e: BuildEvent) => void = () => {}): Promise<Binaries> {
  const dirs = {} as Record<Component["name"], string>;
  for (const component of components) {
    const dir = componentDir(component);
    dirs[component.name] = dir;
    if (isBuilt(component, dir)) onEvent({ type: "cached", component: component.name, dir });
    else await build(component, dir, onEvent);
  }
  return binariesIn(dirs);
}

/** The cached binaries, or undefined when some are not built yet. */
export function cachedBinaries(): Binaries | undefined {
  const dirs = {} as Record<Component["name"], string>;
  for (const component of components) {
    const dir = componentDir(component);
    if (!isBuilt(component, dir)) return undefined;
    dirs[component.name] = dir;
  }
  return binariesIn(dirs);
}
