/** The flags every controller process takes, named as controller-runtime names them. */
import { parseArgs } from "node:util";
import type { ManagerOptions } from "./manager.ts";

/** Parsed manager flags. */
export interface ManagerFlags {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace: string;
  readonly leaderElectionId: string;
}

/** Each flag with its default and help, for --help output. */
export const managerFlagHelp: readonly { flag: string; default: string; help: string }[] = [
  { flag: "--kubeconfig", default: "$KUBECONFIG, ~/.kube/config, in-cluster", help: "kubeconfig file" },
  { flag: "--context", default: "current context", help: "kubeconfig context" },
  { flag: "--metrics-bind-address", default: "127.0.0.1:8080", help: 'serve /metrics here; "0" disables' },
  {
    flag: "--health-probe-bind-address",
    default: "127.0.0.1:8081",
    help: 'serve /livez and /readyz here; "0" disables',
  },
  { flag: "--leader-elect", default: "false", help: "run controllers only while holding the Lease" },
  { flag: "--leader-election-namespace", default: "kaika-system", help: "namespace of the Lease" },
  { flag: "--leader-election-id", default: "kaika-leader", help: "name of the Lease" },
];

/** Parses manager flags out of `argv`; other arguments are returned in `rest`. Throws on a bad value. */
export function parseManagerFlags(
  argv: readonly string[],
  defaults: { leaderElectionId?: string } = {},
): {
  flags: ManagerFlags;
  rest: string[];
} {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: {
      kubeconfig: { type: "string" },
      context: { type: "string" },
      "metrics-bind-address": { type: "string", default: "127.0.0.1:8080" },
      "health-probe-bind-address": { type: "string", default: "127.0.0.1:8081" },
      "leader-elect": { type: "boolean", default: false },
      "leader-election-namespace": { type: "string", default: "kaika-system" },
      "leader-election-id": { type: "string", default: defaults.leaderElectionId ?? "kaika-leader" },
    },
  });
  const known = new Set(["kubeconfig", "context", ...managerFlagHelp.map((f) => f.flag.slice(2))]);
  const rest = [
    ...tokens.flatMap((t) =>
      t.kind === "option" && !known.has(t.name) ? [t.value === undefined ? t.rawName : `${t.rawName}=${t.value}`] : [],
    ),
    ...positionals,
  ];
  const text = (name: string): string | undefined => {
    const value = values[name];
    if (value !== undefined && typeof value !== "string") throw new Error(`--${name} needs a value`);
    return value;
  };
  const leaderElect = values["leader-elect"];
  return {
    flags: {
      kubeconfig: text("kubeconfig"),
      context: text("context"),
      metricsBindAddress: text("metrics-bind-address") ?? "127.0.0.1:8080",
      healthProbeBindAddress: text("health-probe-bind-address") ?? "127.0.0.1:8081",
      leaderElect: leaderElect === true,
      leaderElectionNamespace: text("leader-election-namespace") ?? "kaika-system",
      leaderElectionId: text("leader-election-id") ?? "kaika-leader",
    },
    rest,
  };
}

/** The manager options the flags set. */
export function managerOptionsFrom(flags: ManagerFlags): Omit<ManagerOptions, "api" | "log"> {
  return {
    metricsBindAddress: flags.metricsBindAddress,
    healthProbeBindAddress: flags.healthProbeBindAddress,
    leaderElection: flags.leaderElect,
    leaderElectionNamespace: flags.leaderElectionNamespace,
    leaderElectionId: flags.leaderElectionId,
  };
}
