/** The dashboard: its JSON API, live updates and the browser app's files, over kaika's caches. */
export { type ActionName, actionNames } from "./actions.ts";
export { Authenticator, type AuthOptions, type Caller } from "./auth.ts";
export {
  type ArtifactTrees,
  type DashboardCaches,
  type DashboardContext,
  type LedgerAccess,
  lazyLedger,
  openedLedger,
} from "./context.ts";
export { EventHub, type EventHubOptions } from "./events.ts";
export { type DashboardOptions, type DashboardServer, serveDashboard } from "./server.ts";
export { artifactTrees, type Standalone, type StandaloneOptions, startStandalone } from "./standalone.ts";
export { defaultAssetsDir } from "./static.ts";
export type * from "./types.ts";
