/** The benchmark's Git content: N ConfigMaps of ~200 bytes in one namespace, 100 per file. */
import { createHash } from "node:crypto";

export const objectsPerFile = 100;

/** Name of ConfigMap `i` (zero-padded so files sort like their contents). */
export const configMapName = (i: number): string => `cm-${String(i).padStart(5, "0")}`;

/** Namespace of the set of `n` objects. */
export const namespaceOf = (n: number): string => `bench-n${n}`;

/** Folder of the set of `n` objects in the repository. */
export const pathOf = (n: number): string => `apps/n${n}`;

function configMapYaml(n: number, i: number, rev: string): string {
  // 80 hex characters: deterministic filler so each document is ~200 bytes.
  const payload = createHash("sha256").update(`${n}/${i}`).digest("hex").repeat(2).slice(0, 80);
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${configMapName(i)}
  namespace: ${namespaceOf(n)}
data:
  rev: "${rev}"
  payload: ${payload}
`;
}

/** The YAML of file `f` (objects f*100 .. f*100+99) with ConfigMap `changed` at revision `rev`. */
function fileYaml(n: number, f: number, revs: ReadonlyMap<number, string>): string {
  const docs: string[] = [];
  for (let i = f * objectsPerFile; i < Math.min(n, (f + 1) * objectsPerFile); i++) {
    docs.push(configMapYaml(n, i, revs.get(i) ?? "0"));
  }
  return docs.join("---\n");
}

const fileName = (n: number, f: number): string => `${pathOf(n)}/cm-${String(f).padStart(3, "0")}.yaml`;

/** Every file of the set: a Namespace and ceil(n / 100) files of ConfigMaps, all at rev "0". */
export function initialFiles(n: number): Record<string, string> {
  const files: Record<string, string> = {
    [`${pathOf(n)}/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespaceOf(n)}\n`,
  };
  for (let f = 0; f * objectsPerFile < n; f++) files[fileName(n, f)] = fileYaml(n, f, new Map());
  return files;
}

/** The one file that changes when ConfigMap `i` gets data.rev = `rev`. */
export function changedFile(n: number, i: number, rev: string): Record<string, string> {
  const f = Math.floor(i / objectsPerFile);
  return { [fileName(n, f)]: fileYaml(n, f, new Map([[i, rev]])) };
}
