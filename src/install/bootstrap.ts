/**
 * `kaika bootstrap`: install kaika, write its own manifests into a path of the user's Git
 * repository (commit + push with the user's own git and credentials), and create the GitSource
 * and Sync through which kaika manages itself from then on. Re-running changes nothing that is
 * already as it should be: no empty commit, no re-apply of unchanged objects.
 */

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import type { KubeApi } from "../kube/api.ts";
import { manifestYaml } from "../kube/manifest-yaml.ts";
import type { KubeObject } from "../kube/types.ts";
import { type ChartOptions, defaultRelease, renderChart } from "./chart.ts";
import { InstallError } from "./errors.ts";
import { type InstallEvent, install } from "./install.ts";

const exec = promisify(execFile);

/** Options of bootstrap(). */
export interface BootstrapOptions extends ChartOptions {
  readonly dryRun?: boolean;
  /** The repository as git clones it (URL or local path); the user's own git config and credentials apply. */
  readonly repo: string;
  /** Folder in the repository for kaika's manifests, e.g. clusters/prod-1/kaika. */
  readonly path: string;
  /** Branch to commit to and follow; default main. */
  readonly branch?: string;
  /** The URL the cluster fetches from, when it differs from `repo` (e.g. SSH for you, HTTPS for the cluster). */
  readonly clusterUrl?: string | undefined;
  /** Secret (in kaika's namespace) with the cluster's git credentials, named by the GitSource. */
  readonly secretName?: string | undefined;
  /** How often the GitSource polls; default 1m (webhooks make it immediate). */
  readonly interval?: string;
  readonly timeoutMs?: number;
}

/** What bootstrap() reports. */
export type BootstrapEvent =
  | InstallEvent
  | { readonly type: "committed"; readonly commit: string; readonly files: readonly string[] }
  | { readonly type: "unchanged"; readonly commit: string };

/** The ServiceAccount kaika's own Sync applies as: it writes CRDs and RBAC, so it is cluster-admin (as Flux's bootstrap is). */
export const selfManagerName = "kaika-self-manager";

/** The files bootstrap keeps in `path`, by name. */
export async function bootstrapFiles(options: BootstrapOptions): Promise<Record<string, string>> {
  const release = {
    name: options.releaseName ?? defaultRelease.name,
    namespace: options.namespace ?? defaultRelease.namespace,
  };
  const { crds, objects } = await renderChart(options);
  const header = "# Written by kaika bootstrap; kaika applies changes to this folder to itself.\n";
  const documents = (list: readonly KubeObject[]) => manifestYaml(list, header);
  const self: KubeObject[] = [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: selfManagerName, namespace: release.namespace },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: {
        name: selfManagerName,
        annotations: {
          "kaika.dev/skip-checks": "rbac.cluster-admin-binding",
          "kaika.dev/skip-reason":
            "kaika's own Sync writes CRDs, ClusterRoles and their bindings; no pod has this ServiceAccount's token",
        },
      },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: selfManagerName, namespace: release.namespace }],
    },
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: release.name, namespace: release.namespace },
      spec: {
        url: options.clusterUrl ?? options.repo,
        ref: { branch: options.branch ?? "main" },
        interval: options.interval ?? "1m",
        ...(options.secretName ? { secretRef: { name: options.secretName } } : {}),
      },
    },
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: release.name, namespace: release.namespace },
      spec: {
        sourceRef: { name: release.name },
        path: options.path,
        renderer: "plain",
        interval: "10m",
        prune: true,
        serviceAccountName: selfManagerName,
      },
    },
  ];
  return {
    "crds.yaml": documents(crds.map((c) => c.object)),
    "kaika.yaml": documents(objects.map((o) => o.object)),
    "sync.yaml": documents(self),
  };
}

/** Runs bootstrap; throws InstallError (install) or Error (git, with git's message). */
export async function* bootstrap(api: KubeApi, options: BootstrapOptions): AsyncGenerator<BootstrapEvent> {
  const files = await bootstrapFiles(options);
  yield* install(api, { ...options, upgrade: true, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });

  const work = await mkdtemp(join(tmpdir(), "kaika-bootstrap-"));
  const branch = options.branch ?? "main";
  try {
    const git = (...args: string[]) =>
      exec("git", args, { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }).then((r) => r.stdout.trim());
    await exec("git", ["clone", "--quiet", options.repo, work], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
    }).catch((error: { stderr?: string }) => {
      throw new InstallError("ApplyFailed", `git clone ${options.repo} failed: ${error.stderr?.trim() ?? error}`);
    });
    // An empty repository has no branch yet: start it.
    const remoteHas = (await git("ls-remote", "--heads", "origin", branch)) !== "";
    if (remoteHas) await git("checkout", "--quiet", branch);
    else await git("checkout", "--quiet", "--orphan", branch);
    const written: string[] = [];
    for (const [name, text] of Object.entries(files)) {
      const file = join(work, options.path, name);
      await mkdir(dirname(file), { recursive: true });
      if ((await readFile(file, "utf8").catch(() => undefined)) === text) continue;
      await writeFile(file, text);
      written.push(join(options.path, name));
    }
    if (written.length > 0) {
      await git("add", "--", ...written);
      const author = ["-c", "user.name=kaika bootstrap", "-c", "user.email=bootstrap@kaika.dev"];
      // The user's identity when git has one; kaika's otherwise.
      const hasIdentity = await git("config", "user.email").then(
        (v) => v !== "",
        () => false,
      );
      await git(...(hasIdentity ? [] : author), "commit", "--quiet", "-m", `kaika bootstrap: ${options.path}`);
      await git("push", "--quiet", "origin", `HEAD:refs/heads/${branch}`).catch((error: { stderr?: string }) => {
        throw new InstallError("ApplyFailed", `git push to ${options.repo} failed: ${error.stderr?.trim() ?? error}`);
      });
      yield { type: "committed", commit: await git("rev-parse", "HEAD"), files: written };
    } else yield { type: "unchanged", commit: await git("rev-parse", "HEAD") };
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  // The same objects kaika will apply from Git; applied now so it starts managing itself at once.
  for (const doc of parseAllDocuments(files["sync.yaml"] ?? "")) {
    const object = doc.toJS() as KubeObject | null;
    if (object && !options.dryRun) await api.apply(object, { fieldManager: "kaika-bootstrap", force: true });
  }
  yield {
    type: "step",
    message: `GitSource and Sync ${options.releaseName ?? defaultRelease.name} applied: kaika now manages itself from ${options.path}`,
  };
}
