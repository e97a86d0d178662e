/** GitSource (kaika.dev/v1alpha1): a Git repository kaika fetches, at a branch, tag, semver range or commit. */
import Type, { type Static } from "typebox";
import { Conditions, Duration } from "./schema.ts";

export const GitSourceSpec = Type.Object({
  url: Type.String({ description: "Repository URL: https://, ssh://, git:// or file://.", minLength: 1 }),
  ref: Type.Optional(
    Type.Object(
      {
        branch: Type.Optional(Type.String({ description: "Branch to follow." })),
        tag: Type.Optional(Type.String({ description: "Tag to use." })),
        semver: Type.Optional(Type.String({ description: "Semver range: the highest matching tag is used." })),
        commit: Type.Optional(Type.String({ description: "Commit SHA to pin.", pattern: "^[0-9a-f]{7,40}$" })),
      },
      { description: "What to fetch; default: the remote's HEAD branch.", maxProperties: 1 },
    ),
  ),
  interval: Duration("How often to check for new commits; webhooks make it immediate.", "1m"),
  timeout: Type.Optional(Duration("Timeout of one fetch.", "60s")),
  secretRef: Type.Optional(
    Type.Object(
      { name: Type.String({ minLength: 1 }) },
      {
        description: "Secret in the same namespace with username/password (HTTPS) or identity/known_hosts (SSH).",
      },
    ),
  ),
  webhook: Type.Optional(
    Type.Object(
      {
        secretRef: Type.Object(
          { name: Type.String({ minLength: 1 }) },
          { description: "Secret with key `token`: the HMAC key (GitHub, Gitea) or token (GitLab, Bearer)." },
        ),
      },
      { description: "Accept push webhooks at /hooks/<namespace>/<name> of kaika run's webhook address." },
    ),
  ),
  ignore: Type.Optional(Type.String({ description: ".gitignore-style patterns of files to leave out." })),
  suspend: Type.Optional(Type.Boolean({ description: "Stop fetching.", default: false })),
});

export const GitSourceStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  lastHandledReconcileAt: Type.Optional(Type.String()),
  conditions: Type.Optional(Conditions),
  artifact: Type.Optional(
    Type.Object({
      revision: Type.String({ description: "e.g. main@sha1:<commit>" }),
      commit: Type.String(),
      digest: Type.String({ description: "sha256 of the tree's files" }),
      files: Type.Optional(Type.Integer()),
      lastUpdateTime: Type.String({ format: "date-time" }),
    }),
  ),
});

export type GitSourceSpec = Static<typeof GitSourceSpec>;
export type GitSourceStatus = Static<typeof GitSourceStatus>;

export const gitSourceDefinition = {
  kind: "GitSource",
  plural: "gitsources",
  singular: "gitsource",
  shortNames: ["gs"],
  spec: GitSourceSpec,
  status: GitSourceStatus,
  printerColumns: [
    { name: "URL", type: "string", jsonPath: ".spec.url" },
    { name: "Revision", type: "string", jsonPath: ".status.artifact.revision" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
} as const;
