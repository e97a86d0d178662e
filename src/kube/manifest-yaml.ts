/** YAML for Kubernetes tools: kubectl and helm read YAML 1.1, where an unquoted off/on/yes/no is a boolean. */
import { stringify } from "yaml";
import type { KubeObject } from "./types.ts";

/** Objects as `---`-separated YAML documents, with every string a YAML 1.1 reader would misread quoted. */
export function manifestYaml(objects: readonly KubeObject[], header = ""): string {
  return header + objects.map((object) => `---\n${stringify(object, { version: "1.1", lineWidth: 0 })}`).join("");
}
