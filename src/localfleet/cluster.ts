/** One local Kubernetes cluster: apiserver, controller-manager, scheduler and kwok's fake nodes. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import type { Binaries } from "./binaries.ts";
import { type ContextEntry, renderKubeconfig } from "./kubeconfig.ts";
import {
  type CertificateAuthority,
  type ClientIdentity,
  createCertificateAuthority,
  createSigningKey,
  issueClientCert,
  issueServingCert,
} from "./pki.ts";
import { freePort } from "./ports.ts";
import { type ManagedProcess, startProcess } from "./process.ts";
import { waitFor } from "./wait.ts";

/** How to start one cluster. */
export interface ClusterSpec {
  /** Context and cluster name, e.g. kaika-1. */
  readonly name: string;
  readonly binaries: Binaries;
  readonly etcdEndpoint: string;
  /** Folder for certificates, kubeconfigs and logs. */
  readonly dir: string;
  /** Fake nodes kwok keeps Ready; default 3, one per zone a/b/c. */
  readonly nodes?: number;
  readonly timeoutMs?: number;
  /** Extra kube-apiserver flags, e.g. ["--watch-cache=false"]. */
  readonly apiserverArgs?: readonly string[];
}

/** Credentials of a user minted for a test. */
export interface UserCredentials {
  readonly user: string;
  readonly groups: readonly string[];
  /** A kubeconfig (YAML) that logs in as this user. */
  readonly kubeconfig: string;
  readonly kubeconfigPath: string;
}

/** A running local cluster. */
export interface LocalCluster {
  readonly name: string;
  readonly server: string;
  readonly caPem: string;
  /** The admin context, to merge into other kubeconfigs. */
  readonly admin: ContextEntry;
  /** Admin kubeconfig (client certificate in system:masters). */
  readonly kubeconfig: string;
  readonly kubeconfigPath: string;
  /** The cluster's processes as they are now (a restarted apiserver is a new process). */
  readonly processes: readonly ManagedProcess[];
  /** Stops the apiserver only (clients see connection errors); the other processes keep running. */
  stopApiserver(): Promise<void>;
  /** Starts the stopped apiserver again on the same port and waits for /readyz. */
  startApiserver(): Promise<void>;
  /** Issues a client certificate for `user` in `groups` and returns a kubeconfig for it. */
  mintUser(identity: ClientIdentity): Promise<UserCredentials>;
  /** An admin client for this cluster. */
  client(): KubeClient;
  /** Stops every process of this cluster. */
  stop(): Promise<void>;
}

const zones = ["zone-a", "zone-b", "zone-c"];

