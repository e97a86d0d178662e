/** Policy: production-readiness checks over rendered objects, as a table of pure functions. */

export {
  type ApiLifecycle,
  apiChecks,
  apiLifecycles,
  defaultKubernetesVersion,
  type KubernetesVersion,
  lifecycleOf,
  parseKubernetesVersion,
} from "./api-versions.ts";
export { autoscalersOf, availabilityChecks, budgetsOf, effectiveReplicas } from "./availability.ts";
export { checks } from "./catalogue.ts";
export { type EvaluateOptions, evaluate, podSpecOf } from "./engine.ts";
export { type ImageReference, imageChecks, parseImage, trusted } from "./images.ts";
export { type Lookup, lookup, type Workload } from "./lookup.ts";
export {
  builtinPodTemplates,
  type ContainerRef,
  containersOf,
  kindsOf,
  podLabelsOf,
  quantity,
  selects,
  type TemplateSource,
  templated,
  templatePathOf,
} from "./objects.ts";
export { probeChecks } from "./probes.ts";
export { rbacChecks } from "./rbac.ts";
export { resourceChecks } from "./resources.ts";
export { enforcedFactor, penalty, type Scored, type Scores, score, severityWeights } from "./scores.ts";
export { type ProducedSecret, producedSecrets } from "./secret-sources.ts";
export { encryptedAnnotation, secretChecks } from "./secrets.ts";
export { securityChecks } from "./security.ts";
export { preStopSeconds, shutdownChecks } from "./shutdown.ts";
export type { Check, CheckContext, Finding, PodTemplatePath, Severity, Violation } from "./types.ts";
export { wiringChecks } from "./wiring.ts";
