/** `kaika version`. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cachedBinaries, pinnedVersions } from "../localfleet/index.ts";
import type { GlobalOptions } from "./main.ts";
import { print } from "./output.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

/** Prints kaika's version and the versions of what it runs on. */
export function version(options: GlobalOptions): void {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  const pinned = pinnedVersions();
  const info = {
    kaika: pkg.version,
    commit: gitCommit(),
    node: process.version,
    localFleet: {
      kubernetes: pinned.kubernetes,
      etcd: pinned.etcd,
      kwok: pinned.kwok,
      built: cachedBinaries() !== undefined,
    },
  };
  print(options.output, info, () => {
    console.log(`kaika       ${info.kaika}`);
    console.log(`commit      ${info.commit}`);
    console.log(`node        ${info.node}`);
    console.log(
      `kubernetes  ${pinned.kubernetes} (local fleet binaries ${info.localFleet.built ? "built" : "not built yet: kaika dev build"})`,
    );
    console.log(`etcd        ${pinned.etcd}`);
    console.log(`kwok        ${pinned.kwok}`);
  });
}
