/** Check table rows: wiring checks beyond the first catalogue (target ports, ServiceAccounts, Ingress TLS, isolation). */

import type { Row } from "./table.ts";

/** Rows for the further wiring checks. */
export const wiringExtraRows: readonly Row[] = [];
