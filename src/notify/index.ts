/** Notifications on rollout gate halts and exhausted error budgets: a generic JSON webhook and Slack-compatible payloads. */
export type { BudgetExhaustedEvent, GateHaltedEvent, NotificationEvent, NotifiedBurnRate } from "./events.ts";
export { describe, type SlackPayload, slackPayload, type WebhookPayload, webhookPayload } from "./payloads.ts";
export {
  Notifier,
  NotifyError,
  type NotifyLogger,
  type NotifyOutcome,
  type NotifyTarget,
  origin,
  payloadFor,
  type SendOptions,
  sendNotification,
} from "./send.ts";
