/** Check table rows: pod hardening and RBAC checks beyond the first catalogue (proc mount, sysctls, RBAC reach). */

import type { Row } from "./table.ts";

/** Rows for the hardening checks. */
export const hardeningRows: readonly Row[] = [];
