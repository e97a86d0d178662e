/** Writing PromQL safely: string literals and label matchers. */

/** A PromQL string literal for `value`. */
export function promString(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
}

/** A regular expression matching exactly one of `values`. */
export function anyOf(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

/**
 * A matcher list: `{a="x",b=~"p|q"}` for equal labels and label → alternatives;
 * "" when there is nothing to match.
 */
export function matchers(
  equal: Readonly<Record<string, string>>,
  oneOf: Readonly<Record<string, readonly string[]>> = {},
): string {
  const parts = Object.entries(equal).map(([k, v]) => `${k}=${promString(v)}`);
  for (const [k, values] of Object.entries(oneOf)) parts.push(`${k}=~${promString(anyOf(values))}`);
  return parts.length ? `{${parts.join(",")}}` : "";
}
