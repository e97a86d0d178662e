/** Serves the admission webhook over HTTPS with a CA it makes, and registers it with the apiserver. */
import { createServer, type Server } from "node:https";
import type { KubeApi } from "../kube/api.ts";
import { createCertificateAuthority, issueServingCert } from "../localfleet/pki.ts";
import { type AdmissionReviewRequest, review } from "./admission.ts";

/** How the webhook is registered. */
export interface AdmissionOptions {
  /** host:port to listen on; the apiserver calls https://host:port/validate. */
  readonly address: string;
  /** Fail: no write without a review; Ignore (default): writes pass when kaika is down. */
  readonly failurePolicy?: "Fail" | "Ignore";
  /** Seconds the apiserver waits; default 5. */
  readonly timeoutSeconds?: number;
}

/** Namespaces labelled so are not reviewed. */
export const admissionLabel = "kaika.dev/admission";
export const webhookConfigurationName = "kaika-readiness";

/**
 * Starts the HTTPS server with a fresh CA and serving certificate (each
 * start rotates them) and applies the ValidatingWebhookConfiguration with
 * that CA, so the apiserver trusts only this process's certificate.
 */
export async function serveAdmission(api: KubeApi, options: AdmissionOptions): Promise<Server> {
  const colon = options.address.lastIndexOf(":");
  const host = options.address.slice(0, colon) || "127.0.0.1";
  const port = Number(options.address.slice(colon + 1));
  const ca = await createCertificateAuthority("kaika-admission-ca");
  const serving = await issueServingCert(ca, "kaika-admission", ["localhost"], [host]);
  const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as AdmissionReviewRequest;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(review(body)));
      } catch {
        res.writeHead(400).end("not an AdmissionReview\n");
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  await api.apply(
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: webhookConfigurationName },
      webhooks: [
        {
          name: "readiness.kaika.dev",
          clientConfig: {
            url: `https://${host}:${port}/validate`,
            caBundle: Buffer.from(ca.certPem).toString("base64"),
          },
          rules: [
            {
              apiGroups: ["apps"],
              apiVersions: ["v1"],
              operations: ["CREATE", "UPDATE"],
              resources: ["deployments", "statefulsets", "daemonsets"],
            },
            {
              apiGroups: ["batch"],
              apiVersions: ["v1"],
              operations: ["CREATE", "UPDATE"],
              resources: ["jobs", "cronjobs"],
            },
          ],
          // Workloads only: their Pods are made by controllers, and denying those would wedge a rollout.
          namespaceSelector: {
            matchExpressions: [
              { key: admissionLabel, operator: "NotIn", values: ["disabled"] },
              { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"] },
            ],
          },
          failurePolicy: options.failurePolicy ?? "Ignore",
          timeoutSeconds: options.timeoutSeconds ?? 5,
          sideEffects: "None",
          admissionReviewVersions: ["v1"],
        },
      ],
    },
    { fieldManager: "kaika", force: true },
  );
  return server;
}
