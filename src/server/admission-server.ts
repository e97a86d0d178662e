/**
 * Serves the admission webhook over HTTPS with a CA it makes and rotates, and registers it with the
 * apiserver through the ValidatingWebhookConfiguration `kaika-readiness`.
 */
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { type KubeApi, serverVersion } from "../kube/api.ts";
import { RestMapper } from "../kube/discovery.ts";
import type { KubeObject } from "../kube/types.ts";
import { builtinPodTemplates } from "../policy/objects.ts";
import type { PolicySet } from "../policy/readiness-policy.ts";
import { type Logger, silentLogger } from "../runtime/log.ts";
import { type AdmissionReviewRequest, review } from "./admission.ts";
import { AdmissionCache } from "./admission-cache.ts";
import { issueServingCertificate, type ServingCertificate } from "./admission-certs.ts";

/** How the webhook is served and registered. */
export interface AdmissionOptions {
  /** host:port to listen on (port 0 picks one); the apiserver calls https://host:port/validate. */
  readonly address: string;
  /** Fail: no write without a review; Ignore (default): writes pass when kaika is down. */
  readonly failurePolicy?: "Fail" | "Ignore";
  /** Seconds the apiserver waits; default 5. */
  readonly timeoutSeconds?: number;
  /** How long the CA and serving certificate are valid; rotated at 2/3 of it. Default 90 days. */
  readonly certValidityMs?: number;
  /** Where the fleet-wide default ReadinessPolicy lives; default kaika-system. */
  readonly systemNamespace?: string;
  /** Watch Secret names for secrets.ref-missing (needs list/watch on Secrets); default true. */
  readonly secretNames?: boolean;
  /**
   * "start" (default): registered as soon as it serves. "claimed": only once claim() is called, so
   * that of several replicas only the leader's URL and CA are in the configuration.
   */
  readonly register?: "start" | "claimed";
  /** Stops the informers and the rotation when aborted (close() does too). */
  readonly signal?: AbortSignal;
  readonly log?: Logger;
}

/** Namespaces labelled `kaika.dev/admission=disabled` are not reviewed. */
export const admissionLabel = "kaika.dev/admission";
export const webhookConfigurationName = "kaika-readiness";

const day = 24 * 3600 * 1000;
// How often served custom resources with a pod template are looked for (a CRD installed after the policy).
const rulesRefreshMs = 60_000;
const defaultValidityMs = 90 * day;
const maxTimerMs = 2 ** 31 - 1;

