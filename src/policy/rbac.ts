/** RBAC checks: wildcards, cluster-admin bindings and exec into pods. */

import type { KubeObject } from "../kube/types.ts";
import { rec, recs, text } from "./objects.ts";
import type { Check, Violation } from "./types.ts";

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : []);

/** The rules of a Role or ClusterRole with the path of each. */
const rulesOf = (o: KubeObject): { rule: Record<string, unknown>; path: string }[] =>
  recs(o.rules).map((rule, i) => ({ rule, path: `rules[${i}]` }));

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
];
