/** The fleet both dashboard suites look at: two Clusters, a Sync rolled out staging → prod, a policy and an SLO. */
import { parse } from "yaml";
import type { KubeApi } from "../../src/kube/api.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import type { ContextEntry } from "../../src/localfleet/kubeconfig.ts";
import { registerCluster } from "./kaika.ts";

/** An availability SLO of service web over the exporter's job "app". */
export const dashboardSloSpec = `apiVersion: kaika.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: web-availability
  namespace: kaika-system
spec:
  service: web
  indicator:
    ratio:
      errors: sum(rate(http_requests_total{job="app",code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total{job="app"}[{{.window}}]))
  objective: 99.9
  window: 30d
`;

/** Registers `staging` and `prod`, then applies GitSource fleet (`repoUrl`), Sync web (apps/web, two waves), a ReadinessPolicy and the SLO. */
export async function applyDashboardFleet(
  admin: KubeApi,
  staging: ContextEntry,
  prod: ContextEntry,
  repoUrl: string,
): Promise<void> {
  await registerCluster(admin, "staging", staging, { env: "staging", region: "osaka", provider: "onprem" });
  await registerCluster(admin, "prod", prod, { env: "prod", region: "tokyo", provider: "onprem" });
  const objects: KubeObject[] = [
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "GitSource",
      metadata: { name: "fleet", namespace: "kaika-system" },
      spec: { url: repoUrl, interval: "1s" },
    },
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "Sync",
      metadata: { name: "web", namespace: "kaika-system" },
      spec: {
        sourceRef: { name: "fleet" },
        path: "apps/web",
        timeout: "30s",
        interval: "1m",
        policy: { mode: "warn" },
        targets: [{ clusterSelector: { matchExpressions: [{ key: "env", operator: "Exists" }] } }],
        rollout: {
          waves: [
            { name: "staging", clusterSelector: { matchLabels: { env: "staging" } }, soak: "1s" },
            { name: "prod", clusterSelector: { matchLabels: { env: "prod" } } },
          ],
        },
      },
    },
    {
      apiVersion: "kaika.dev/v1alpha1",
      kind: "ReadinessPolicy",
      metadata: { name: "fleet", namespace: "kaika-system" },
      spec: {},
    },
    parse(dashboardSloSpec) as KubeObject,
  ];
  for (const object of objects) await admin.apply(object, { fieldManager: "test", force: true });
}
