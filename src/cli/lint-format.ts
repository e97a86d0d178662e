/** Output of `kaika lint`: grouped text for people, JSON, SARIF 2.1.0 and JUnit XML for CI. */
import type { Finding } from "../policy/index.ts";
import { bad } from "./output.ts";

/** A finding and whether the policy enforces it (an enforced finding fails the lint). */
export interface LintFinding extends Finding {
  readonly enforced: boolean;
}

/** A workload's score: 100 minus 20 per critical, 5 per warning, 1 per info finding, at least 0. */
export function scores(findings: readonly LintFinding[], objects: readonly string[]): Map<string, number> {
  const weight = { critical: 20, warning: 5, info: 1 } as const;
  const result = new Map(objects.map((o) => [o, 100]));
  for (const f of findings) result.set(f.object, Math.max(0, (result.get(f.object) ?? 100) - weight[f.severity]));
  return result;
}

/** Grouped by object, each line `file:line severity check: message (field)`, the fix below. */
export function formatText(findings: readonly LintFinding[], objects: readonly string[]): string {
  const lines: string[] = [];
  const score = scores(findings, objects);
  const byObject = new Map<string, LintFinding[]>();
  for (const f of findings) byObject.set(f.object, [...(byObject.get(f.object) ?? []), f]);
  for (const [object, list] of byObject) {
    lines.push(`${object}  (score ${score.get(object)})`);
    for (const f of list) {
      const where = f.file ? `${f.file}:${f.line ?? 1}` : "";
      const label = f.enforced ? bad(f.severity.toUpperCase()) : f.severity;
      lines.push(`  ${where} ${label} ${f.check}: ${f.message} (${f.field})`);
      lines.push(`      fix: ${f.fix}`);
    }
  }
  const total =
    objects.length === 0 ? 100 : Math.round([...score.values()].reduce((a, b) => a + b, 0) / objects.length);
  const enforced = findings.filter((f) => f.enforced).length;
  lines.push(`${objects.length} objects, ${findings.length} findings (${enforced} enforced), score ${total}`);
  return lines.join("\n");
}

/** SARIF 2.1.0, as GitHub code scanning reads it. */
export function formatSarif(
  findings: readonly LintFinding[],
  rules: readonly { id: string; why: string; fix: string }[],
): string {
  const level = { critical: "error", warning: "warning", info: "note" } as const;
  return JSON.stringify(
    {
      $schema: "https://json.schemastore.org/sarif-2.1.0.json",
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: "kaika",
              informationUri: "https://kaika.dev/docs/checks",
              rules: rules.map((r) => ({ id: r.id, shortDescription: { text: r.why }, help: { text: r.fix } })),
            },
          },
          results: findings.map((f) => ({
            ruleId: f.check,
            level: level[f.severity],
            message: { text: `${f.object}: ${f.message} (${f.field})` },
            locations: f.file
              ? [{ physicalLocation: { artifactLocation: { uri: f.file }, region: { startLine: f.line ?? 1 } } }]
              : [],
          })),
        },
      ],
    },
    null,
    2,
  );
}

const xml = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

/** JUnit XML: one test case per object, failing with its enforced findings. */
export function formatJunit(findings: readonly LintFinding[], objects: readonly string[]): string {
  const cases = objects.map((object) => {
    const failing = findings.filter((f) => f.object === object && f.enforced);
    const body = failing
      .map(
        (f) =>
          `      <failure type="${xml(f.check)}" message="${xml(f.message)}">${xml(`${f.file ?? ""}:${f.line ?? ""} ${f.field}\nfix: ${f.fix}`)}</failure>`,
      )
      .join("\n");
    return `    <testcase classname="kaika.lint" name="${xml(object)}">${body ? `\n${body}\n    ` : ""}</testcase>`;
  });
  const failures = objects.filter((o) => findings.some((f) => f.object === o && f.enforced)).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="kaika lint" tests="${objects.length}" failures="${failures}">\n${cases.join("\n")}\n  </testsuite>\n</testsuites>`;
}
