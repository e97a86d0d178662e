/** SLOs: specs (kaika, Sloth, OpenSLO) to Prometheus rules, error budgets from the Prometheus HTTP API, rollout gates. */
export {
  type AlertingSpec,
  type AlertSpec,
  defaultAlertName,
  type IndicatorQueries,
  renderQuery,
  type SloDefinition,
  sloId,
} from "./definition.ts";
export { PrometheusError, type PrometheusErrorCode, SloSpecError, type SpecLocation } from "./errors.ts";
export { type BurnRateGateOptions, type BurnRateReading, checkBurnRate, type GateResult } from "./gate.ts";
export { type LoadOptions, loadSloFiles, parseSloSources, type SloSource } from "./load.ts";
export { type DocumentContext, fromNative } from "./native.ts";
export {
  prometheusRule,
  prometheusRuleApiVersion,
  ruleFile,
  ruleFileKey,
  rulesObjectName,
  yamlStream,
} from "./output.ts";
export { PrometheusClient, type PrometheusClientOptions, type RangeSeries, type Sample } from "./prometheus.ts";
export {
  type AlertingRule,
  errorBudget,
  type RecordingRule,
  type Rule,
  type RuleGroup,
  sloLabelNames,
  sloMetrics,
  sloRuleGroups,
  sloSeriesLabels,
} from "./rules.ts";
export { type ActiveAlert, formatDuration, type ReadStatusOptions, readSloStatus, type SloReading } from "./status.ts";
export { type AlertWindows, alertWindows, type BurnCondition, type SliWindow, sliWindows } from "./windows.ts";
