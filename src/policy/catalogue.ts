/** The catalogue: every check, grouped by topic, in the order docs/checks.md lists them. */

import { apiChecks } from "./api-versions.ts";
import { availabilityChecks } from "./availability.ts";
import { imageChecks } from "./images.ts";
import { probeChecks } from "./probes.ts";
import { rbacChecks } from "./rbac.ts";
import { resourceChecks } from "./resources.ts";
import { secretChecks } from "./secrets.ts";
import { securityChecks } from "./security.ts";
import { shutdownChecks } from "./shutdown.ts";
import type { Check } from "./types.ts";
import { wiringChecks } from "./wiring.ts";

/** Every check evaluate() runs. Ids are unique. */
export const checks: readonly Check[] = [
  ...probeChecks,
  ...shutdownChecks,
  ...resourceChecks,
  ...availabilityChecks,
  ...imageChecks,
  ...securityChecks,
  ...rbacChecks,
  ...secretChecks,
  ...wiringChecks,
  ...apiChecks,
];
