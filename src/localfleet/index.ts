/** The local fleet: real Kubernetes control planes on loopback for tests and `kaika dev`. */
export {
  type Binaries,
  BinaryBuildError,
  type BuildEvent,
  cacheDir,
  cachedBinaries,
  ensureBinaries,
  pinnedVersions,
  type Versions,
} from "./binaries.ts";
export { type LocalCluster, readyNodes, type UserCredentials } from "./cluster.ts";
export { type FleetOptions, type LocalFleet, startFleet } from "./fleet.ts";
export type { ClientIdentity } from "./pki.ts";
export {
  type ClusterStatus,
  defaultKubeconfigPath,
  isAlive,
  readSession,
  type SessionState,
  sessionDir,
  sessionStatus,
  startSession,
  stopSession,
  superviseSession,
} from "./session.ts";
export { WaitError } from "./wait.ts";
