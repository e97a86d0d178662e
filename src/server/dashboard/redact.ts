/**
 * No secret value reaches the browser: Secret data, literal env values of secret-looking variables,
 * private keys and cloud access keys in ConfigMaps, and the last-applied annotation (which copies
 * all of them) are replaced by a marker. The marker carries a keyed hash (a random key per process),
 * so a diff still shows that a value changed without revealing, or letting anyone guess, the value.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { KubeObject } from "../../kube/types.ts";

const key = randomBytes(32);
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";
const secretName = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const secretValue = /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/;

/** The marker that stands for a secret value: its length and a keyed hash, never the value. */
export function maskValue(value: string): string {
  const digest = createHmac("sha256", key).update(value).digest("hex").slice(0, 12);
  return `(hidden: ${Buffer.byteLength(value)} bytes, hmac ${digest})`;
}

const maskMap = (map: unknown): unknown =>
  map && typeof map === "object" && !Array.isArray(map)
    ? Object.fromEntries(Object.entries(map as Record<string, unknown>).map(([k, v]) => [k, maskValue(String(v))]))
    : map;

/** Masks literal values of secret-looking env variables in every `env` list under `value`, copying as it goes. */
function maskEnv(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskEnv);
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === "env" && Array.isArray(v)) {
      out[k] = v.map((e: unknown) => {
        if (!e || typeof e !== "object") return e;
        const entry = e as { name?: unknown; value?: unknown; valueFrom?: { secretKeyRef?: unknown } };
        const hide =
          typeof entry.value === "string" &&
          (entry.valueFrom?.secretKeyRef !== undefined ||
            secretName.test(String(entry.name ?? "")) ||
            secretValue.test(entry.value));
        return hide ? { ...entry, value: maskValue(entry.value as string) } : maskEnv(e);
      });
    } else out[k] = maskEnv(v);
  }
  return out;
}

/** A copy of `object` with every secret value masked (see the module doc); the argument is not modified. */
export function maskSecrets(object: KubeObject): KubeObject {
  const masked = maskEnv(object) as KubeObject;
  const annotations = masked.metadata?.annotations;
  if (annotations?.[lastApplied] !== undefined) {
    const { [lastApplied]: _dropped, ...rest } = annotations;
    masked.metadata = { ...masked.metadata, annotations: { ...rest, [lastApplied]: maskValue(_dropped as string) } };
  }
  const core = masked.apiVersion === "v1";
  if (core && masked.kind === "Secret") {
    if (masked.data !== undefined) masked.data = maskMap(masked.data);
    if (masked.stringData !== undefined) masked.stringData = maskMap(masked.stringData);
  }
  if (core && masked.kind === "ConfigMap" && masked.data && typeof masked.data === "object") {
    masked.data = Object.fromEntries(
      Object.entries(masked.data as Record<string, unknown>).map(([k, v]) => [
        k,
        typeof v === "string" && secretValue.test(v) ? maskValue(v) : v,
      ]),
    );
  }
  return masked;
}
