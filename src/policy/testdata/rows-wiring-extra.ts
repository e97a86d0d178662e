/** Check table rows: wiring checks beyond the first catalogue (target ports, ServiceAccounts, Ingress TLS, isolation). */

import { type Edit, pod, web } from "./fixtures.ts";
import type { Row } from "./table.ts";

const D = "Deployment";
/** The Argo Rollout of the compliant set. */
const R = "Rollout";

/** The web container without declared ports, probed by exec so no probe names a port. */
const undeclaredPorts: readonly Edit[] = [
  [D, `${web}.ports`, undefined],
  [D, `${web}.readinessProbe`, { exec: { command: ["/ready"] }, periodSeconds: 5 }],
  [D, `${web}.livenessProbe`, { exec: { command: ["/live"] }, periodSeconds: 10, failureThreshold: 6 }],
];

/** A sidecar (an init container that keeps running) in front of web, serving port proxy. */
const proxySidecar: Edit = [
  D,
  `${pod}.initContainers`,
  [
    {
      name: "proxy",
      restartPolicy: "Always",
      image: `ghcr.io/acme/proxy:1.0.0@sha256:${"b".repeat(64)}`,
      ports: [{ name: "proxy", containerPort: 8443 }],
      resources: {
        requests: { cpu: "50m", memory: "64Mi", "ephemeral-storage": "100Mi" },
        limits: { memory: "64Mi" },
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      },
    },
  ],
];

/** The Ingress without spec.tls, with these annotations. */
const plainIngress = (annotations: Record<string, string> = {}): Edit[] => [
  ["Ingress", "spec.tls", undefined],
  ["Ingress", "metadata.annotations", annotations],
];

/** A NetworkPolicy in namespace shop. */
const networkPolicy = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name, namespace: "shop" },
  spec,
});

/** Rows for the further wiring checks. */
export const wiringExtraRows: readonly Row[] = [
  {
    id: "wiring.service-target-port",
    bad: [
      [["Service", "spec.ports.0.targetPort", "https"]],
      // The container declares 8080 only.
      [["Service", "spec.ports.0.targetPort", 80]],
      // Unset: the target is the port, 80.
      [["Service", "spec.ports.0.targetPort", undefined]],
      [["Service/checkout", "spec.ports.0.targetPort", "web"]],
      // A quoted number is a port name, and not a valid one.
      [["Service", "spec.ports.0.targetPort", "8080"]],
      // The name is declared for TCP, the Service port is UDP.
      [["Service", "spec.ports.0.protocol", "UDP"]],
    ],
    good: [
      [["Service", "spec.ports.0.targetPort", 8080]],
      // A container that declares no ports may listen on any.
      [...undeclaredPorts, ["Service", "spec.ports.0.targetPort", 9000]],
      // Sidecars' ports are endpoints too.
      [proxySidecar, ["Service", "spec.ports.1", { name: "https", port: 443, targetPort: "proxy" }]],
    ],
    field: "spec.ports[http].targetPort",
  },
  {
    id: "wiring.service-account-missing",
    bad: [
      [[D, `${pod}.serviceAccountName`, "api"]],
      // The deprecated field alone still names the account.
      [
        [D, `${pod}.serviceAccountName`, undefined],
        [D, `${pod}.serviceAccount`, "api"],
      ],
      [["-ServiceAccount/web", "", undefined]],
      [["ServiceAccount/web", "metadata.namespace", "payments"]],
      [[R, `${pod}.serviceAccountName`, "payments"]],
    ],
    good: [
      [
        [D, `${pod}.serviceAccountName`, "default"],
        [D, `${pod}.automountServiceAccountToken`, false],
      ],
      [
        [D, `${pod}.serviceAccountName`, undefined],
        [D, `${pod}.serviceAccount`, "web"],
      ],
      // serviceAccountName wins over a stale deprecated field.
      [[D, `${pod}.serviceAccount`, "legacy"]],
    ],
    field: "spec.template.spec.serviceAccountName",
  },
  {
    id: "wiring.ingress-tls-missing",
    bad: [
      plainIngress(),
      [["Ingress", "spec.tls", []]],
      // cert-manager issues a certificate only for the hosts of spec.tls.
      plainIngress({ "cert-manager.io/cluster-issuer": "letsencrypt" }),
      plainIngress({ "nginx.ingress.kubernetes.io/force-ssl-redirect": "false" }),
    ],
    good: [
      // TLS terminated by a load balancer in front of the ingress controller.
      plainIngress({ "nginx.ingress.kubernetes.io/force-ssl-redirect": "true" }),
      plainIngress({
        "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
      }),
      plainIngress({ "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]' }),
      plainIngress({ "networking.gke.io/managed-certificates": "shop" }),
      plainIngress({ "traefik.ingress.kubernetes.io/router.tls": "true" }),
      // cert-manager's HTTP-01 solver must answer over HTTP.
      [...plainIngress(), ["Ingress", "metadata.labels", { "acme.cert-manager.io/http01-solver": "true" }]],
    ],
    field: "spec.tls",
  },
  {
    id: "wiring.networkpolicy-missing",
    bad: [
      [["NetworkPolicy/web", "spec.podSelector.matchLabels.app", "api"]],
      // An egress-only policy leaves ingress open.
      [["NetworkPolicy/web", "spec.policyTypes", ["Egress"]]],
      [["-NetworkPolicy/checkout", "", undefined]],
    ],
    good: [
      // Default deny for the namespace.
      [
        ["-NetworkPolicy/web", "", undefined],
        ["+", "", networkPolicy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] })],
      ],
      [
        ["NetworkPolicy/web", "spec.policyTypes", ["Ingress", "Egress"]],
        ["NetworkPolicy/web", "spec.egress", [{}]],
      ],
      // No NetworkPolicy in the namespace: isolation is the namespace's choice, made elsewhere or not at all.
      [["-NetworkPolicy", "", undefined]],
      // Cilium's own policies may isolate the pods; they are not read.
      [
        ["-NetworkPolicy/checkout", "", undefined],
        [
          "+",
          "",
          {
            apiVersion: "cilium.io/v2",
            kind: "CiliumNetworkPolicy",
            metadata: { name: "checkout", namespace: "shop" },
            spec: {
              endpointSelector: { matchLabels: { app: "checkout" } },
              ingress: [{ toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
            },
          },
        ],
      ],
    ],
    field: "spec.template.metadata.labels",
  },
];
