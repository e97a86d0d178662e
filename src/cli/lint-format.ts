/** Output of `kaika lint`: grouped text for people, JSON, SARIF 2.1.0 and JUnit XML for CI. */
import type { Finding, Scores } from "../policy/index.ts";
import { bad } from "./output.ts";

/** A finding and whether the policy enforces it (an enforced finding fails the lint). */
export interface LintFinding extends Finding {
  readonly enforced: boolean;
}

/** Grouped by object, each line `file:line severity check: message (field)`, the fix below; scores from score(). */
export function formatText(findings: readonly LintFinding[], objects: readonly string[], scores: Scores): string {
  const lines: string[] = [];
  const byObject = new Map<string, LintFinding[]>();
  for (const f of findings) byObject.set(f.object, [...(byObject.get(f.object) ?? []), f]);
  for (const [object, list] of byObject) {
    lines.push(`${object}  (score ${scores.objects[object]})`);
    for (const f of list) {
      const where = f.file ? `${f.file}:${f.line ?? 1}` : "";
      const label = f.enforced ? bad(f.severity.toUpperCase()) : f.severity;
      lines.push(`  ${where} ${label} ${f.check}: ${f.message} (${f.field})`);
      lines.push(`      fix: ${f.fix}`);
    }
  }
  const enforced = findings.filter((f) => f.enforced).length;
  lines.push(`${objects.length} objects, ${findings.length} findings (${enforced} enforced), score ${scores.input}`);
  return lines.join("\n");
}

/** SARIF 2.1.0, as GitHub code scanning reads it; the scores go in the run's property bag. */
export function formatSarif(
  findings: readonly LintFinding[],
  rules: readonly { id: string; why: string; fix: string }[],
  scores: Scores,
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
          properties: { scores },
        },
      ],
    },
    null,
    2,
  );
}

const xml = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

/**
 * JUnit XML: one test case per object, failing with its enforced findings; the scores as testsuite
 * properties, `score` for the input and `score:<object>` for each object.
 */
export function formatJunit(findings: readonly LintFinding[], objects: readonly string[], scores: Scores): string {
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
  const property = (name: string, value: number): string => `      <property name="${xml(name)}" value="${value}"/>`;
  const properties = [
    "    <properties>",
    property("score", scores.input),
    ...Object.entries(scores.objects).map(([object, n]) => property(`score:${object}`, n)),
    "    </properties>",
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="kaika lint" tests="${objects.length}" failures="${failures}">\n${[...properties, ...cases].join("\n")}\n  </testsuite>\n</testsuites>`;
}
