/** The controller runtime: informers, work queue, reconcilers, leader election, manager. Usable on its own. */
export { type CacheScope, SharedCache } from "./cache.ts";
export {
  type Condition,
  type ConditionUpdate,
  findCondition,
  removeCondition,
  setCondition,
  statusConditions,
} from "./conditions.ts";
export { Controller, type ControllerOptions, generationChanged, type MapFunc } from "./controller.ts";
export { type EventRecorder, eventRecorder } from "./events.ts";
export { addFinalizer, controllerOf, controllerReference, hasFinalizer, removeFinalizer } from "./finalizers.ts";
export { type ManagerFlags, managerFlagHelp, managerOptionsFrom, parseManagerFlags } from "./flags.ts";
export { type EventHandler, type IndexFunc, Informer, type InformerOptions, namespaceIndex } from "./informer.ts";
export { type LeaderElectionOptions, LeaderElector } from "./leader-election.ts";
export { createLogger, type Logger, type LogOptions, silentLogger } from "./log.ts";
export { LeadershipLostError, Manager, type ManagerOptions } from "./manager.ts";
export { RuntimeMetrics } from "./metrics.ts";
export {
  defaultControllerRateLimiter,
  type RateLimiter,
} from "./rate-limiter.ts";
export { type ReconcileContext, type Reconciler, type Request, type Result, TerminalError } from "./reconciler.ts";
export { type QueueMetrics, runWorkers, WorkQueue, type WorkQueueOptions } from "./workqueue.ts";
