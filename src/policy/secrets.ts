/** Config and secret checks: plaintext Secrets, secrets in env and ConfigMaps, dangling and duplicate references. */

import { lookup } from "./lookup.ts";
import { type ContainerRef, containersOf, eachContainer, podKinds, rec, recs, text } from "./objects.ts";
import type { Check, Violation } from "./types.ts";

/** Annotation that marks a Secret manifest as encrypted by a tool other than SOPS. */
export const encryptedAnnotation = "kaika.dev/encrypted";

const secretName = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY)/i;

/** Values that are secrets whatever their key: PEM private keys and AWS access key ids. */
const secretValue = /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/;

/** Literal values that are placeholders or references, not secrets. */
const harmless = /^(?:|\d+|true|false|\$\(.*\)|\$\{.*\}|<.*>|changeme|redacted)$/i;

/** The Secret names a container reads: env valueFrom.secretKeyRef and envFrom.secretRef, with their fields. */
function secretRefs(c: ContainerRef): { name: string; field: string }[] {
  const env = recs(c.container.env).flatMap((e) => {
    const name = text(rec(rec(e.valueFrom).secretKeyRef).name);
    return name ? [{ name, field: `${c.path}.env[${text(e.name)}].valueFrom.secretKeyRef` }] : [];
  });
  const from = recs(c.container.envFrom).flatMap((e, i) => {
    const name = text(rec(e.secretRef).name);
    return name ? [{ name, field: `${c.path}.envFrom[${i}].secretRef` }] : [];
  });
  return [...env, ...from];
}

/** The config and secret checks. */
export const secretChecks: readonly Check[] = [
  {
    id: "secrets.plaintext-secret",
    severity: "critical",
    title: "Secret manifest holds plaintext data",
    why: "base64 is not encryption: anyone who can read the repository reads the secret.",
    fix: `Encrypt it with SOPS, or use SealedSecrets or External Secrets (or annotate ${encryptedAnnotation} if encrypted otherwise).`,
    kinds: ["Secret"],
    run: (o) => {
      if (o.sops !== undefined || o.metadata.annotations?.[encryptedAnnotation] !== undefined) return [];
      return (["data", "stringData"] as const)
        .filter((key) => Object.keys(rec(o[key])).length > 0)
        .map((key) => ({
          field: key,
          message: `Secret ${o.metadata.name ?? ""} has plaintext ${key}: base64 is not encryption`,
        }));
    },
  },
  {
    id: "secrets.env-literal",
    severity: "critical",
    title: "Secret-looking env var has a literal value",
    why: "The value is in Git, in the Deployment for anyone with read access, and in every ReplicaSet revision.",
    fix: "Move the value to a Secret and read it with valueFrom.secretKeyRef.",
    kinds: podKinds,
    run: (o, context) =>
      containersOf(o, context, true).flatMap((c): Violation[] =>
        recs(c.container.env)
          .filter((e) => secretName.test(text(e.name)) && typeof e.value === "string" && !harmless.test(e.value.trim()))
          .map((e) => ({
            field: `${c.path}.env[${text(e.name)}].value`,
            message: `container ${c.name}: env ${text(e.name)} has a literal value`,
          })),
      ),
  },
  {
    id: "secrets.configmap-data",
    severity: "critical",
    title: "ConfigMap holds a secret",
    why: "ConfigMaps are readable by far more users and tools than Secrets, and are never encrypted at rest.",
    fix: "Move the private key or access key to an encrypted Secret.",
    kinds: ["ConfigMap"],
    run: (o) =>
      Object.entries(rec(o.data))
        .filter(([, value]) => secretValue.test(text(value)))
        .map(([key]) => ({
          field: `data[${key}]`,
          message: `ConfigMap ${o.metadata.name ?? ""} key ${key} holds a private key or access key`,
        })),
  },
  {
    id: "secrets.ref-missing",
    severity: "info",
    title: "Referenced Secret is not in the input",
    why: "If nothing else creates it, pods stay in CreateContainerConfigError.",
    fix: "Add the Secret (encrypted) to the sources, or make sure an operator (External Secrets, …) creates it.",
    kinds: podKinds,
    run: (o, context) => {
      const present = lookup(context).names("Secret", o.metadata.namespace ?? "");
      return containersOf(o, context, true).flatMap((c) =>
        secretRefs(c)
          .filter((ref) => !present.has(ref.name))
          .map((ref) => ({
            field: ref.field,
            message: `container ${c.name} reads Secret ${ref.name}, not in the input`,
          })),
      );
    },
  },
  {
    id: "config.env-duplicate",
    severity: "warning",
    title: "Env var defined twice in one container",
    why: "The last definition silently wins, and server-side apply merges the list by name unpredictably.",
    fix: "Keep one definition of each env var name.",
    kinds: podKinds,
    run: (o, context) =>
      eachContainer(
        o,
        context,
        (c) => {
          const seen = new Set<string>();
          for (const e of recs(c.container.env)) {
            const name = text(e.name);
            if (seen.has(name))
              return { field: `${c.path}.env[${name}]`, message: `container ${c.name} defines env ${name} twice` };
            seen.add(name);
          }
          return undefined;
        },
        true,
      ),
  },
];
