/**
 * `kaika check`: is kaika healthy in this cluster? The Kubernetes version, its CRDs Established,
 * the Deployment Available, every permission the chart grants actually granted to kaika's
 * ServiceAccount (SubjectAccessReview), the admission webhook answering, a leader holding the Lease.
 */
import { request } from "node:https";
import { kaikaCrds } from "../api/crds.ts";
import { type KubeApi, serverVersion } from "../kube/api.ts";
import { serviceAccountIdentity } from "../kube/client.ts";
import { NotFoundError } from "../kube/errors.ts";
import { gvk, type KubeObject } from "../kube/types.ts";
import { webhookConfigurationName } from "../server/admission-server.ts";
import { type ChartOptions, defaultRelease, renderChart } from "./chart.ts";
import { atLeast, canI, minimumKubernetes } from "./preflight.ts";

/** One line of the report. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
}

type Rule = { apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; verbs?: string[] };

const orMissing = <T>(p: Promise<T>): Promise<T | undefined> =>
  p.catch((e: unknown) => (e instanceof NotFoundError ? undefined : Promise.reject(e)));

/** Runs every check in order; a check that cannot run reports why instead of throwing. */
export async function* check(api: KubeApi, options: ChartOptions = {}): AsyncGenerator<CheckResult> {
  const release = {
    name: options.releaseName ?? defaultRelease.name,
    namespace: options.namespace ?? defaultRelease.namespace,
  };
  const version = await serverVersion(api).catch((e: unknown) => {
    throw new Error(`cannot reach the cluster at ${api.client.server}: ${(e as Error).message}`);
  });
  yield {
    name: "kubernetes",
    ok: version !== undefined && atLeast(version, minimumKubernetes),
    message: `version ${version ?? "unknown"} (kaika needs ${minimumKubernetes}+)`,
  };

  for (const crd of kaikaCrds()) {
    const name = crd.metadata.name ?? "";
    const live = await orMissing(api.get(gvk("apiextensions.k8s.io/v1", "CustomResourceDefinition"), name));
    const established = conditionTrue(live, "Established");
    yield {
      name: `crd ${name}`,
      ok: established,
      message: live ? (established ? "Established" : "not Established") : "missing: run kaika install",
    };
  }

  const deployment = await orMissing(api.get(gvk("apps/v1", "Deployment"), release.name, release.namespace));
  const status = (deployment?.status ?? {}) as { replicas?: number; availableReplicas?: number };
  yield {
    name: "deployment",
    ok: conditionTrue(deployment, "Available"),
    message: deployment
      ? `${release.namespace}/${release.name} ${status.availableReplicas ?? 0}/${status.replicas ?? 0} available, version ${deployment.metadata.labels?.["app.kubernetes.io/version"] ?? "unknown"}`
      : `${release.namespace}/${release.name} not found: run kaika install`,
  };

  // Every rule of the chart's roles, asked for kaika's own ServiceAccount.
  const { objects } = await renderChart(options);
  const identity = serviceAccountIdentity(release.namespace, release.name);
  const denied: string[] = [];
  let asked = 0;
  for (const { object } of objects) {
    if (object.kind !== "ClusterRole" && object.kind !== "Role") continue;
    if (object.metadata.name?.endsWith("-applier")) continue; // the applier's, not kaika's
    const namespace = object.kind === "Role" ? (object.metadata.namespace ?? "") : "";
    for (const rule of (object.rules ?? []) as Rule[]) {
      for (const group of rule.apiGroups ?? [""])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs ?? []) {
            asked++;
            const q = { verb, group, resource, namespace, name: rule.resourceNames?.[0] };
            if (!(await canI(api, q, identity)))
              denied.push(`${verb} ${resource}${group ? `.${group}` : ""}${namespace ? ` in ${namespace}` : ""}`);
          }
    }
  }
  yield {
    name: "rbac",
    ok: denied.length === 0,
    message:
      denied.length === 0
        ? `${asked} permissions granted to ${identity.user}`
        : `not granted: ${denied.slice(0, 8).join(", ")}${denied.length > 8 ? ` and ${denied.length - 8} more` : ""}`,
  };

  const webhook = await orMissing(
    api.get(gvk("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"), webhookConfigurationName),
  );
  if (webhook) yield { name: "admission webhook", ...(await reachable(webhook)) };
  else yield { name: "admission webhook", ok: true, message: "not registered (admission off, or no leader yet)" };

  const lease = await orMissing(api.get(gvk("coordination.k8s.io/v1", "Lease"), "kaika-leader", release.namespace));
  const spec = (lease?.spec ?? {}) as { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
  const fresh =
    spec.renewTime !== undefined && Date.now() - Date.parse(spec.renewTime) < (spec.leaseDurationSeconds ?? 15) * 2000;
  yield {
    name: "leader",
    ok: fresh && !!spec.holderIdentity,
    message: spec.holderIdentity
      ? `${spec.holderIdentity}${fresh ? "" : " (Lease not renewed: is kaika running?)"}`
      : "no replica holds the Lease",
  };
}

function conditionTrue(object: KubeObject | undefined, type: string): boolean {
  const conditions =
    (object?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === type && c.status === "True");
}

/** POSTs an empty review to the registered URL with the registered CA: any HTTP answer means it serves. */
async function reachable(configuration: KubeObject): Promise<{ ok: boolean; message: string }> {
  const hook = (configuration.webhooks as { clientConfig?: { url?: string; caBundle?: string } }[] | undefined)?.[0];
  const url = hook?.clientConfig?.url;
  if (!url) return { ok: true, message: "registered through a Service (not checked from here)" };
  const ca = Buffer.from(hook?.clientConfig?.caBundle ?? "", "base64").toString();
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: "POST", ca, timeout: 5000, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        resolve({ ok: true, message: `${url} answers (HTTP ${res.statusCode}) with the registered CA` });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out after 5 s")));
    req.on("error", (e) => resolve({ ok: false, message: `${url}: ${e.message}` }));
    req.end("{}");
  });
}
