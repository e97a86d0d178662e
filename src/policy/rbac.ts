/** RBAC checks: wildcards, cluster-admin bindings, exec into pods, reading Secrets and creating pods. */

import type { KubeObject } from "../kube/types.ts";
import { rec, recs, text } from "./objects.ts";
import type { Check, Violation } from "./types.ts";

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : []);

/** The rules of a Role or ClusterRole with the path of each. */
const rulesOf = (o: KubeObject): { rule: Record<string, unknown>; path: string }[] =>
  recs(o.rules).map((rule, i) => ({ rule, path: `rules[${i}]` }));

/**
 * The rules a reach check reads: not those rbac.wildcard reports (a "*" already grants everything, one
 * finding is enough), not those limited to resourceNames (named objects only, and create never
 * matches them), and none of an aggregated ClusterRole (the controller writes its rules from the
 * roles it selects, which are checked themselves).
 */
const explicitRules = (o: KubeObject) =>
  o.aggregationRule === undefined
    ? rulesOf(o).filter(
        ({ rule }) =>
          !(["apiGroups", "resources", "verbs"] as const).some((key) => strings(rule[key]).includes("*")) &&
          strings(rule.resourceNames).length === 0,
      )
    : [];

/** Verbs that return a Secret's data: list and watch return every object in full, not just names. */
const readVerbs = ["get", "list", "watch"];

/** Resources, by API group, whose objects run pods from a template the creator writes. */
const podMakers: ReadonlyMap<string, readonly string[]> = new Map([
  ["", ["pods", "replicationcontrollers"]],
  ["apps", ["deployments", "daemonsets", "statefulsets", "replicasets"]],
  ["batch", ["jobs", "cronjobs"]],
  ["extensions", ["deployments", "daemonsets", "replicasets"]],
]);

/** The RBAC checks. */
export const rbacChecks: readonly Check[] = [
  {
    id: "rbac.wildcard",
    severity: "warning",
    title: "RBAC rule uses a wildcard",
    why: 'A "*" grants every verb, resource or API group, including ones added later.',
    fix: "List the verbs, resources and apiGroups the subject needs.",
    kinds: ["Role", "ClusterRole"],
    run: (o) =>
      rulesOf(o).flatMap(({ rule, path }): Violation[] =>
        (["apiGroups", "resources", "verbs"] as const)
          .filter((key) => strings(rule[key]).includes("*"))
          .map((key) => ({ field: `${path}.${key}`, message: `${path} grants "*" ${key}` })),
      ),
  },
  {
    id: "rbac.cluster-admin-binding",
    severity: "critical",
    title: "Binding to cluster-admin",
    why: "cluster-admin can do anything anywhere; a leaked token of its subject owns the cluster.",
    fix: "Bind a role with only the permissions the subject needs.",
    kinds: ["ClusterRoleBinding", "RoleBinding"],
    run: (o) => {
      const ref = rec(o.roleRef);
      return text(ref.kind) === "ClusterRole" && text(ref.name) === "cluster-admin"
        ? [{ field: "roleRef.name", message: `${o.kind} ${o.metadata.name ?? ""} grants cluster-admin` }]
        : [];
    },
  },
  {
    id: "rbac.pod-exec",
    severity: "warning",
    title: "RBAC rule grants exec or attach into pods",
    why: "exec and attach run commands in any matching pod, reading its secrets and bypassing audit of the app.",
    fix: "Remove pods/exec and pods/attach; grant them to break-glass roles only.",
    kinds: ["Role", "ClusterRole"],
    run: (o) =>
      rulesOf(o).flatMap(({ rule, path }): Violation[] => {
        const found = strings(rule.resources).filter((r) => r === "pods/exec" || r === "pods/attach");
        return found.length > 0 ? [{ field: `${path}.resources`, message: `${path} grants ${found.join(", ")}` }] : [];
      }),
  },
  {
    id: "rbac.secrets-read",
    severity: "warning",
    title: "RBAC rule reads Secrets",
    why: "Whoever holds the role reads every Secret in its scope: passwords, tokens and the keys of other ServiceAccounts.",
    fix: "Mount the Secrets the app needs instead, or limit the rule to them with resourceNames.",
    kinds: ["Role", "ClusterRole"],
    run: (o) =>
      explicitRules(o).flatMap(({ rule, path }): Violation[] => {
        if (!strings(rule.apiGroups).includes("") || !strings(rule.resources).includes("secrets")) return [];
        const verbs = strings(rule.verbs).filter((v) => readVerbs.includes(v));
        return verbs.length > 0
          ? [{ field: `${path}.resources`, message: `${path} grants ${verbs.join(", ")} on secrets` }]
          : [];
      }),
  },
  {
    id: "rbac.pods-create",
    severity: "info",
    title: "RBAC rule may create pods",
    why: "Creating pods, or workloads that run them, runs any image as any ServiceAccount of the namespace; controllers and CI deployers need it, others should not.",
    fix: "Drop create on pods and workloads; for a controller or CI deployer, add a ReadinessPolicy exemption with the reason.",
    kinds: ["Role", "ClusterRole"],
    run: (o) =>
      explicitRules(o).flatMap(({ rule, path }): Violation[] => {
        if (!strings(rule.verbs).includes("create")) return [];
        const resources = strings(rule.resources);
        const found = new Set(
          strings(rule.apiGroups).flatMap((group) => (podMakers.get(group) ?? []).filter((r) => resources.includes(r))),
        );
        return found.size > 0
          ? [{ field: `${path}.resources`, message: `${path} grants create on ${[...found].join(", ")}` }]
          : [];
      }),
  },
];
