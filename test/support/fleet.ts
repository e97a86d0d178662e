/** Shared fleet setup for integration tests: one local fleet per test file, stopped after it. */
import { after, before } from "node:test";
import { type LocalFleet, startFleet } from "../../src/localfleet/index.ts";

/**
 * Starts a fleet of `clusters` before the file's tests and stops it after them.
 * Returns a getter, since the fleet exists only once `before` has run.
 */
export function useFleet(clusters: number): () => LocalFleet {
  let fleet: LocalFleet | undefined;
  before(async () => {
    fleet = await startFleet({ clusters });
  });
  after(async () => {
    await fleet?.stop();
  });
  return () => {
    if (!fleet) throw new Error("the fleet is not started: call useFleet at the top of the test file");
    return fleet;
  };
}
