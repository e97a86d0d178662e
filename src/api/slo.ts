/** ServiceLevelObjective (kaika.dev/v1alpha1): a service's SLO, turned into Prometheus rules and an error budget. */
import Type, { type Static } from "typebox";
import { Conditions, labelSelector } from "./schema.ts";

/**
 * A map of strings (labels, annotations). Written as a plain schema: structural()
 * keeps additionalProperties only on objects without properties, and Type.Record's
 * patternProperties would be dropped (the apiserver would prune the map's contents).
 */
const StringMap = (description: string) =>
  Type.Unsafe<Record<string, string>>({
    type: "object",
    description,
    additionalProperties: { type: "string", maxLength: 4096 },
  });

const Query = (description: string) => Type.String({ description, minLength: 1 });

const AlertOptions = (severity: string) =>
  Type.Object(
    {
      disable: Type.Optional(Type.Boolean({ description: `Do not generate the ${severity} alert.`, default: false })),
      labels: Type.Optional(StringMap(`Labels of the ${severity} alert (they override the defaults).`)),
      annotations: Type.Optional(StringMap(`Annotations of the ${severity} alert.`)),
    },
    { description: `The ${severity} alert.` },
  );

export const ServiceLevelObjectiveSpec = Type.Object({
  service: Type.String({
    description: "The service this SLO is about (label slo_service).",
    minLength: 1,
    maxLength: 253,
  }),
  description: Type.Optional(Type.String({ description: "What the SLO promises, for people." })),
  indicator: Type.Object(
    {
      ratio: Type.Optional(
        Type.Object(
          {
            errors: Type.Optional(Query("PromQL of bad events per second over {{.window}}; or give good.")),
            good: Type.Optional(Query("PromQL of good events per second over {{.window}}; or give errors.")),
            total: Query("PromQL of all events per second over {{.window}}."),
          },
          {
            description:
              'Events ratio: queries use {{.window}} as their range, e.g. sum(rate(http_requests_total{code=~"5.."}[{{.window}}])).',
            "x-kubernetes-validations": [
              { rule: "has(self.errors) != has(self.good)", message: "set exactly one of errors or good" },
            ],
          },
        ),
      ),
      latency: Type.Optional(
        Type.Object(
          {
            metric: Type.String({
              description: "Histogram base name: <metric>_bucket and <metric>_count are read.",
              pattern: "^[a-zA-Z_:][a-zA-Z0-9_:]*$",
            }),
            threshold: Type.String({
              description: 'The le of the bucket that counts as fast enough, exactly as exported (e.g. "0.3").',
              minLength: 1,
            }),
            selector: Type.Optional(
              Type.String({ description: 'Label matchers without braces, e.g. job="checkout",route!="/health".' }),
            ),
            groupBy: Type.Optional(
              Type.Array(Type.String({ pattern: "^[a-zA-Z_][a-zA-Z0-9_]*$" }), {
                description: "Labels kept per series (e.g. cluster), so budgets and gates see them apart.",
              }),
            ),
          },
          { description: "Latency: the share of requests slower than threshold are the errors." },
        ),
      ),
    },
    {
      description: "What counts as good: an events ratio or a latency threshold.",
      "x-kubernetes-validations": [
        { rule: "has(self.ratio) != has(self.latency)", message: "set exactly one of ratio or latency" },
      ],
    },
  ),
  // OpenAPI v3.0 (CRDs) has boolean exclusiveMinimum, JSON Schema numeric: a CEL rule says "exclusive" to both.
  objective: Type.Number({
    description: "Target percentage of good events, above 0 and below 100, e.g. 99.9.",
    minimum: 0,
    maximum: 100,
    "x-kubernetes-validations": [{ rule: "self > 0.0 && self < 100.0", message: "must be above 0 and below 100" }],
  }),
  window: Type.String({
    description: "Rolling window in days, e.g. 30d or 28d (7d to 365d).",
    pattern: "^[0-9]+d$",
    default: "30d",
  }),
  labels: Type.Optional(StringMap("Labels added to every generated series and alert.")),
  clusterSelector: Type.Optional(
    labelSelector(
      "Fleet Clusters that get these rules too, for their own Prometheus (same namespace, created if missing); {} selects every Cluster. Unset: only the cluster kaika runs in.",
    ),
  ),
  alerting: Type.Optional(
    Type.Object(
      {
        disable: Type.Optional(Type.Boolean({ description: "Generate no alerts.", default: false })),
        name: Type.Optional(
          Type.String({
            description: "Alert name of both the page and the ticket alert; default ErrorBudgetBurn.",
            pattern: "^[a-zA-Z_][a-zA-Z0-9_]*$",
          }),
        ),
        labels: Type.Optional(StringMap("Labels of both alerts.")),
        annotations: Type.Optional(StringMap("Annotations of both alerts.")),
        page: Type.Optional(AlertOptions("page")),
        ticket: Type.Optional(AlertOptions("ticket")),
      },
      { description: "Multi-window multi-burn-rate alerts: page (fast burn) and ticket (slow burn)." },
    ),
  ),
});

