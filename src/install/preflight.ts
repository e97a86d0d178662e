/** Before an install writes anything: the cluster answers, is new enough, and lets the caller create every object. */
import type { KubeApi } from "../kube/api.ts";
import type { Impersonation } from "../kube/client.ts";
import { gvkOf, type KubeObject } from "../kube/types.ts";
import { InstallError } from "./errors.ts";

/** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion): preStop sleep, CEL-free CRDs. */
export const minimumKubernetes = "1.30";

/** Whether version "a.b" is at least "c.d". */
export function atLeast(version: string, minimum: string): boolean {
  const [a = 0, b = 0] = version.split(".").map(Number);
  const [c = 0, d = 0] = minimum.split(".").map(Number);
  return a > c || (a === c && b >= d);
}

/** The server's version; InstallError Unreachable or ClusterTooOld. */
export async function checkVersion(api: KubeApi): Promise<string> {
  let version: string | undefined;
  try {
    // /version directly: serverVersion() reads a connection error as "no version".
    const v = await api.client.get<{ major?: string; minor?: string }>("/version");
    version = v.major && v.minor ? `${v.major}.${v.minor.replace(/\D+$/, "")}` : undefined;
  } catch (error) {
    throw new InstallError(
      "Unreachable",
      `cannot reach the cluster at ${api.client.server}: ${(error as Error).message}. Check --kubeconfig/--context and that the apiserver runs`,
      { cause: error },
    );
  }
  if (version === undefined) throw new InstallError("Unreachable", `${api.client.server} did not say its version`);
  if (!atLeast(version, minimumKubernetes))
    throw new InstallError(
      "ClusterTooOld",
      `the cluster runs Kubernetes ${version}; kaika needs ${minimumKubernetes} or later. Upgrade the cluster first`,
    );
  return version;
}

/** One access question and its answer. */
export interface AccessAnswer {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name?: string | undefined;
  readonly allowed: boolean;
}

/** Asks the apiserver (SelfSubjectAccessReview, or SubjectAccessReview for `user`) whether `verb` on `resource` is allowed. */
export async function canI(
  api: KubeApi,
  question: Omit<AccessAnswer, "allowed">,
  user?: Impersonation,
): Promise<boolean> {
  const resourceAttributes = {
    verb: question.verb,
    group: question.group,
    resource: question.resource,
    ...(question.namespace ? { namespace: question.namespace } : {}),
    ...(question.name ? { name: question.name } : {}),
  };
  const review = await api.create<KubeObject & { status?: { allowed?: boolean } }>({
    apiVersion: "authorization.k8s.io/v1",
    kind: user ? "SubjectAccessReview" : "SelfSubjectAccessReview",
    metadata: {},
    spec: user ? { resourceAttributes, user: user.user, groups: [...(user.groups ?? [])] } : { resourceAttributes },
  } as KubeObject);
  return review.status?.allowed === true;
}

/** The create/patch permissions `objects` need that the caller lacks, as "verb resource.group in ns" lines. */
export async function missingPermissions(api: KubeApi, objects: readonly KubeObject[]): Promise<string[]> {
  const seen = new Map<string, Omit<AccessAnswer, "allowed">>();
  for (const object of objects) {
    const kind = gvkOf(object);
    const mapping = await api.mapper.mapping(kind).catch(() => undefined);
    // Kinds the server does not serve yet (none in the chart but CRDs' own) are judged by the apply.
    if (!mapping) continue;
    const namespace = mapping.namespaced ? (object.metadata.namespace ?? "") : "";
    for (const verb of ["create", "patch"]) {
      const q = { verb, group: mapping.group, resource: mapping.resource, namespace };
      seen.set(JSON.stringify(q), q);
    }
  }
  const missing: string[] = [];
  for (const q of seen.values()) {
    if (!(await canI(api, q)))
      missing.push(`${q.verb} ${q.resource}${q.group ? `.${q.group}` : ""}${q.namespace ? ` in ${q.namespace}` : ""}`);
  }
  return missing;
}
