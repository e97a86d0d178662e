/**
 * The side-by-side benchmark's Git content: for each tool its own folder and namespace
 * (<tool>/n<N>, namespace <tool>-n<N>) holding a Namespace and N ConfigMaps of ~200 bytes, 100 per
 * file — the same shape as bench/sync/manifests.ts, so both tools get identical work.
 */
import { createHash } from "node:crypto";
import { configMapName, objectsPerFile } from "../sync/manifests.ts";

export { configMapName };

export type Tool = "kaika" | "flux";

export const namespaceOf = (tool: Tool, n: number): string => `${tool}-n${n}`;
export const pathOf = (tool: Tool, n: number): string => `${tool}/n${n}`;

function configMapYaml(tool: Tool, n: number, i: number, rev: string): string {
  // 80 hex characters: deterministic filler so each document is ~200 bytes.
  const payload = createHash("sha256").update(`${n}/${i}`).digest("hex").repeat(2).slice(0, 80);
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${configMapName(i)}
  namespace: ${namespaceOf(tool, n)}
data:
  rev: "${rev}"
  payload: ${payload}
`;
}

function fileYaml(tool: Tool, n: number, f: number, revs: ReadonlyMap<number, string>): string {
  const docs: string[] = [];
  for (let i = f * objectsPerFile; i < Math.min(n, (f + 1) * objectsPerFile); i++) {
    docs.push(configMapYaml(tool, n, i, revs.get(i) ?? "0"));
  }
  return docs.join("---\n");
}

const fileName = (tool: Tool, n: number, f: number): string =>
  `${pathOf(tool, n)}/cm-${String(f).padStart(3, "0")}.yaml`;

/** Every file of the set: a Namespace and ceil(n / 100) files of ConfigMaps, all at rev "0". */
export function initialFiles(tool: Tool, n: number): Record<string, string> {
  const files: Record<string, string> = {
    [`${pathOf(tool, n)}/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespaceOf(tool, n)}\n`,
  };
  for (let f = 0; f * objectsPerFile < n; f++) files[fileName(tool, n, f)] = fileYaml(tool, n, f, new Map());
  return files;
}

/** The one file that changes when ConfigMap `i` gets data.rev = `rev`. */
export function changedFile(tool: Tool, n: number, i: number, rev: string): Record<string, string> {
  const f = Math.floor(i / objectsPerFile);
  return { [fileName(tool, n, f)]: fileYaml(tool, n, f, new Map([[i, rev]])) };
}
