/**
 * Pod security checks: the restricted Pod Security Standard, host access (namespaces, paths, ports,
 * an unmasked /proc, node-wide sysctls), and service account tokens.
 */

import type { KubeObject } from "../kube/types.ts";
import { targetVersion } from "./api-versions.ts";
import { lookup } from "./lookup.ts";
import { type ContainerRef, eachContainer, type Fields, num, podKinds, podSpecOf, rec, recs, text } from "./objects.ts";
import type { Check, CheckContext, Violation } from "./types.ts";

/** The effective securityContext field: the container's when set, else the pod's. */
function effective(pod: Fields | undefined, c: ContainerRef, key: string): unknown {
  return rec(c.container.securityContext)[key] ?? rec(pod?.securityContext)[key];
}

/** A check over each container's (and init container's) securityContext, with the pod spec at hand. */
function containerRule(rule: (c: ContainerRef, sc: Fields, pod: Fields | undefined) => Violation | undefined) {
  return (o: KubeObject, context: CheckContext): Violation[] => {
    const pod = podSpecOf(o, context)?.spec;
    return eachContainer(o, context, (c) => rule(c, rec(c.container.securityContext), pod), true);
  };
}

const hostNamespaces = ["hostNetwork", "hostPID", "hostIPC"] as const;

/**
 * The kubelet's safe sysctls (namespaced, and isolated from other pods on the node), with the minor
 * version that added each; anything else needs the kubelet's --allowed-unsafe-sysctls. Source: the
 * Kubernetes task "Using sysctls in a Kubernetes Cluster".
 */
const safeSysctls: ReadonlyMap<string, number> = new Map([
  ["kernel.shm_rmid_forced", 0],
  ["net.ipv4.ip_local_port_range", 0],
  ["net.ipv4.tcp_syncookies", 0],
  ["net.ipv4.ping_group_range", 18],
  ["net.ipv4.ip_unprivileged_port_start", 22],
  ["net.ipv4.ip_local_reserved_ports", 27],
  ["net.ipv4.tcp_keepalive_time", 29],
  ["net.ipv4.tcp_fin_timeout", 29],
  ["net.ipv4.tcp_keepalive_intvl", 29],
  ["net.ipv4.tcp_keepalive_probes", 29],
  ["net.ipv4.tcp_rmem", 32],
  ["net.ipv4.tcp_wmem", 32],
]);

/** A sysctl name with dots: "net/ipv4/tcp_rmem" is "net.ipv4.tcp_rmem" (sysctl.d(5): a leading "/" swaps "/" and "."). */
const dotted = (name: string): string => {
  const first = /[./]/.exec(name)?.[0];
  return first === "/" ? name.replace(/[./]/g, (c) => (c === "/" ? "." : "/")) : name;
};

