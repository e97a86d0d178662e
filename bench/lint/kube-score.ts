/**
 * kube-score (github.com/zegl/kube-score) for the lint benchmark: built from the Go module proxy into
 * the kaika cache, run on the same files, its JSON read back as "check → objects flagged".
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The version the Go module proxy lists (`go list -m -versions github.com/zegl/kube-score`). */
export const kubeScoreVersion = "v1.20.0";

const cacheDir = process.env.KAIKA_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "kaika");
const binDir = join(cacheDir, "bin", `kube-score-${kubeScoreVersion}`);

/** The kube-score binary, or why there is none. */
export type Build = { readonly binary: string; readonly built: boolean } | { readonly error: string };

/** The cached binary, built with `go install` on first use; an error when Go or the build fails. */
export async function buildKubeScore(): Promise<Build> {
  const binary = join(binDir, "kube-score");
  if (existsSync(binary)) return { binary, built: false };
  try {
    await exec("go", ["install", `github.com/zegl/kube-score/cmd/kube-score@${kubeScoreVersion}`], {
      env: { ...process.env, GOBIN: binDir },
      timeout: 15 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    return {
      error:
        e.code === "ENOENT" ? "go is not on PATH" : (e.stderr?.trim() || e.message).split("\n").slice(-3).join(" "),
    };
  }
  return existsSync(binary) ? { binary, built: true } : { error: `go install left no ${binary}` };
}

/** One object as kube-score's JSON (v2) output has it. */
interface ScoredObject {
  readonly object_name: string;
  readonly type_meta: { readonly kind: string };
  readonly object_meta: { readonly name?: string; readonly namespace?: string };
  readonly checks: readonly {
    readonly check: { readonly id: string };
    readonly grade: number;
    readonly skipped: boolean;
  }[];
}

/** kube-score grades: 1 critical, 5 warning, 7 almost OK, 10 OK. Warning or worse counts as a finding. */
const findingGrade = 5;

/** Runs `kube-score score -o json` on the files; returns wall milliseconds and, per check id, the objects it flagged. */
export async function runKubeScore(
  binary: string,
  files: readonly string[],
  kubernetesVersion: string,
): Promise<{ ms: number; flagged: Map<string, Set<string>>; objects: number }> {
  const started = performance.now();
  let stdout: string;
  try {
    ({ stdout } = await exec(
      binary,
      ["score", "-o", "json", "--kubernetes-version", `v${kubernetesVersion}`, ...files],
      {
        maxBuffer: 1024 * 1024 * 1024,
      },
    ));
  } catch (error) {
    // kube-score exits 1 when it has critical findings; its report is still on stdout.
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (e.code !== 1 || !e.stdout) throw new Error(`kube-score failed: ${e.stderr ?? String(error)}`);
    stdout = e.stdout;
  }
  const ms = performance.now() - started;
  const scored = JSON.parse(stdout) as ScoredObject[];
  const flagged = new Map<string, Set<string>>();
  for (const o of scored) {
    const ref = `${o.type_meta.kind}/${o.object_meta.namespace ?? ""}/${o.object_meta.name ?? ""}`;
    for (const c of o.checks) {
      if (c.skipped || c.grade > findingGrade) continue;
      const set = flagged.get(c.check.id) ?? new Set<string>();
      set.add(ref);
      flagged.set(c.check.id, set);
    }
  }
  return { ms, flagged, objects: scored.length };
}

/**
 * kube-score checks beside the kaika checks that look for the same problem, and why their findings may
 * differ (docs/checks.md, "Compared with kube-score", has the same list).
 */
export const counterparts: readonly { kubeScore: string; kaika: readonly string[]; why: string }[] = [
  { kubeScore: "container-image-tag", kaika: ["images.tag-mutable"], why: "same rule: latest or no tag" },
  {
    kubeScore: "container-image-pull-policy",
    kaika: ["images.pull-never"],
    why: "kube-score wants Always everywhere; kaika accepts IfNotPresent (a pinned image pulls the same bytes) and flags only Never",
  },
  {
    kubeScore: "container-resources",
    kaika: ["resources.cpu-request-missing", "resources.memory-request-missing", "resources.memory-limit-missing"],
    why: "kube-score also wants a CPU limit; kaika does not (CPU limits throttle; requests are what scheduling needs)",
  },
  {
    kubeScore: "container-ephemeral-storage-request-and-limit",
    kaika: ["resources.ephemeral-storage-request-missing"],
    why: "kube-score also wants a limit; kaika asks for the request only, at info",
  },
  {
    kubeScore: "pod-probes",
    kaika: ["probes.readiness-missing"],
    why: "kube-score asks for readiness only on pods a Service selects; kaika on every serving workload",
  },
  { kubeScore: "pod-probes-identical", kaika: ["probes.liveness-equals-readiness"], why: "same rule" },
  {
    kubeScore: "container-security-context-user-group-id",
    kaika: ["security.run-as-root"],
    why: "kube-score wants runAsUser and runAsGroup above 10000; kaika wants runAsNonRoot or a non-zero runAsUser",
  },
  {
    kubeScore: "container-security-context-readonlyrootfilesystem",
    kaika: ["security.writable-root-fs"],
    why: "same rule",
  },
  { kubeScore: "container-security-context-privileged", kaika: ["security.privileged"], why: "same rule" },
  {
    kubeScore: "container-seccomp-profile",
    kaika: ["security.seccomp"],
    why: "optional in kube-score (off by default); kaika asks for RuntimeDefault or Localhost",
  },
  {
    kubeScore: "deployment-has-poddisruptionbudget",
    kaika: ["availability.pdb-missing"],
    why: "kube-score skips only an explicit replicas < 2 and ignores HPAs; kaika asks when the HPA's minReplicas, else spec.replicas, is 2 or more",
  },
  {
    kubeScore: "poddisruptionbudget-has-policy",
    kaika: ["availability.pdb-blocks-drain"],
    why: "different rules: kube-score flags a PDB with neither minAvailable nor maxUnavailable, kaika one that allows no eviction",
  },
  {
    kubeScore: "deployment-has-host-podantiaffinity",
    kaika: ["availability.spread-missing"],
    why: "kaika also accepts topologySpreadConstraints and reads the replicas through the HPA",
  },
  {
    kubeScore: "deployment-replicas",
    kaika: ["availability.single-replica"],
    why: "kube-score skips Deployments an HPA controls or no Service selects; kaika takes an HPA's minReplicas 1 as one replica",
  },
  {
    kubeScore: "deployment-targeted-by-hpa-does-not-have-replicas-configured",
    kaika: ["availability.replicas-with-hpa"],
    why: "same rule",
  },
  { kubeScore: "horizontalpodautoscaler-has-target", kaika: ["availability.hpa-target-missing"], why: "same rule" },
  { kubeScore: "horizontalpodautoscaler-replicas", kaika: ["availability.hpa-min-replicas"], why: "same rule" },
  {
    kubeScore: "deployment-strategy",
    kaika: ["availability.rollout-max-unavailable"],
    why: "different rules: kube-score wants RollingUpdate behind a Service, kaika a rolling update that keeps a replica",
  },
  { kubeScore: "service-targets-pod", kaika: ["wiring.service-selector"], why: "same rule" },
  {
    kubeScore: "deployment-pod-selector-labels-match-template-metadata-labels",
    kaika: ["wiring.workload-selector"],
    why: "same rule",
  },
  { kubeScore: "networkpolicy-targets-pod", kaika: ["wiring.networkpolicy-selector"], why: "same rule" },
  {
    kubeScore: "ingress-targets-service",
    kaika: ["wiring.ingress-backend"],
    why: "kaika also checks the Service's port",
  },
  { kubeScore: "environment-variable-key-duplication", kaika: ["config.env-duplicate"], why: "same rule" },
  {
    kubeScore: "stable-version",
    kaika: ["api.removed", "api.deprecated"],
    why: "kube-score knows 7 old beta apiVersions (no autoscaling/v2beta*) and only that a stable one exists; kaika follows the upstream guide per target version",
  },
  {
    kubeScore: "pod-networkpolicy",
    kaika: ["wiring.networkpolicy-missing"],
    why: "kaika reports it only in namespaces that use NetworkPolicies in the input (none here); a namespace without any is the platform's choice",
  },
  {
    kubeScore: "label-values",
    kaika: [],
    why: "no kaika check: the API server rejects invalid label values itself",
  },
  {
    kubeScore: "pod-topology-spread-constraints",
    kaika: [],
    why: "no kaika check: kube-score validates the constraints that are set, kaika asks for spreading",
  },
];

/** Why kaika reports what kube-score does not, for the kaika checks without a counterpart above. */
export const kaikaOnly: Readonly<Record<string, string>> = {
  "images.digest-missing": "kube-score has no digest check",
  "probes.liveness-missing":
    "kube-score grades a missing livenessProbe 'almost OK' inside pod-probes, not counted here",
  "security.capabilities-not-dropped":
    "kube-score's security context checks cover user/group, privileged and read-only root only",
  "security.privilege-escalation":
    "kube-score's security context checks cover user/group, privileged and read-only root only",
};
