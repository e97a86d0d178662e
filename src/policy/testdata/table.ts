/** The table format of checks.test.ts. */

import type { Edit } from "./fixtures.ts";

/** One check's fixtures. */
export interface Row {
  /** Check id. */
  readonly id: string;
  /** Fixtures that must each give at least one finding of the check. */
  readonly bad: readonly (readonly Edit[])[];
  /**
   * Fixtures that must give none, of this check or any other (run with this row's options); the unedited
   * compliant set is always added. Overlaps by design (a single replica has no PDB) belong in engine.test.ts.
   */
  readonly good?: readonly (readonly Edit[])[];
  /** The field the first bad fixture's finding must name. */
  readonly field: string;
  readonly trustedRegistries?: readonly string[];
  /** The target Kubernetes version for all the row's fixtures; default the engine's. */
  readonly kubernetesVersion?: string;
}
