import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../kube/types.ts";
import { maskSecrets, maskValue } from "./redact.ts";

describe("maskSecrets", () => {
  it("hides Secret data and stringData, keeping keys and telling changes apart", () => {
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"data":"x"}' } },
      data: { password: Buffer.from("hunter2").toString("base64") },
      stringData: { token: "t0ken-value" },
    };
    const masked = maskSecrets(secret);
    const text = JSON.stringify(masked);
    assert.doesNotMatch(text, /aHVudGVyMg|t0ken-value|"data":"x"/);
    assert.deepEqual(Object.keys(masked.data as object), ["password"]);
    assert.equal((masked.stringData as Record<string, string>).token, maskValue("t0ken-value"));
    assert.notEqual(maskValue("a"), maskValue("b"));
    assert.equal((secret.stringData as Record<string, string>).token, "t0ken-value", "the argument is not modified");
  });

  it("hides literal secret-looking env values and private keys in ConfigMaps; leaves the rest", () => {
    const deployment: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "web",
                env: [
                  { name: "DB_PASSWORD", value: "s3cret" },
                  { name: "LOG_LEVEL", value: "debug" },
                  { name: "API", valueFrom: { secretKeyRef: { name: "api", key: "token" } } },
                ],
              },
            ],
          },
        },
      },
    };
    const text = JSON.stringify(maskSecrets(deployment));
    assert.doesNotMatch(text, /s3cret/);
    assert.match(text, /"LOG_LEVEL","value":"debug"/);
    assert.match(text, /secretKeyRef/);
    const cm: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" },
      data: { key: "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----", plain: "hello" },
    };
    const maskedCm = maskSecrets(cm).data as Record<string, string>;
    assert.doesNotMatch(maskedCm.key ?? "", /PRIVATE KEY/);
    assert.equal(maskedCm.plain, "hello");
  });
});
