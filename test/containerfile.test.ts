/**
 * The Containerfile, checked against the repository as far as it can be without a container
 * engine: what it copies exists and is not dockerignored, the Node and Go it builds with are the
 * ones the project pins, it runs as a numeric non-root user, and its ENTRYPOINT is kaika.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { describe, it } from "node:test";

const root = join(import.meta.dirname, "..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");

/** One instruction: its keyword and arguments, with line continuations joined. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** One build stage: FROM's image and name, and its instructions. */
interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Parses a Containerfile's instructions (comments dropped, `\` continuations joined) into stages. */
function parse(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] ?? "";
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i] ?? ""}`;
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    assert.ok(match, `Containerfile:${start + 1}: not an instruction: ${line}`);
    const instruction = { keyword: (match[1] ?? "").toUpperCase(), args: (match[2] ?? "").trim(), line: start + 1 };
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else {
      assert.ok(stages.length > 0, `Containerfile:${start + 1}: ${instruction.keyword} before FROM`);
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** COPY's flags (--from=x, --chown=...), sources and destination. */
function copyArgs(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = args.startsWith("[") ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith("--")) {
    const [k = "", v = ""] = (words.shift() ?? "").slice(2).split("=");
    flags[k] = v;
  }
  const dest = words.pop() ?? "";
  return { flags, sources: words, dest };
}

/** Whether .dockerignore's `patterns` leave `path` (or a folder above it) out of the build context. */
function ignored(patterns: readonly string[], path: string): boolean {
  const regex = (pattern: string): RegExp =>
    new RegExp(
      `^${pattern
        .replace(/^\/+|\/+$/g, "")
        .split("")
        .map((c) => (c === "*" ? "\0" : c === "?" ? "[^/]" : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("")
        .replaceAll("\0\0/", "(?:.*/)?")
        .replaceAll("\0\0", ".*")
        .replaceAll("\0", "[^/]*")}$`,
    );
  const parts = path.split("/");
  let excluded = false;
  // Later patterns win; a `!pattern` puts a path back.
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const re = regex(negate ? raw.slice(1) : raw);
    if (parts.some((_, i) => re.test(parts.slice(0, i + 1).join("/")))) excluded = !negate;
  }
  return excluded;
}

const stages = parse(read("Containerfile"));
const runtime = stages.at(-1);
const dockerignore = read(".dockerignore")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const all = (stage: Stage | undefined, keyword: string): Instruction[] =>
  stage?.instructions.filter((i) => i.keyword === keyword) ?? [];
const last = (stage: Stage | undefined, keyword: string): Instruction | undefined => all(stage, keyword).at(-1);

describe("Containerfile", () => {
  it("parses into named build stages and a runtime stage", () => {
    assert.ok(runtime);
    assert.deepEqual(
      stages.map((s) => s.name),
      ["helm", "kubectl", "deps", undefined],
    );
  });

  it("copies only paths that exist in the repository and that .dockerignore keeps", () => {
    const copies = stages.flatMap((s) => all(s, "COPY").concat(all(s, "ADD")));
    assert.ok(copies.length > 0);
    for (const copy of copies) {
      const { flags, sources } = copyArgs(copy.args);
      if (flags.from) {
        assert.ok(
          stages.some((s) => s.name === flags.from),
          `Containerfile:${copy.line}: no stage ${flags.from}`,
        );
        continue;
      }
      for (const source of sources) {
        assert.ok(existsSync(join(root, source)), `Containerfile:${copy.line}: ${source} does not exist`);
        assert.ok(!ignored(dockerignore, source), `Containerfile:${copy.line}: .dockerignore leaves out ${source}`);
      }
    }
  });

  it("runs on the Node.js 24 the project pins (scripts/toolchain.sh), slim, and installs production dependencies only", () => {
    const pinned = /^KAIKA_NODE_VERSION=(\S+)$/m.exec(read("scripts/toolchain.sh"))?.[1];
    assert.ok(pinned?.startsWith("24."), `toolchain pins ${pinned}`);
    assert.equal(runtime?.image, `node:${pinned}-bookworm-slim`);
    const deps = stages.find((s) => s.name === "deps");
    assert.equal(deps?.image, `node:${pinned}-bookworm`, "the deps stage builds native addons for the same Node");
    assert.match(
      all(deps, "RUN")
        .map((r) => r.args)
        .join("\n"),
      /npm ci --omit=dev/,
    );
  });

  it("builds helm and kubectl with a Go at least as new as tools/helm and tools/kube require", () => {
    for (const [stage, tool] of [
      ["helm", "helm"],
      ["kubectl", "kube"],
    ] as const) {
      const image = stages.find((s) => s.name === stage)?.image ?? "";
      const go = /^go (\d+)\.(\d+)/m.exec(read(`tools/${tool}/go.mod`));
      const tag = /^golang:(\d+)\.(\d+)/.exec(image);
      assert.ok(go && tag, `${stage}: ${image}`);
      assert.ok(
        Number(tag[1]) * 1000 + Number(tag[2]) >= Number(go[1]) * 1000 + Number(go[2]),
        `${image} is older than tools/${tool}/go.mod's go ${go[1]}.${go[2]}`,
      );
      assert.match(
        all(
          stages.find((s) => s.name === stage),
          "COPY",
        )[0]?.args ?? "",
        new RegExp(`tools/${tool}/go.mod`),
      );
    }
  });

  it("gives kaika the git, kubectl and helm it shells out to", () => {
    assert.match(
      all(runtime, "RUN")
        .map((r) => r.args)
        .join("\n"),
      /apt-get install [^&]*\bgit\b/,
    );
    const fromStages = all(runtime, "COPY")
      .map((c) => copyArgs(c.args))
      .filter((c) => c.flags.from);
    for (const binary of ["helm", "kubectl"])
      assert.ok(
        fromStages.some((c) => c.flags.from === binary && c.dest === `/usr/local/bin/${binary}`),
        `${binary} is copied to /usr/local/bin`,
      );
    // The Helm renderer takes $KAIKA_HELM first (src/controllers/render.ts).
    assert.match(
      all(runtime, "ENV")
        .map((e) => e.args)
        .join(" "),
      /KAIKA_HELM=\/usr\/local\/bin\/helm/,
    );
  });

  it("runs as a numeric non-root user", () => {
    const user = last(runtime, "USER")?.args ?? "";
    assert.match(user, /^\d+(:\d+)?$/, "numeric, so runAsNonRoot can verify it");
    assert.notEqual(Number(user.split(":")[0]), 0);
    assert.equal(user, "65532:65532");
  });

  it("enters kaika's CLI, which the image has, and runs `kaika run` by default", () => {
    const entrypoint = JSON.parse(last(runtime, "ENTRYPOINT")?.args ?? "null") as string[];
    assert.ok(Array.isArray(entrypoint), "exec form");
    const main = entrypoint.find((a) => a.endsWith(".ts"));
    assert.ok(main, `${entrypoint.join(" ")} runs a .ts file`);
    // Map the in-image path back to the repository through WORKDIR and the COPYs.
    const workdir = last(runtime, "WORKDIR")?.args ?? "/";
    const mapped = all(runtime, "COPY")
      .map((c) => copyArgs(c.args))
      .filter((c) => !c.flags.from && c.sources.length === 1)
      .map((c) => ({ source: c.sources[0] ?? "", dest: posix.resolve(workdir, c.dest) }))
      .find((c) => main.startsWith(`${c.dest}/`));
    assert.ok(mapped, `${main} comes from no COPY`);
    const source = posix.join(mapped.source, main.slice(mapped.dest.length + 1));
    assert.equal(source, "src/cli/main.ts");
    assert.ok(existsSync(join(root, source)));
    assert.ok(!ignored(dockerignore, source));
    assert.deepEqual(JSON.parse(last(runtime, "CMD")?.args ?? "null"), ["run"]);
  });

  it("labels the image with the OCI annotations", () => {
    const labels = all(runtime, "LABEL")
      .map((l) => l.args)
      .join(" ");
    for (const key of ["title", "description", "licenses", "version", "revision", "source"])
      assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${key}=`));
    const { license } = JSON.parse(read("package.json")) as { license: string };
    assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.licenses="${license}"`));
  });
});

describe(".dockerignore", () => {
  it("leaves node_modules, .git, test output and tests out of the build context", () => {
    for (const path of [
      "node_modules/commander/index.js",
      ".git/HEAD",
      "dist/cli/main.js",
      "kaika-test.log",
      "coverage/lcov.info",
      ".kaika/state.json",
      "test/containerfile.test.ts",
      "src/cli/config.test.ts",
      "src/render/testdata/kustomize/base/kustomization.yaml",
    ])
      assert.ok(ignored(dockerignore, path), `${path} should be ignored`);
    for (const path of ["src/cli/main.ts", "package.json", "package-lock.json", "tools/helm/go.mod", "deploy"])
      assert.ok(!ignored(dockerignore, path), `${path} should be kept`);
  });
});
