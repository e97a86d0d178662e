/** The local fleet: real Kubernetes control planes on loopback for tests and `kaika dev`. */
export { type Binaries, type BuildEvent, BinaryBuildError, cacheDir, cachedBinaries, ensureBinaries, pinnedVersions, type Versions } from "./binaries.ts";
export { type LocalCluster, readyNodes, type UserCredentials } from "./cluster.ts";
export { type FleetOptions, type LocalFleet, startFleet } from "./fleet.ts";
export type { ClientIdentity } from "./pki.ts";
export { WaitError } from "./wait.ts";
