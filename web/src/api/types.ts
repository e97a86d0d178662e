/** The API's answer types, from the server's own file (type-only: nothing of the server reaches the bundle). */
export type * from "../../../src/server/dashboard/types.ts";
