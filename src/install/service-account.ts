/**
 * A kubeconfig that authenticates as a ServiceAccount with a token from the TokenRequest API: how
 * kaika runs outside a pod with exactly the permissions its chart grants in-cluster (the local
 * fleet has no container runtime, so this is how the tests and the demo run it "in-cluster").
 */
import { stringify } from "yaml";
import type { KubeApi } from "../kube/api.ts";
import type { KubeObject } from "../kube/types.ts";

/** Mints a token for `namespace/name` (valid `seconds`, default 24 h) and returns a kubeconfig that uses it. */
export async function serviceAccountKubeconfig(
  api: KubeApi,
  namespace: string,
  name: string,
  options: { seconds?: number; caData?: string | undefined } = {},
): Promise<string> {
  const path = `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`;
  const review = await api.client.request<KubeObject & { status: { token: string } }>("POST", path, {
    body: {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: options.seconds ?? 86_400 },
    },
  });
  const user = `system:serviceaccount:${namespace}:${name}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "in-cluster",
        cluster: { server: api.client.server, "certificate-authority-data": options.caData ?? api.client.caData() },
      },
    ],
    users: [{ name: user, user: { token: review.status.token } }],
    contexts: [{ name, context: { cluster: "in-cluster", user, namespace } }],
    "current-context": name,
  });
}
