/** Check table rows: pod hardening and RBAC checks beyond the first catalogue (proc mount, sysctls, RBAC reach). */

import { type Edit, pod, web } from "./fixtures.ts";
import type { Row } from "./table.ts";

const D = "Deployment";
/** The Argo Rollout of the compliant set. */
const R = "Rollout";

/** The Deployment's pod sets these sysctls (name, value). */
const sysctls = (...pairs: [name: string, value: string][]): Edit => [
  D,
  `${pod}.securityContext.sysctls`,
  pairs.map(([name, value]) => ({ name, value })),
];

/** The compliant Role web's only rule replaced. */
const webRule = (rule: Record<string, unknown>): Edit => ["Role", "rules.0", rule];

/** A ClusterRole with these rules, added to the input. */
const clusterRole = (...rules: Record<string, unknown>[]): Edit => [
  "+",
  "",
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "shop-reader" }, rules },
];

/** Rows for the hardening checks. */
export const hardeningRows: readonly Row[] = [
  {
    id: "security.proc-mount-unmasked",
    bad: [
      [[D, `${web}.securityContext.procMount`, "Unmasked"]],
      [
        [D, `${web}.securityContext.procMount`, "Unmasked"],
        [D, `${pod}.hostUsers`, true],
      ],
      [[R, `${web}.securityContext.procMount`, "Unmasked"]],
    ],
    good: [
      [[D, `${web}.securityContext.procMount`, "Default"]],
      // A nested container runtime in a user namespace: what Pod Security baseline allows.
      [
        [D, `${web}.securityContext.procMount`, "Unmasked"],
        [D, `${pod}.hostUsers`, false],
      ],
    ],
    field: "spec.template.spec.containers[web].securityContext.procMount",
  },
  {
    id: "security.unsafe-sysctls",
    // The safe set grows with the version: 1.31 has the keepalive sysctls (1.29) but not tcp_rmem (1.32).
    kubernetesVersion: "1.31",
    bad: [
      [sysctls(["net.core.somaxconn", "1024"])],
      [sysctls(["kernel.shm_rmid_forced", "1"], ["vm.max_map_count", "262144"])],
      [sysctls(["kernel/msgmax", "65536"])],
      [sysctls(["net.ipv4.tcp_rmem", "4096 87380 6291456"])],
      [[R, `${pod}.securityContext.sysctls`, [{ name: "net.ipv4.tcp_tw_reuse", value: "1" }]]],
    ],
    good: [
      [sysctls(["net.ipv4.ip_local_port_range", "1024 65000"], ["net.ipv4.tcp_keepalive_time", "600"])],
      // sysctl.d(5) slashes: net/ipv4/ip_unprivileged_port_start is net.ipv4.ip_unprivileged_port_start.
      [sysctls(["net/ipv4/ip_unprivileged_port_start", "0"])],
      [[D, `${pod}.securityContext.sysctls`, []]],
    ],
    field: "spec.template.spec.securityContext.sysctls[net.core.somaxconn]",
  },
  {
    id: "rbac.secrets-read",
    bad: [
      [["Role", "rules.0.resources", ["configmaps", "secrets"]]],
      [webRule({ apiGroups: ["", "apps"], resources: ["secrets"], verbs: ["watch"] })],
      [clusterRole({ apiGroups: [""], resources: ["secrets"], verbs: ["list"] })],
    ],
    good: [
      // Named Secrets only; writing without reading.
      [webRule({ apiGroups: [""], resources: ["secrets"], resourceNames: ["web-db"], verbs: ["get", "watch"] })],
      [webRule({ apiGroups: [""], resources: ["secrets"], verbs: ["create", "update", "patch"] })],
      // Secrets of another API group are not core Secrets.
      [webRule({ apiGroups: ["external-secrets.io"], resources: ["secrets"], verbs: ["get"] })],
      // An aggregated ClusterRole's rules are written by the controller from the roles it selects.
      [
        [
          "+",
          "",
          {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: "shop-view" },
            aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "acme.dev/aggregate-to-shop-view": "true" } }] },
            rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }],
          },
        ],
      ],
    ],
    field: "rules[0].resources",
  },
  {
    id: "rbac.pods-create",
    bad: [
      [webRule({ apiGroups: [""], resources: ["pods"], verbs: ["create"] })],
      // A CI deployer: the rule's groups and resources combine, so apps deployments are granted.
      [webRule({ apiGroups: ["", "apps"], resources: ["configmaps", "deployments"], verbs: ["create", "update"] })],
      [clusterRole({ apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: ["get", "create"] })],
    ],
    good: [
      // Changing or evicting pods is not creating them; create cannot match resourceNames.
      [
        webRule({
          apiGroups: ["apps"],
          resources: ["deployments"],
          verbs: ["get", "list", "watch", "update", "patch"],
        }),
      ],
      [webRule({ apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] })],
      [webRule({ apiGroups: ["batch"], resources: ["jobs"], resourceNames: ["migrate"], verbs: ["create", "get"] })],
      [webRule({ apiGroups: ["batch"], resources: ["pods"], verbs: ["create"] })],
    ],
    field: "rules[0].resources",
  },
];