/** Starts a cluster and resolves once it is ready: /readyz ok, default ServiceAccount present, a fake Node Ready. */
export async function startCluster(spec: ClusterSpec): Promise<LocalCluster> {
  const { name, binaries, dir } = spec;
  const timeoutMs = spec.timeoutMs ?? 120_000;
  mkdirSync(dir, { recursive: true });
  const file = (f: string): string => join(dir, f);

  const ca = await createCertificateAuthority(`${name}-ca`);
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const serving = await issueServingCert(
    ca,
    "kube-apiserver",
    ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
    ["127.0.0.1"],
  );
  const signing = await createSigningKey();
  const admin = await issueClientCert(ca, { user: "kaika-admin", groups: ["system:masters"] });
  writeFileSync(file("ca.crt"), ca.certPem);
  writeFileSync(file("ca.key"), ca.keyPem, { mode: 0o600 });
  writeFileSync(file("apiserver.crt"), serving.certPem);
  writeFileSync(file("apiserver.key"), serving.keyPem, { mode: 0o600 });
  writeFileSync(file("sa.key"), signing.privatePem, { mode: 0o600 });
  writeFileSync(file("sa.pub"), signing.publicPem);
  const adminContext: ContextEntry = { name, server, caPem: ca.certPem, user: `${name}-admin`, credentials: admin };
  const kubeconfig = renderKubeconfig([adminContext]);
  const kubeconfigPath = file("admin.kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });

  const others: ManagedProcess[] = [];
  const processes = (): ManagedProcess[] => [...(apiserver ? [apiserver] : []), ...others];
  const stop = async (): Promise<void> => {
    await Promise.all(
      processes()
        .reverse()
        .map((p) => p.stop()),
    );
  };
  const client = KubeClient.load({ path: kubeconfigPath });
  let apiserver: ManagedProcess | undefined;
  const launchApiserver = async (): Promise<void> => {
    const started = startProcess({
      name: `${name}/kube-apiserver`,
      command: binaries.kubeApiserver,
      logFile: file("kube-apiserver.log"),
      args: [
        `--etcd-servers=${spec.etcdEndpoint}`,
        // One etcd serves the whole fleet; the prefix keeps clusters apart.
        `--etcd-prefix=/${name}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${port}`,
        `--cert-dir=${file("certs")}`,
        `--tls-cert-file=${file("apiserver.crt")}`,
        `--tls-private-key-file=${file("apiserver.key")}`,
        `--client-ca-file=${file("ca.crt")}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${file("sa.pub")}`,
        `--service-account-signing-key-file=${file("sa.key")}`,
        "--authorization-mode=Node,RBAC",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--allow-privileged=true",
        // The kubernetes Service's endpoint would be 127.0.0.1, which Endpoints refuse.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
        "--v=1",
        ...(spec.apiserverArgs ?? []),
      ],
    });
    apiserver = started;
    await waitFor(
      `${name}: apiserver /readyz`,
      async () => (await client.request<string>("GET", "/readyz", { timeoutMs: 2000 })) === "ok",
      { timeoutMs, process: started },
    );
  };
  try {
    await launchApiserver();

    const controllerManager = startProcess({
      name: `${name}/kube-controller-manager`,
      command: binaries.kubeControllerManager,
      logFile: file("kube-controller-manager.log"),
      args: [
        `--kubeconfig=${kubeconfigPath}`,
        "--secure-port=0",
        "--leader-elect=false",
        `--service-account-private-key-file=${file("sa.key")}`,
        `--root-ca-file=${file("ca.crt")}`,
        `--cluster-signing-cert-file=${file("ca.crt")}`,
        `--cluster-signing-key-file=${file("ca.key")}`,
        "--v=1",
      ],
    });
    others.push(controllerManager);
    const scheduler = startProcess({
      name: `${name}/kube-scheduler`,
      command: binaries.kubeScheduler,
      logFile: file("kube-scheduler.log"),
      args: [`--kubeconfig=${kubeconfigPath}`, "--secure-port=0", "--leader-elect=false", "--v=1"],
    });
    others.push(scheduler);
    const kwok = startProcess({
      name: `${name}/kwok`,
      command: binaries.kwok,
      logFile: file("kwok.log"),
      args: [
        `--kubeconfig=${kubeconfigPath}`,
        `--config=${binaries.kwokStages}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--node-lease-duration-seconds=40",
        "--cidr=10.244.0.0/16",
        "--node-ip=10.0.0.1",
      ],
    });
    others.push(kwok);

    const nodeCount = spec.nodes ?? 3;
    for (let i = 1; i <= nodeCount; i++)
      await createFakeNode(client, `${name}-node-${i}`, zones[(i - 1) % zones.length] ?? "zone-a");

    await waitFor(
      `${name}: default ServiceAccount`,
      async () => {
        try {
          await client.get("/api/v1/namespaces/default/serviceaccounts/default");
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      },
      { timeoutMs, process: controllerManager },
    );
    await waitFor(`${name}: a fake Node Ready`, async () => (await readyNodes(client)) > 0, {
      timeoutMs,
      process: kwok,
    });
  } catch (error) {
    await stop();
    await client.close();
    throw error;
  }

  return {
    name,
    server,
    caPem: ca.certPem,
    admin: adminContext,
    kubeconfig,
    kubeconfigPath,
    get processes() {
      return processes();
    },
    stopApiserver: async () => {
      await apiserver?.stop();
    },
    startApiserver: async () => {
      if (apiserver?.running) return;
      await launchApiserver();
    },
    mintUser: (identity) => mintUser(name, server, ca, dir, identity),
    client: () => KubeClient.load({ path: kubeconfigPath }),
    stop: async () => {
      await client.close();
      await stop();
    },
  };
}

interface NodeList {
  items: { status?: { conditions?: { type: string; status: string }[] } }[];
}

/** Counts Nodes whose Ready condition is True. */
export async function readyNodes(client: KubeClient): Promise<number> {
  const list = await client.get<NodeList>("/api/v1/nodes");
  return list.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
}

async function createFakeNode(client: KubeClient, name: string, zone: string): Promise<void> {
  // As a real kubelet reports: pods that request ephemeral storage must fit somewhere.
  const capacity = { cpu: "32", memory: "256Gi", "ephemeral-storage": "100Gi", pods: "110" };
  await client.create("/api/v1/nodes", {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      // kwok manages only Nodes with this annotation.
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": zone,
        type: "kwok",
      },
    },
    status: { capacity, allocatable: capacity },
  });
}

async function mintUser(
  clusterName: string,
  server: string,
  ca: CertificateAuthority,
  dir: string,
  identity: ClientIdentity,
): Promise<UserCredentials> {
  const credentials = await issueClientCert(ca, identity);
  const kubeconfig = renderKubeconfig([
    { name: clusterName, server, caPem: ca.certPem, user: identity.user, credentials },
  ]);
  const safe = identity.user.replace(/[^\w.-]/g, "_");
  const kubeconfigPath = join(dir, `user-${safe}.kubeconfig`);
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  return { user: identity.user, groups: identity.groups ?? [], kubeconfig, kubeconfigPath };
}
