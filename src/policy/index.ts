/** Policy: production-readiness checks over rendered objects, as a table of pure functions. */

export { autoscalersOf, availabilityChecks, budgetsOf, effectiveReplicas } from "./availability.ts";
export { checks } from "./catalogue.ts";
export { type EvaluateOptions, evaluate, podSpecOf } from "./engine.ts";
export { type ImageReference, imageChecks, parseImage, trusted } from "./images.ts";
export { type ContainerRef, containersOf, podLabelsOf, quantity, selects } from "./objects.ts";
export { probeChecks } from "./probes.ts";
export { rbacChecks } from "./rbac.ts";
export { resourceChecks } from "./resources.ts";
export { encryptedAnnotation, secretChecks } from "./secrets.ts";
export { securityChecks } from "./security.ts";
export { preStopSeconds, shutdownChecks } from "./shutdown.ts";
export type { Check, CheckContext, Finding, Severity, Violation } from "./types.ts";
export { wiringChecks } from "./wiring.ts";