const workloadRules = [
  {
    apiGroups: ["apps"],
    apiVersions: ["v1"],
    operations: ["CREATE", "UPDATE"],
    resources: ["deployments", "statefulsets", "daemonsets"],
  },
  { apiGroups: ["batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["jobs", "cronjobs"] },
];

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * The running webhook. Certificate rotation, at 2/3 of the validity: a new CA and serving
 * certificate are made; the caBundle becomes old CA + new CA; after the apiserver had time to
 * see that (`settleMs`) the server switches to the new certificate (setSecureContext: open
 * connections keep the old one, new ones get the new); after another settleMs the old CA leaves
 * the bundle. At no point does the apiserver hold a bundle that lacks the CA of a certificate
 * the server presents. A failed step is retried; the old certificate stays valid meanwhile.
 */
export class AdmissionWebhook {
  readonly server: Server;
  readonly cache: AdmissionCache;
  /** Rotations done since start. */
  rotations = 0;
  readonly #api: KubeApi;
  readonly #options: AdmissionOptions;
  readonly #log: Logger;
  readonly #host: string;
  readonly #validityMs: number;
  readonly #settleMs: number;
  readonly #stop = new AbortController();
  #current: ServingCertificate;
  #bundle: string[] = [];
  #templateRules: string[] = [];
  #declared = "";
  #kubernetesVersion: string | undefined;
  #rotating: Promise<void> = Promise.resolve();
  #claimed: boolean;
  #timer: NodeJS.Timeout | undefined;
  #rulesTimer: NodeJS.Timeout | undefined;
  // Its own discovery cache, refreshed for each rules update without touching the shared one.
  readonly #mapper: RestMapper;

  private constructor(api: KubeApi, options: AdmissionOptions, host: string, first: ServingCertificate) {
    this.#api = api;
    this.#options = options;
    this.#log = options.log ?? silentLogger();
    this.#host = host;
    this.#validityMs = options.certValidityMs ?? defaultValidityMs;
    this.#settleMs = Math.min(10_000, Math.max(1000, this.#validityMs / 15));
    this.#current = first;
    this.#claimed = options.register !== "claimed";
    this.#mapper = new RestMapper(api.client);
    this.cache = new AdmissionCache(api, {
      systemNamespace: options.systemNamespace,
      secretNames: options.secretNames,
    });
    this.server = createServer({ cert: first.certPem, key: first.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let body: AdmissionReviewRequest;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as AdmissionReviewRequest;
        } catch {
          res.writeHead(400).end("not an AdmissionReview\n");
          return;
        }
        const answer = review(body, this.cache.context(this.#kubernetesVersion));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      });
    });
  }

  /**
   * Starts the informers, listens, and registers the webhook with the first certificate's CA.
   * Reviews wait for nothing: until the informers synced (at most 30 s, for a cluster without
   * the ReadinessPolicy CRD) registration waits, so the first reviews already see the policies.
   */
  static async start(api: KubeApi, options: AdmissionOptions): Promise<AdmissionWebhook> {
    const colon = options.address.lastIndexOf(":");
    const host = options.address.slice(0, colon) || "127.0.0.1";
    const port = Number(options.address.slice(colon + 1));
    const validity = options.certValidityMs ?? defaultValidityMs;
    const hook = new AdmissionWebhook(api, options, host, await issueServingCertificate(host, validity));
    options.signal?.addEventListener("abort", () => void hook.close(), { once: true });
    try {
      hook.cache.start(hook.#stop.signal);
      hook.#kubernetesVersion = await serverVersion(hook.#api);
      if (!(await hook.cache.waitForSync(30_000)))
        hook.#log.warn("admission: caches did not sync in 30 s; reviewing with what they hold");
      await new Promise<void>((resolve, reject) => {
        hook.server.once("error", reject);
        hook.server.listen(port, host, () => resolve());
      });
      hook.#templateRules = await hook.#templateKinds(hook.cache.policySet());
      await hook.#register([hook.caPem]);
    } catch (error) {
      await hook.close();
      throw error;
    }
    hook.cache.onPolicies((set) => {
      // Status writes (the audit's) change policies too: only new podTemplates need new rules.
      const declared = JSON.stringify(declaredTemplates(set));
      if (declared !== hook.#declared) void hook.#refreshRules(set);
    });
    hook.#rulesTimer = setInterval(() => void hook.#refreshRules(hook.cache.policySet()), rulesRefreshMs);
    hook.#schedule();
    return hook;
  }

  /** host:port the server listens on. */
  get address(): string {
    const bound = this.server.address() as AddressInfo;
    return `${this.#host}:${bound.port}`;
  }

  /** The CA of the certificate served now (PEM). */
  get caPem(): string {
    return this.#current.caPem;
  }

  /** Whether the configuration points at this server (always, unless registering waits for claim()). */
  get claimed(): boolean {
    return this.#claimed;
  }

  /** Points the webhook configuration at this server from now on (this replica became the leader). */
  async claim(): Promise<void> {
    this.#claimed = true;
    while (!this.#stop.signal.aborted) {
      try {
        await this.#serially(() => this.#register(this.#bundle));
        return;
      } catch (error) {
        this.#log.error({ err: error }, "admission: could not register this replica's webhook; retrying");
        await sleep(2000, this.#stop.signal);
      }
    }
  }

  /** Rotates now (tests; the timer calls it at 2/3 of the validity). */
  rotate(): Promise<void> {
    return this.#serially(() => this.#rotate());
  }

  /** Runs `step` after the registration steps before it: rotations and rule updates never interleave. */
  #serially(step: () => Promise<void>): Promise<void> {
    const run = this.#rotating.then(step);
    this.#rotating = run.catch(() => undefined);
    return run;
  }

  /** Stops rotation and informers and closes the server. Does not unregister: failurePolicy decides meanwhile. */
  async close(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    clearTimeout(this.#timer);
    clearInterval(this.#rulesTimer);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.cache.stopped();
  }

  #schedule(delayMs?: number): void {
    if (this.#stop.signal.aborted) return;
    const due = this.#current.notBefore.getTime() + 60_000 + (this.#validityMs * 2) / 3;
    const wait = delayMs ?? Math.max(0, due - Date.now());
    clearTimeout(this.#timer);
    // setTimeout fires at once for delays over ~24.8 days (the default rotation is at 60): re-arm instead.
    this.#timer =
      wait > maxTimerMs ? setTimeout(() => this.#schedule(), maxTimerMs) : setTimeout(() => void this.rotate(), wait);
  }

  async #rotate(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const signal = this.#stop.signal;
    try {
      const next = await issueServingCertificate(this.#host, this.#validityMs);
      await this.#register([this.#current.caPem, next.caPem]);
      await sleep(this.#settleMs, signal);
      if (signal.aborted) return;
      this.server.setSecureContext({ cert: next.certPem, key: next.keyPem });
      this.#current = next;
      await sleep(this.#settleMs, signal);
      if (signal.aborted) return;
      await this.#register([next.caPem]);
      this.rotations++;
      this.#log.info({ notAfter: next.notAfter.toISOString(), rotations: this.rotations }, "admission: rotated CA");
      this.#schedule();
    } catch (error) {
      // The served certificate is still valid for a third of its life: retry well before it ends.
      const retryMs = Math.max(1000, Math.min(60_000, this.#validityMs / 30));
      this.#log.error({ err: error, retryMs }, "admission: CA rotation failed; retrying");
      this.#schedule(retryMs);
    }
  }

  /** Re-reads which template kinds the cluster serves (policies changed, or a CRD may have come) and re-registers. */
  async #refreshRules(set: PolicySet): Promise<void> {
    try {
      this.#mapper.invalidate();
      const kinds = await this.#templateKinds(set);
      if (kinds.join() === this.#templateRules.join()) return;
      this.#templateRules = kinds;
      await this.#serially(() => this.#register(this.#bundle));
    } catch (error) {
      this.#log.error({ err: error }, "admission: could not update the webhook's rules");
    }
  }

  /** group/version/resource of custom resources with a pod template that the cluster serves, sorted. */
  async #templateKinds(set: PolicySet): Promise<string[]> {
    const declared = declaredTemplates(set);
    this.#declared = JSON.stringify(declared);
    const found = new Set<string>();
    for (const t of [...builtinPodTemplates, ...declared]) {
      const mapping = await this.#mapper.forGroupKind(t.group, t.kind).catch(() => undefined);
      if (mapping && mapping.group !== "apps" && mapping.group !== "batch")
        found.add(`${mapping.group}/${mapping.version}/${mapping.resource}`);
    }
    return [...found].sort();
  }

  /** Applies the ValidatingWebhookConfiguration with these CAs as its caBundle. */
  async #register(cas: readonly string[]): Promise<void> {
    // Unclaimed, the bundle is only remembered: claim() registers it.
    if (!this.#claimed) {
      this.#bundle = [...cas];
      return;
    }
    const o = this.#options;
    const configuration: KubeObject = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: webhookConfigurationName },
      webhooks: [
        {
          name: "readiness.kaika.dev",
          clientConfig: {
            url: `https://${this.address}/validate`,
            // One PEM block per line run: the apiserver refuses blocks glued together.
            caBundle: Buffer.from(cas.map((pem) => `${pem.trim()}\n`).join("")).toString("base64"),
          },
          rules: [
            ...workloadRules,
            ...this.#templateRules.map((gvr) => {
              const [group = "", version = "", resource = ""] = gvr.split("/");
              return {
                apiGroups: [group],
                apiVersions: [version],
                operations: ["CREATE", "UPDATE"],
                resources: [resource],
              };
            }),
          ],
          // Workloads only: their Pods are made by controllers, and denying those would wedge a rollout.
          namespaceSelector: {
            matchExpressions: [
              { key: admissionLabel, operator: "NotIn", values: ["disabled"] },
              { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"] },
            ],
          },
          failurePolicy: o.failurePolicy ?? "Ignore",
          timeoutSeconds: o.timeoutSeconds ?? 5,
          sideEffects: "None",
          admissionReviewVersions: ["v1"],
        },
      ],
    };
    await this.#api.apply(configuration, { fieldManager: "kaika", force: true });
    this.#bundle = [...cas];
  }
}

/** The podTemplates every policy of the set declares. */
const declaredTemplates = (set: PolicySet) =>
  [set.for(""), ...set.namespaces().map((n) => set.for(n))].flatMap((s) => s.podTemplates ?? []);

/** Starts the webhook (see AdmissionWebhook). */
export function serveAdmission(api: KubeApi, options: AdmissionOptions): Promise<AdmissionWebhook> {
  return AdmissionWebhook.start(api, options);
}
