/** The `kaika` command: a thin shell that parses flags and calls the same API tests and controllers use. */
import { Command, CommanderError, Option } from "commander";
import { UsageError } from "./output.ts";

/** Flags every command accepts, named as kubectl names them. */
export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly output?: "text" | "json" | "yaml" | "wide";
}

function program(): Command {
  const root = new Command("kaika")
    .description("GitOps control plane for fleets of Kubernetes clusters")
    .addOption(new Option("--kubeconfig <path>", "path to the kubeconfig file"))
    .addOption(new Option("--context <name>", "kubeconfig context to use"))
    .addOption(new Option("-n, --namespace <name>", "namespace scope"))
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json", "yaml", "wide"]))
    .showHelpAfterError()
    .exitOverride();

  root
    .command("version")
    .description("print kaika's version, git commit, Node.js version and the local fleet's component versions")
    .action(async (_opts, cmd: Command) => (await import("./version.ts")).version(cmd.optsWithGlobals()));

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
    .command("supervise", { hidden: true })
    .option("--clusters <n>", "number of clusters", "3")
    .action(async (opts: { clusters: string }, cmd: Command) =>
      (await import("./dev.ts")).supervise(cmd.optsWithGlobals(), parseCount(opts.clusters)),
    );
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
    await program().parseAsync([...argv], { from: "user" });
    return 0;
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
