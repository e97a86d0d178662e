/** The `kaika` command: a thin shell that parses flags and calls the same API tests and controllers use. */
import { Argument, Command, CommanderError, Option } from "commander";
import { configure } from "./config.ts";
import type { DashboardFlags } from "./dashboard.ts";
import type { BootstrapFlags, InstallFlags } from "./install.ts";
import type { LintFlags } from "./lint.ts";
import { UsageError } from "./output.ts";
import type { RunFlags } from "./run.ts";
import type { SyncFlags } from "./sync.ts";
import type { TopologyFlags } from "./topology.ts";

/** Flags every command accepts, named as kubectl names them. */
export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly output?:
    | "text"
    | "json"
    | "yaml"
    | "wide"
    | "sarif"
    | "junit"
    | "rules"
    | "prometheusrule"
    | "dot"
    | "mermaid";
}

function program(): Command {
  // bin/kubectl-kaika sets "kubectl kaika", so help and usage errors name the command typed.
  const root = new Command(process.env.KAIKA_PROGRAM_NAME || "kaika")
    .description("GitOps control plane for fleets of Kubernetes clusters")
    .addOption(new Option("--kubeconfig <path>", "path to the kubeconfig file"))
    .addOption(new Option("--context <name>", "kubeconfig context to use"))
    .addOption(new Option("-n, --namespace <name>", "namespace scope"))
    .addOption(
      new Option("-o, --output <format>", "output format").choices([
        "text",
        "json",
        "yaml",
        "wide",
        "sarif",
        "junit",
        "rules",
        "prometheusrule",
        "dot",
        "mermaid",
      ]),
    )
    .showHelpAfterError()
    .exitOverride();

  root
    .command("version")
    .description("print kaika's version, git commit, Node.js version and the local fleet's component versions")
    .action(async (_opts, cmd: Command) => (await import("./version.ts")).version(cmd.optsWithGlobals()));

  root
    .command("lint")
    .description(
      "check manifests for production readiness (exit 0 clean, 1 enforced findings, 2 usage or parse errors)",
    )
    .argument("<path>", "a folder (plain, Kustomize, Helm or hierarchical), a file, or - for stdin")
    .addOption(
      new Option("--renderer <kind>", "how to render a folder")
        .choices(["auto", "plain", "kustomize", "helm", "hierarchy"])
        .default("auto"),
    )
    .option("--policy <file>", "a ReadinessPolicy YAML file: modes per check and namespace, exemptions")
    .option("--trusted-registry <prefix...>", "registries images may come from")
    .option("--strict", "ignore opt-out annotations")
    .option("--kubernetes-version <version>", "Kubernetes version for the API checks (unless the policy names one)")
    .action(async (path: string, opts: LintFlags, cmd: Command) =>
      (await import("./lint.ts")).lint(cmd.optsWithGlobals(), path, opts),
    );

  root
    .command("crds")
    .description("print kaika's CustomResourceDefinitions (YAML, or -o json)")
    .action(async (_opts, cmd: Command) => {
      const { kaikaCrds } = await import("../api/crds.ts");
      const { manifestYaml } = await import("../kube/manifest-yaml.ts");
      const crds = kaikaCrds();
      const { output } = cmd.optsWithGlobals<GlobalOptions>();
      if (output === "json") console.log(JSON.stringify({ apiVersion: "v1", kind: "List", items: crds }, null, 2));
      else process.stdout.write(manifestYaml(crds).replace(/^---\n/, ""));
    });

  const syncFlags = (command: Command): Command =>
    command
      .requiredOption("--repo <url|path>", "Git repository (URL or local path), or a plain folder of manifests")
      .option("--ref <ref>", "branch, tag:<t>, semver:<range> or commit:<sha> (default: the remote's HEAD)")
      .option("--path <dir>", "folder inside the repository")
      .addOption(
        new Option("--renderer <kind>", "how to render the folder (auto detects Kustomize and Helm)")
          .choices(["auto", "plain", "kustomize", "helm", "hierarchy"])
          .default("auto"),
      )
      .option("--name <name>", "inventory name (default: from the repo and path)")
      .option("--no-prune", "never delete objects that left the repository")
      .option("--inventory-namespace <ns>", "where the inventory ConfigMaps live", "kaika-system");
  syncFlags(root.command("sync"))
    .description("apply a repository's manifests to a cluster once: validate all, apply in order, prune by inventory")
    .option("--dry-run", "plan only; write nothing")
    .option("--wait", "wait until every object is healthy")
    .action(async (opts: Omit<SyncFlags, "inventoryNamespace"> & { inventoryNamespace: string }, cmd: Command) =>
      (await import("./sync.ts")).sync(cmd.optsWithGlobals(), opts),
    );
  syncFlags(root.command("diff"))
    .description("show what 'kaika sync' would change (exit 0: none, 1: changes, 2: errors)")
    .action(async (opts: SyncFlags, cmd: Command) => (await import("./sync.ts")).diff(cmd.optsWithGlobals(), opts));

  root
    .command("run")
    .description("run the controllers (GitSource, Sync) against the cluster; installs the CRDs first")
    .option("--metrics-bind-address <addr>", 'serve /metrics here; "0" disables', "127.0.0.1:8080")
    .option("--health-probe-bind-address <addr>", 'serve /livez and /readyz here; "0" disables', "127.0.0.1:8081")
    .option("--leader-elect", "run controllers only while holding the Lease", false)
    .option("--leader-election-namespace <ns>", "namespace of the Lease", "kaika-system")
    .option("--leader-election-id <name>", "name of the Lease", "kaika-leader")
    .option("--leader-elect-lease-duration <seconds>", "how long a Lease lasts without renewal", "15")
    .option("--leader-elect-renew-deadline <seconds>", "how long the holder retries a renewal", "10")
    .option("--leader-elect-retry-period <seconds>", "time between renewals and attempts", "2")
    .option("--shards <n>", "split the fleet's clusters into N shards held by the replicas (needs --leader-elect)", "1")
    .option("--no-install-crds", "do not apply kaika's CRDs on start")
    .option("--data-dir <dir>", "where repositories and artifacts are kept (default ~/.cache/kaika/controller)")
    .option("--log-level <level>", "debug, info, warn, error", "info")
    .option("--webhook-bind-address <addr>", 'receive Git push webhooks here; "0" disables', "127.0.0.1:9292")
    .option(
      "--admission-bind-address <addr>",
      'serve the readiness admission webhook here (the apiserver must reach it); "0" disables',
      "0",
    )
    .addOption(
      new Option("--admission-failure-policy <policy>", "when kaika cannot answer")
        .choices(["Ignore", "Fail"])
        .default("Ignore"),
    )
    .option("--admission-timeout <seconds>", "how long the apiserver waits for a review", "5")
    .option("--admission-cert-validity <duration>", "life of the webhook's CA and cert (rotated at 2/3)", "2160h")
    .option("--no-admission-secret-names", "do not watch Secret names (secrets.ref-missing then sees no live Secret)")
    .option(
      "--default-service-account <name>",
      "apply Syncs without spec.serviceAccountName as this ServiceAccount of the Sync's namespace (impersonated)",
    )
    .option("--audit-interval <duration>", 'how often live objects are audited; "0" disables', "10m")
    .option("--policy-namespace <ns>", "where the fleet-wide default ReadinessPolicy lives", "kaika-system")
    .option("--cluster-probe-interval <seconds>", "how often each fleet Cluster is probed", "10")
    .option("--fleet-concurrency <n>", "applies to fleet clusters at once (at most 2 per cluster)", "8")
    .option(
      "--full-resync-interval <duration>",
      'how often each Sync dry-runs every object, not only what its watches saw change (jittered ±10 %); "0": always',
      "1h",
    )
    .option(
      "--ledger <path|url>",
      "version ledger: a SQLite file or postgres:// URL (default <data-dir>/ledger.sqlite)",
    )
    .option("--prometheus-url <url>", "the Prometheus evaluating the SLO rules (SLO status, rollout gate)")
    .option("--slo-interval <seconds>", "how often each SLO's error budget is read again", "60")
    .option(
      "--notify-webhook-url-file <file...>",
      "POST gate halts and exhausted budgets as JSON to the URLs in these files, one per line (a mounted Secret)",
    )
    .option(
      "--notify-slack-url-file <file...>",
      "post gate halts and exhausted budgets to the Slack incoming-webhook URLs in these files, one per line",
    )
    .option(
      "--notify-webhook-url <url...>",
      "as --notify-webhook-url-file, for local use: a URL in argv is visible to anyone who can list processes",
    )
    .option("--notify-slack-url <url...>", "as --notify-slack-url-file, for local use (argv is not secret)")
    .option("--dashboard-bind-address <addr>", 'serve the dashboard and its API (/api/v1) here; "0" disables', "0")
    .option(
      "--dashboard-allow-actions",
      "let dashboard users reconcile, suspend and steer rollouts (as their RBAC allows)",
    )
    .action(async (opts: RunFlags, cmd: Command) => (await import("./run.ts")).run(cmd.optsWithGlobals(), opts));

  root
    .command("dashboard")
    .description(
      "serve the dashboard for the cluster of --context from this machine and print its URL (read-only unless --allow-actions)",
    )
    .option("--address <host:port>", "where to listen; port 0 picks a free one", "127.0.0.1:0")
    .option("--allow-actions", "let users reconcile, suspend and steer rollouts (as their RBAC allows)")
    .option("--prometheus-url <url>", "the Prometheus evaluating kaika's SLO rules (SLO pages)")
    .option(
      "--ledger <path|url>",
      "version ledger: a SQLite file or postgres:// URL (default ~/.cache/kaika/controller/ledger.sqlite)",
    )
    .option("--data-dir <dir>", "where fetched repositories are kept (default ~/.cache/kaika/dashboard)")
    .option("--assets <dir>", "the browser app's built files (default web/dist)")
    .option("--log-level <level>", "debug, info, warn, error", "info")
    .action(async (opts: DashboardFlags, cmd: Command) =>
      (await import("./dashboard.ts")).dashboard(cmd.optsWithGlobals(), opts),
    );

  root
    .command("get")
    .description("list GitSources or Syncs with their revision and readiness (all namespaces unless -n)")
    .argument("<kind>", "sources or syncs")
    .action(async (what: string, _opts, cmd: Command) => (await import("./get.ts")).get(cmd.optsWithGlobals(), what));
  root
    .command("reconcile")
    .description("reconcile a GitSource or Sync now and wait for the outcome (namespace: -n, default kaika-system)")
    .argument("<kind>", "source or sync")
    .argument("<name>")
    .option("--timeout <seconds>", "how long to wait", "120")
    .action(async (what: string, name: string, opts: { timeout: string }, cmd: Command) =>
      (await import("./get.ts")).reconcile(cmd.optsWithGlobals(), what, name, Number(opts.timeout)),
    );

  const cluster = root.command("cluster").description("register the clusters of the fleet in the admin cluster");
  cluster
    .command("add")
    .description(
      "register the cluster of kubeconfig context --context as NAME (kubeconfig copied into a Secret; namespace -n, default kaika-system)",
    )
    .argument("<name>")
    .option("--label <key=value...>", "labels targets and waves select on (env, region, ...)")
    .option("--admin-context <name>", "kubeconfig context of the admin cluster (default: the current context)")
    .action(async (name: string, opts: { label?: string[]; adminContext?: string }, cmd: Command) =>
      (await import("./cluster.ts")).add(cmd.optsWithGlobals(), name, opts),
    );
  cluster
    .command("remove")
    .description("delete Cluster NAME and its kubeconfig Secret (what was applied there stays)")
    .argument("<name>")
    .action(async (name: string, _opts, cmd: Command) =>
      (await import("./cluster.ts")).remove(cmd.optsWithGlobals(), name),
    );
  cluster
    .command("list")
    .description("list Clusters: reachable, Kubernetes version, nodes, labels")
    .action(async (_opts, cmd: Command) => (await import("./cluster.ts")).list(cmd.optsWithGlobals()));

  const rollout = root
    .command("rollout")
    .description("watch and steer a Sync's wave-by-wave rollout (-n, default kaika-system)");
  for (const [verb, text] of [
    ["status", "show the rollout: revision, phase, waves, clusters"],
    ["pause", "start no further cluster or wave"],
    ["resume", "lift a pause and retry a halted wave"],
    ["promote", "skip the current wave's soak, promotion wait or failure and go on"],
  ] as const) {
    rollout
      .command(verb)
      .description(text)
      .argument("<sync>")
      .action(async (name: string, _opts, cmd: Command) =>
        (await import("./rollout.ts"))[verb](cmd.optsWithGlobals(), name),
      );
  }

  root
    .command("fleet")
    .description("every cluster at a glance: reachable, version, what each Sync runs there, drift, violations")
    .action(async (_opts, cmd: Command) => (await import("./fleet.ts")).fleet(cmd.optsWithGlobals()));

  type VersionsFlags = { cluster?: string; at?: string; ledger?: string };
  const versions = root
    .command("versions")
    .description("which version of each service runs on each cluster (now or --at TIME), from the version ledger")
    .option("--cluster <name>", "only this cluster")
    .option("--at <time>", 'RFC 3339, or a duration ago ("2h ago", "-2h"); default now')
    .option("--ledger <path|url>", "a SQLite file or postgres:// URL (default ~/.cache/kaika/controller/ledger.sqlite)")
    .action(async (opts: VersionsFlags, cmd: Command) =>
      (await import("./versions.ts")).versions(cmd.optsWithGlobals(), opts),
    );
  versions
    .command("diff")
    .description("services whose versions differ between A and B (exit 0 none, 1 some, 2 errors)")
    .argument("<a>", "CLUSTER or CLUSTER@TIME")
    .argument("<b>", "CLUSTER or CLUSTER@TIME")
    .action(async (a: string, b: string, _opts, cmd: Command) =>
      (await import("./versions.ts")).diff(cmd.optsWithGlobals(), a, b, cmd.optsWithGlobals<VersionsFlags>()),
    );

  const slo = root.command("slo").description("SLOs: Prometheus rules from specs, error budgets from Prometheus");
  slo
    .command("generate")
    .description("print the rules of kaika, Sloth or OpenSLO v1 SLO files (-o rules|prometheusrule|json)")
    .argument("<files...>", "YAML files, multi-document; - for stdin")
    .option("--sloth-window <days>", "window of Sloth SLOs, which have none in their spec", "30d")
    .action(async (files: string[], opts: { slothWindow: string }, cmd: Command) =>
      (await import("./slo.ts")).generate(cmd.optsWithGlobals(), files, opts),
    );
  slo
    .command("status")
    .description("error budget left, burn rates, time to exhaustion and alerts per SLO (-o json)")
    .argument("[service]", "only this service's SLOs")
    .option("--prometheus-url <url>", "the Prometheus evaluating kaika's SLO rules (default $KAIKA_PROMETHEUS_URL)")
    .action(async (service: string | undefined, opts: { prometheusUrl?: string }, cmd: Command) =>
      (await import("./slo.ts")).status(cmd.optsWithGlobals(), service, opts),
    );

  root
    .command("topology")
    .description(
      "the service graph from the mesh's request metrics, with each service's SLO state (-n NS: calls in, out of or within NS; -o text|json|dot|mermaid)",
    )
    .option(
      "--prometheus-url <url>",
      "the Prometheus with Istio's metrics and kaika's SLO rules (default $KAIKA_PROMETHEUS_URL)",
    )
    .option("--window <duration>", "the rate window", "5m")
    .option("--cluster <name>", "only this cluster's series (the cluster label)")
    .option("--focus <service>", "only the services within --depth calls of this one (name or namespace/name)")
    .option("--depth <n>", "how many calls away from --focus", "1")
    .action(async (opts: TopologyFlags, cmd: Command) =>
      (await import("./topology.ts")).topology(cmd.optsWithGlobals(), opts),
    );

  root
    .command("install")
    .description(
      "install kaika into the cluster (-n, default kaika-system): CRDs, least-privilege RBAC, 2 replicas; waits until Available",
    )
    .option("--values <file>", "a values file for the chart (deploy/chart/values.yaml lists the keys)")
    .option("--dry-run", "check everything with server-side dry runs; write nothing")
    .option("--upgrade", "replace an install of another version")
    .option("--timeout <duration>", "how long to wait for the CRDs and the Deployment", "5m")
    .option("--release-name <name>", "name of kaika's objects", "kaika")
    .action(async (opts: InstallFlags, cmd: Command) =>
      (await import("./install.ts")).install(cmd.optsWithGlobals(), opts),
    );
  root
    .command("uninstall")
    .description("remove what kaika install created; CRDs (and your GitSources, Syncs, Clusters) stay unless --crds")
    .option("--crds", "delete kaika's CRDs too, and with them every kaika object")
    .option("--release-name <name>", "name of kaika's objects", "kaika")
    .action(async (opts: { crds?: boolean; releaseName: string }, cmd: Command) =>
      (await import("./install.ts")).uninstall(cmd.optsWithGlobals(), opts),
    );
  root
    .command("check")
    .description(
      "is kaika healthy here: Kubernetes version, CRDs, Deployment, RBAC, admission webhook, leader (exit 1 on a failure)",
    )
    .option("--values <file>", "the values file kaika was installed with (for the RBAC it should have)")
    .option("--release-name <name>", "name of kaika's objects", "kaika")
    .action(async (opts: { values?: string; releaseName: string }, cmd: Command) =>
      (await import("./install.ts")).check(cmd.optsWithGlobals(), opts),
    );

  root
    .command("bootstrap")
    .description(
      "install kaika, commit its manifests to --path of --repo (your git credentials) and let kaika manage itself from there",
    )
    .requiredOption("--repo <url|path>", "the repository, as git clones it from here")
    .requiredOption("--path <dir>", "folder in the repository for kaika's manifests")
    .option("--branch <name>", "branch to commit to and follow", "main")
    .option("--cluster-url <url>", "the URL the cluster fetches from, when not --repo")
    .option("--secret-name <name>", "Secret in kaika's namespace with the cluster's git credentials")
    .option("--interval <duration>", "how often kaika polls the repository", "1m")
    .option("--values <file>", "a values file for the chart")
    .option("--timeout <duration>", "how long to wait for the CRDs and the Deployment", "5m")
    .option("--release-name <name>", "name of kaika's objects", "kaika")
    .action(async (opts: BootstrapFlags, cmd: Command) =>
      (await import("./install.ts")).bootstrap(cmd.optsWithGlobals(), opts),
    );

  const dev = root.command("dev").description("a local fleet of real Kubernetes clusters on this machine");
  dev
    .command("up")
    .description(
      "build the control-plane binaries if needed, start N clusters and add contexts kaika-1..N to the kubeconfig",
    )
    .option("--clusters <n>", "number of clusters", "3")
    .action(async (opts: { clusters: string }, cmd: Command) =>
      (await import("./dev.ts")).up(cmd.optsWithGlobals(), parseCount(opts.clusters)),
    );
  dev
    .command("status")
    .description("show each local cluster: ready, version, Ready nodes")
    .action(async (_opts, cmd: Command) => (await import("./dev.ts")).status(cmd.optsWithGlobals()));
  dev
    .command("down")
    .description("stop the local fleet, remove its contexts and data; no process is left")
    .action(async (_opts, cmd: Command) => (await import("./dev.ts")).down(cmd.optsWithGlobals()));
  dev
    .command("build")
    .description("build (or find cached) the etcd, Kubernetes and kwok binaries")
    .action(async (_opts, cmd: Command) => (await import("./dev.ts")).build(cmd.optsWithGlobals()));
  dev
    .command("kubeconfig")
    .description("print a kubeconfig that acts as a ServiceAccount (TokenRequest): run kaika with exactly its RBAC")
    .requiredOption("--service-account <namespace/name>", "the ServiceAccount, e.g. kaika-system/kaika")
    .option("--seconds <n>", "token lifetime", "86400")
    .action(async (opts: { serviceAccount: string; seconds: string }, cmd: Command) =>
      (await import("./install.ts")).serviceAccount(cmd.optsWithGlobals(), opts.serviceAccount, opts),
    );
  dev
    .command("supervise", { hidden: true })
    .option("--clusters <n>", "number of clusters", "3")
    .action(async (opts: { clusters: string }, cmd: Command) =>
      (await import("./dev.ts")).supervise(cmd.optsWithGlobals(), parseCount(opts.clusters)),
    );

  root
    .command("completion")
    .description(
      "print a completion script: source <(kaika completion bash), or zsh, or kaika completion fish | source",
    )
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"]))
    .action(async (shell: "bash" | "zsh" | "fish") => {
      process.stdout.write((await import("./completion.ts")).completionScript(root, shell));
    });
  return root;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 50)
    throw new UsageError(`--clusters must be a whole number from 1 to 50, got "${value}"`);
  return n;
}

/** Exit codes: 0 success, 1 the command failed, 2 usage error. */
async function main(argv: readonly string[]): Promise<number> {
  try {
    await configure(program()).parseAsync([...argv], { from: "user" });
    // Commands that report through their exit code (diff, dev status) set process.exitCode.
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; everything else Commander raises is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
