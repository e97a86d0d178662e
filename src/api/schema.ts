/** Shared schema pieces of kaika's API, and the conversion of TypeBox schemas to CRD structural schemas. */
import Type, { type TSchema } from "typebox";

/** A Go-style duration: "30s", "5m", "1h30m". */
export const Duration = (description: string, defaultValue?: string) =>
  Type.String({
    description,
    pattern: "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$",
    ...(defaultValue ? { default: defaultValue } : {}),
  });

/** A reference to an object in the same namespace (or another, where allowed). */
export const ObjectReference = Type.Object({
  name: Type.String({ description: "Name of the referent.", minLength: 1 }),
  namespace: Type.Optional(Type.String({ description: "Namespace of the referent; defaults to the referrer's." })),
});

/** metav1.Condition. */
export const Condition = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: Type.Union([Type.Literal("True"), Type.Literal("False"), Type.Literal("Unknown")]),
  reason: Type.String({ maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.String({ format: "date-time" }),
});

/** status.conditions as a list-map keyed by type, so server-side apply merges it per condition. */
export const Conditions = Type.Array(Condition, {
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
});

// Keywords a CRD's structural schema accepts; TypeBox's own markers and the rest are dropped.
const allowed = new Set([
  "type",
  "format",
  "description",
  "default",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "required",
  "properties",
  "items",
  "additionalProperties",
  "patternProperties",
  "nullable",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-validations",
]);

/**
 * Converts a TypeBox schema to an OpenAPI v3 structural schema: unions of
 * literals become enums, TypeBox markers go, and `additionalProperties`
 * is kept only where it describes a map (objects without properties).
 */
export function structural(schema: TSchema): Record<string, unknown> {
  const s = schema as Record<string, unknown>;
  const anyOf = s.anyOf as Record<string, unknown>[] | undefined;
  if (anyOf?.every((m) => "const" in m)) {
    const values = anyOf.map((m) => m.const);
    return {
      type: typeof values[0] === "number" ? "integer" : "string",
      enum: values,
      ...pick(s, ["description", "default"]),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (!allowed.has(key)) continue;
    if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, TSchema>).map(([k, v]) => [k, structural(v)]),
      );
    } else if (key === "items") out.items = structural(value as TSchema);
    else if (key === "patternProperties" && !s.properties) {
      // Type.Record(String, X) is the CRD's map of X.
      const [only] = Object.values(value as Record<string, TSchema>);
      if (only) out.additionalProperties = structural(only);
    } else if ((key === "exclusiveMinimum" || key === "exclusiveMaximum") && typeof value === "number") {
      // JSON Schema's numeric form; OpenAPI v3.0 (CRDs) wants the bound plus a boolean.
      out[key === "exclusiveMinimum" ? "minimum" : "maximum"] = value;
      out[key] = true;
    } else if (key === "additionalProperties") {
      if (typeof value === "object" && !s.properties) out.additionalProperties = structural(value as TSchema);
    } else if (key === "required") {
      if ((value as string[]).length > 0) out.required = value;
    } else out[key] = value;
  }
  return out;
}

function pick(s: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
}

/** metav1.LabelSelector: matchLabels and matchExpressions, all of which must hold; empty selects all. */
export const labelSelector = (description: string) =>
  Type.Object(
    {
      matchLabels: Type.Optional(Type.Record(Type.String(), Type.String())),
      matchExpressions: Type.Optional(
        Type.Array(
          Type.Object({
            key: Type.String({ minLength: 1 }),
            operator: Type.Union([
              Type.Literal("In"),
              Type.Literal("NotIn"),
              Type.Literal("Exists"),
              Type.Literal("DoesNotExist"),
            ]),
            values: Type.Optional(Type.Array(Type.String())),
          }),
        ),
      ),
    },
    { description },
  );

/** A selector of Cluster objects. */
export const LabelSelector = labelSelector(
  "Labels of Cluster objects: matchLabels and matchExpressions; empty selects every Cluster.",
);
