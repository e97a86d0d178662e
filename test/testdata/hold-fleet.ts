// Starts a one-cluster fleet, prints its PIDs and waits to be killed: the
// teardown tests signal this process and check that no fleet process survives.
import { startFleet } from "../../src/localfleet/index.ts";

const fleet = await startFleet({ clusters: 1 });
process.stdout.write(`pids ${fleet.pids().join(",")}\n`);
setInterval(() => {}, 60_000);