const BurnRate = Type.Object({
  window: Type.String({ description: "e.g. 5m, 1h, 30d" }),
  rate: Type.Number({ description: "Error ratio over the window divided by the error budget (1 = on budget)." }),
});

export const ServiceLevelObjectiveStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Conditions),
  rules: Type.Optional(
    Type.Object(
      {
        kind: Type.String({ description: "PrometheusRule, or ConfigMap where that CRD is not installed." }),
        name: Type.String(),
        groups: Type.Integer(),
        rules: Type.Integer(),
      },
      { description: "Where the generated rules were written." },
    ),
  ),
  clusters: Type.Optional(
    Type.Array(
      Type.Object({
        cluster: Type.String({ description: "The Cluster's name (same namespace as this SLO's Cluster objects)." }),
        namespace: Type.String({ description: "The Cluster object's namespace." }),
        state: Type.String({ description: "Written, Failed or Unreachable." }),
        kind: Type.Optional(
          Type.String({ description: "PrometheusRule, or ConfigMap where that CRD is not installed." }),
        ),
        message: Type.Optional(Type.String()),
      }),
      { description: "Fleet Clusters selected by spec.clusterSelector and the state of the rules there." },
    ),
  ),
  errorBudgetRemaining: Type.Optional(
    Type.Number({ description: "Share of the window's error budget left (1 = untouched, below 0 = overspent)." }),
  ),
  burnRates: Type.Optional(Type.Array(BurnRate, { description: "The highest burn rate per window." })),
  timeToExhaustion: Type.Optional(
    Type.String({ description: "At the current 1h burn rate, when the budget runs out (e.g. 52h30m)." }),
  ),
  alerts: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        severity: Type.String({ description: "page or ticket" }),
        state: Type.String({ description: "pending or firing" }),
      }),
      { description: "The SLO's alerts active in Prometheus." },
    ),
  ),
  lastEvaluationTime: Type.Optional(Type.String({ format: "date-time" })),
});

export type ServiceLevelObjectiveSpec = Static<typeof ServiceLevelObjectiveSpec>;
export type ServiceLevelObjectiveStatus = Static<typeof ServiceLevelObjectiveStatus>;

export const serviceLevelObjectiveDefinition = {
  kind: "ServiceLevelObjective",
  plural: "servicelevelobjectives",
  singular: "servicelevelobjective",
  shortNames: ["slo"],
  spec: ServiceLevelObjectiveSpec,
  status: ServiceLevelObjectiveStatus,
  printerColumns: [
    { name: "Service", type: "string", jsonPath: ".spec.service" },
    { name: "Objective", type: "number", jsonPath: ".spec.objective" },
    { name: "Window", type: "string", jsonPath: ".spec.window" },
    { name: "Budget", type: "number", jsonPath: ".status.errorBudgetRemaining" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
} as const;
