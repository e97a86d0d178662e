/** The admin cluster's API from the global flags (--kubeconfig, --context), as kubectl picks it. */
import { KubeApi } from "../kube/api.ts";
import type { GlobalOptions } from "./main.ts";

export function connect(options: Pick<GlobalOptions, "kubeconfig" | "context">): KubeApi {
  return KubeApi.load({
    ...(options.kubeconfig ? { path: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
}
