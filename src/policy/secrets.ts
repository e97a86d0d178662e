/** Config and secret checks: plaintext Secrets, secrets in env and ConfigMaps, dangling and duplicate references. */

import type { KubeObject } from "../kube/types.ts";
import { lookup } from "./lookup.ts";
import { type ContainerRef, containersOf, eachContainer, podKinds, podSpecOf, rec, recs, text } from "./objects.ts";
import type { Check, CheckContext, Violation } from "./types.ts";

/** Annotation that marks a Secret manifest as encrypted by a tool other than SOPS. */
export const encryptedAnnotation = "kaika.dev/encrypted";

const secretName = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY)/i;

/** Values that are secrets whatever their key: PEM private keys and AWS access key ids. */
const secretValue = /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/;

/** Literal values that are placeholders or references, not secrets. */
const harmless = /^(?:|\d+|true|false|\$\(.*\)|\$\{.*\}|<.*>|changeme|redacted)$/i;

/**
 * An absolute file path of two or more segments (`/run/secrets/db`): where a secret is mounted, not the
 * secret. Without `+` and `=`, so a base64 secret that happens to start with a slash still counts.
 */
const absolutePath = /^(?:\/[\w.@,:-]+){2,}\/?$/;

/** Names that point at a secret instead of holding it: DB_PASSWORD_FILE, TOKEN_PATH, SECRETS_DIR. */
const pointer = /_(?:FILE|PATH|DIR)$/i;

/** Whether an env var with a secret-looking name has a literal value that is a secret. */
function literalSecret(name: string, value: unknown): boolean {
  if (typeof value !== "string" || !secretName.test(name) || pointer.test(name)) return false;
  const trimmed = value.trim();
  return !harmless.test(trimmed) && !absolutePath.test(trimmed);
}

/** A reference to a Secret, with the field that makes it. */
interface SecretRef {
  readonly name: string;
  readonly field: string;
  /** Who reads it, for the message: "container web", "volume db". */
  readonly reader: string;
}

/**
 * The Secret names a container reads, without the optional ones (the kubelet starts the pod without them):
 * env valueFrom.secretKeyRef and envFrom.secretRef.
 */
function containerSecretRefs(c: ContainerRef): SecretRef[] {
  const reader = `container ${c.name}`;
  const env = recs(c.container.env).flatMap((e) => {
    const ref = rec(rec(e.valueFrom).secretKeyRef);
    const name = text(ref.name);
    return name && ref.optional !== true
      ? [{ name, reader, field: `${c.path}.env[${text(e.name)}].valueFrom.secretKeyRef` }]
      : [];
  });
  const from = recs(c.container.envFrom).flatMap((e, i) => {
    const ref = rec(e.secretRef);
    const name = text(ref.name);
    return name && ref.optional !== true ? [{ name, reader, field: `${c.path}.envFrom[${i}].secretRef` }] : [];
  });
  return [...env, ...from];
}

/** The Secret names a pod's volumes mount, without the optional ones: secret and projected secret sources. */
function volumeSecretRefs(object: KubeObject, context: CheckContext): SecretRef[] {
  const pod = podSpecOf(object, context);
  if (!pod) return [];
  return recs(pod.spec.volumes).flatMap((v) => {
    const volume = text(v.name);
    const reader = `volume ${volume}`;
    const field = `${pod.path}.volumes[${volume}]`;
    const secret = rec(v.secret);
    const direct = text(secret.secretName);
    const refs: SecretRef[] =
      direct && secret.optional !== true ? [{ name: direct, reader, field: `${field}.secret` }] : [];
    recs(rec(v.projected).sources).forEach((source, i) => {
      const projected = rec(source.secret);
      const name = text(projected.name);
      if (name && projected.optional !== true)
        refs.push({ name, reader, field: `${field}.projected.sources[${i}].secret` });
    });
    return refs;
  });
}

/** The config and secret checks. */
export const secretChecks: readonly Check[] = [
  {
    id: "secrets.plaintext-secret",
    scope: "manifest",
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
          .filter((e) => literalSecret(text(e.name), e.value))
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
    scope: "set",
    severity: "info",
    title: "Referenced Secret is not in the input",
    why: "If nothing else creates it, pods stay in CreateContainerConfigError (env) or ContainerCreating (volume).",
    fix: "Add the Secret (encrypted), an ExternalSecret or a SealedSecret to the sources, or mark the reference optional.",
    kinds: podKinds,
    run: (o, context) => {
      const present = lookup(context).secrets(o.metadata.namespace ?? "");
      const refs = [...containersOf(o, context, true).flatMap(containerSecretRefs), ...volumeSecretRefs(o, context)];
      return refs
        .filter((ref) => !present.has(ref.name))
        .map((ref) => ({ field: ref.field, message: `${ref.reader} reads Secret ${ref.name}, not in the input` }));
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
