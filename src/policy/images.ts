/** Image checks: pinned tags and digests, trusted registries, a pull policy that can pull. */

import { eachContainer, podKinds, text } from "./objects.ts";
import type { Check } from "./types.ts";

/** An image reference split: registry host ("docker.io" when none), repository path, tag, digest. */
export interface ImageReference {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Parses "ghcr.io/acme/web:1.2@sha256:…" as the container runtime does (docker.io when no host). */
export function parseImage(image: string): ImageReference {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  const hasHost = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasHost ? first : "docker.io";
  const rest = hasHost ? name.slice(slash + 1) : name;
  const colon = rest.lastIndexOf(":");
  const tag = colon > rest.lastIndexOf("/") ? rest.slice(colon + 1) : undefined;
  const repository = tag === undefined ? rest : rest.slice(0, colon);
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** Whether an image comes from a trusted entry: a registry host ("ghcr.io") or a host/path prefix ("ghcr.io/acme"). */
export function trusted(image: ImageReference, registries: readonly string[]): boolean {
  const full = `${image.registry}/${image.repository}`;
  return registries.some((r) => {
    const entry = r.replace(/\/+$/, "");
    return image.registry === entry || full.startsWith(`${entry}/`);
  });
}

/** The image checks. */
export const imageChecks: readonly Check[] = [
  {
    id: "images.tag-mutable",
    severity: "critical",
    title: "Image has no tag or uses latest",
    why: "The image behind the name changes under you: rollbacks and reruns run different code.",
    fix: "Use an immutable version tag (web:1.4.2), ideally with a digest.",
    kinds: podKinds,
    run: (o, context) =>
      eachContainer(
        o,
        context,
        (c) => {
          const image = parseImage(text(c.container.image));
          if (image.digest !== undefined || (image.tag !== undefined && image.tag !== "latest")) return undefined;
          const problem = image.tag === undefined ? "has no tag" : "uses latest";
          return {
            field: `${c.path}.image`,
            message: `container ${c.name}: image ${text(c.container.image)} ${problem}`,
          };
        },
        true,
      ),
  },
  {
    id: "images.digest-missing",
    severity: "info",
    title: "Image is not pinned by digest",
    why: "A tag can be moved to another image; only a digest guarantees what runs.",
    fix: "Append the digest: web:1.4.2@sha256:….",
    kinds: podKinds,
    run: (o, context) =>
      eachContainer(
        o,
        context,
        (c) =>
          parseImage(text(c.container.image)).digest === undefined
            ? {
                field: `${c.path}.image`,
                message: `container ${c.name}: image ${text(c.container.image)} has no digest`,
              }
            : undefined,
        true,
      ),
  },
  {
    id: "images.registry-untrusted",
    severity: "critical",
    title: "Image comes from an untrusted registry",
    why: "Images from registries outside the allowed list escape scanning and signing.",
    fix: "Mirror the image into a trusted registry and reference it there.",
    kinds: podKinds,
    run: (o, context) => {
      const registries = context.trustedRegistries;
      if (!registries) return [];
      return eachContainer(
        o,
        context,
        (c) => {
          const image = parseImage(text(c.container.image));
          return trusted(image, registries)
            ? undefined
            : {
                field: `${c.path}.image`,
                message: `container ${c.name}: registry ${image.registry} is not trusted (${text(c.container.image)})`,
              };
        },
        true,
      );
    },
  },
  {
    id: "images.pull-never",
    severity: "warning",
    title: "imagePullPolicy is Never",
    why: "The pod starts only on nodes that happen to have the image already.",
    fix: "Use IfNotPresent (with an immutable tag) or Always.",
    kinds: podKinds,
    run: (o, context) =>
      eachContainer(
        o,
        context,
        (c) =>
          c.container.imagePullPolicy === "Never"
            ? { field: `${c.path}.imagePullPolicy`, message: `container ${c.name} has imagePullPolicy Never` }
            : undefined,
        true,
      ),
  },
];