/** The pod security checks. */
export const securityChecks: readonly Check[] = [
  {
    id: "security.run-as-root",
    severity: "warning",
    title: "Container may run as root",
    why: "A container escape from a root process starts with root on the node.",
    fix: "Set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser in the image or spec.",
    kinds: podKinds,
    run: containerRule((c, _sc, pod) => {
      const user = num(effective(pod, c, "runAsUser"));
      if (effective(pod, c, "runAsNonRoot") === true || (user !== undefined && user > 0)) return undefined;
      return { field: `${c.path}.securityContext.runAsNonRoot`, message: `container ${c.name} may run as root` };
    }),
  },
  {
    id: "security.writable-root-fs",
    severity: "warning",
    title: "Root filesystem is writable",
    why: "An attacker can drop binaries and change the image's files at run time.",
    fix: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes.",
    kinds: podKinds,
    run: containerRule((c, sc) =>
      sc.readOnlyRootFilesystem === true
        ? undefined
        : {
            field: `${c.path}.securityContext.readOnlyRootFilesystem`,
            message: `container ${c.name} has a writable root filesystem`,
          },
    ),
  },
  {
    id: "security.privilege-escalation",
    severity: "warning",
    title: "Privilege escalation is allowed",
    why: "setuid binaries let a process gain more privileges than it started with.",
    fix: "Set securityContext.allowPrivilegeEscalation: false.",
    kinds: podKinds,
    run: containerRule((c, sc) =>
      sc.allowPrivilegeEscalation === false
        ? undefined
        : {
            field: `${c.path}.securityContext.allowPrivilegeEscalation`,
            message: `container ${c.name} allows privilege escalation`,
          },
    ),
  },
  {
    id: "security.capabilities-not-dropped",
    severity: "warning",
    title: "Capabilities are not all dropped",
    why: "Default capabilities (NET_RAW, CHOWN, …) widen what a compromised process can do.",
    fix: "Set securityContext.capabilities.drop: [ALL] and add back only what is needed.",
    kinds: podKinds,
    run: containerRule((c, sc) => {
      const drop = rec(sc.capabilities).drop;
      return Array.isArray(drop) && drop.some((d) => text(d).toUpperCase() === "ALL")
        ? undefined
        : {
            field: `${c.path}.securityContext.capabilities.drop`,
            message: `container ${c.name} does not drop ALL capabilities`,
          };
    }),
  },
  {
    id: "security.privileged",
    severity: "critical",
    title: "Container is privileged",
    why: "A privileged container has every device and capability of the node: it is root on the node.",
    fix: "Remove securityContext.privileged; grant the single capability needed instead.",
    kinds: podKinds,
    run: containerRule((c, sc) =>
      sc.privileged === true
        ? { field: `${c.path}.securityContext.privileged`, message: `container ${c.name} is privileged` }
        : undefined,
    ),
  },
  {
    id: "security.host-namespaces",
    severity: "critical",
    title: "Pod shares the node's network, PID or IPC namespace",
    why: "The pod sees and can reach the node's processes, sockets and shared memory.",
    fix: "Remove hostNetwork, hostPID and hostIPC from the pod spec.",
    kinds: podKinds,
    run: (o, context) => {
      const pod = podSpecOf(o, context);
      if (!pod) return [];
      return hostNamespaces
        .filter((key) => pod.spec[key] === true)
        .map((key) => ({ field: `${pod.path}.${key}`, message: `pod uses ${key}` }));
    },
  },
  {
    id: "security.proc-mount-unmasked",
    severity: "critical",
    title: "Container mounts /proc unmasked",
    why: "An unmasked /proc hands the container the kernel files the runtime hides: /proc/sys, /proc/sysrq-trigger, /proc/kcore.",
    fix: "Remove securityContext.procMount; a nested container runtime that needs it also sets hostUsers: false on the pod.",
    kinds: podKinds,
    run: containerRule((c, sc, pod) =>
      // In a user namespace (hostUsers: false) ID checks guard /proc: the nested-container setup Pod Security baseline allows.
      sc.procMount === "Unmasked" && pod?.hostUsers !== false
        ? { field: `${c.path}.securityContext.procMount`, message: `container ${c.name} mounts /proc unmasked` }
        : undefined,
    ),
  },
  {
    id: "security.unsafe-sysctls",
    severity: "warning",
    title: "Pod sets an unsafe sysctl",
    why: "Outside the safe set a sysctl can affect other pods on the node, and kubelets without --allowed-unsafe-sysctls refuse the pod (SysctlForbidden).",
    fix: "Drop the sysctl or tune it on the node; where a node pool allows it, exempt the workload with a reason.",
    kinds: podKinds,
    run: (o, context) => {
      const pod = podSpecOf(o, context);
      if (!pod) return [];
      const [major, minor] = targetVersion(context).version;
      return recs(rec(pod.spec.securityContext).sysctls).flatMap((s): Violation[] => {
        const name = text(s.name);
        const since = safeSysctls.get(dotted(name));
        if (name === "" || (since !== undefined && (major > 1 || minor >= since))) return [];
        return [
          {
            field: `${pod.path}.securityContext.sysctls[${name}]`,
            message:
              since === undefined
                ? `pod sets unsafe sysctl ${name}`
                : `pod sets sysctl ${name}, safe only from Kubernetes 1.${since} (target ${major}.${minor})`,
          },
        ];
      });
    },
  },
  {
    id: "security.host-path",
    severity: "warning",
    title: "Pod mounts a hostPath volume",
    why: "A hostPath mount exposes the node's filesystem and pins the pod to the node's state.",
    fix: "Use a PersistentVolumeClaim, configMap, secret or emptyDir volume instead.",
    kinds: podKinds,
    run: (o, context) => {
      const pod = podSpecOf(o, context);
      if (!pod) return [];
      return recs(pod.spec.volumes)
        .filter((v) => v.hostPath !== undefined)
        .map((v) => ({
          field: `${pod.path}.volumes[${text(v.name)}].hostPath`,
          message: `volume ${text(v.name)} mounts host path ${text(rec(v.hostPath).path)}`,
        }));
    },
  },
  {
    id: "security.host-port",
    severity: "warning",
    title: "Container binds a hostPort",
    why: "A hostPort limits the workload to one pod per node and bypasses NetworkPolicy on some CNIs.",
    fix: "Remove hostPort and expose the port through a Service.",
    kinds: podKinds,
    run: (o, context) =>
      eachContainer(
        o,
        context,
        (c) => {
          const port = recs(c.container.ports).find((p) => p.hostPort !== undefined && p.hostPort !== 0);
          return port
            ? {
                field: `${c.path}.ports[${text(port.name) || String(port.containerPort)}].hostPort`,
                message: `container ${c.name} binds hostPort ${String(port.hostPort)}`,
              }
            : undefined;
        },
        true,
      ),
  },
  {
    id: "security.seccomp",
    severity: "warning",
    title: "No seccomp profile",
    why: "Unconfined containers can make any system call, including the rarely used ones kernel exploits need.",
    fix: "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
    kinds: podKinds,
    run: containerRule((c, _sc, pod) => {
      const type = text(rec(effective(pod, c, "seccompProfile")).type);
      return type === "RuntimeDefault" || type === "Localhost"
        ? undefined
        : {
            field: `${c.path}.securityContext.seccompProfile`,
            message: `container ${c.name} runs ${type || "without a seccomp profile"}`,
          };
    }),
  },
  {
    id: "security.default-service-account-token",
    scope: "set",
    severity: "info",
    title: "Default service account token is mounted",
    why: "Every process in the pod gets an API token it does not need.",
    fix: "Set automountServiceAccountToken: false on the pod (or on the default ServiceAccount).",
    kinds: podKinds,
    run: (o, context) => {
      const pod = podSpecOf(o, context);
      if (!pod) return [];
      const account = text(pod.spec.serviceAccountName) || text(pod.spec.serviceAccount) || "default";
      if (account !== "default" || pod.spec.automountServiceAccountToken === false) return [];
      const optedOut = lookup(context)
        .of("ServiceAccount", o.metadata.namespace ?? "")
        .some((s) => s.metadata.name === "default" && s.automountServiceAccountToken === false);
      return optedOut
        ? []
        : [
            {
              field: `${pod.path}.automountServiceAccountToken`,
              message: "pod mounts the default service account's token",
            },
          ];
    },
  },
];
