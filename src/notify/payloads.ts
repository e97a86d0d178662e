/** Notification bodies: kaika's generic JSON webhook, and Slack's incoming-webhook format (text + Block Kit). */
import type { NotificationEvent, NotifiedBurnRate } from "./events.ts";

/** The generic webhook body; `version` changes only with incompatible changes. */
export interface WebhookPayload {
  readonly source: "kaika";
  readonly version: "v1";
  readonly type: NotificationEvent["type"];
  /** "critical" for both kinds today; receivers can route on it. */
  readonly severity: "critical" | "warning";
  readonly time: string;
  /** One line for people. */
  readonly title: string;
  readonly message: string;
  /** The event itself, all fields. */
  readonly event: NotificationEvent & { readonly time: string };
}

/** A Slack incoming-webhook body: `text` is the fallback for notifications, `blocks` the message. */
export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** Title and message of an event, shared by every format. */
export function describe(event: NotificationEvent): { title: string; message: string } {
  if (event.type === "GateHalted") {
    const target = `${event.sync.namespace}/${event.sync.name}`;
    return {
      title: `Rollout of ${target} halted: SLO gate of wave ${event.wave} failed${event.rolledBack ? " (wave rolled back)" : ""}`,
      message: `${event.revision ? `Revision ${event.revision}: ` : ""}${event.reason}`,
    };
  }
  const slo = `${event.slo.namespace ? `${event.slo.namespace}/` : ""}${event.slo.name}`;
  return {
    title: `Error budget exhausted: ${event.slo.service} SLO ${slo}`,
    message: `${event.objective}% over ${event.window}: ${formatPercent(event.errorBudgetRemaining)} of the error budget left.`,
  };
}

/** The generic webhook body of `event`. */
export function webhookPayload(event: NotificationEvent, now = new Date()): WebhookPayload {
  const time = event.time ?? now.toISOString();
  return {
    source: "kaika",
    version: "v1",
    type: event.type,
    severity: "critical",
    time,
    ...describe(event),
    event: { ...event, time },
  };
}

/** The Slack-compatible body of `event` (also read by Mattermost and Rocket.Chat incoming webhooks). */
export function slackPayload(event: NotificationEvent): SlackPayload {
  const { title, message } = describe(event);
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: truncate(title, 150), emoji: false } },
    { type: "section", text: { type: "mrkdwn", text: truncate(mrkdwn(message), 3000) } },
  ];
  const facts: string[] =
    event.type === "GateHalted"
      ? [
          `*Sync*\n${mrkdwn(`${event.sync.namespace}/${event.sync.name}`)}`,
          `*Wave*\n${mrkdwn(event.wave)}`,
          ...(event.revision ? [`*Revision*\n${mrkdwn(event.revision)}`] : []),
          ...(event.threshold !== undefined ? [`*Max burn rate*\n${event.threshold}`] : []),
        ]
      : [
          `*Service*\n${mrkdwn(event.slo.service)}`,
          `*Objective*\n${event.objective}% over ${mrkdwn(event.window)}`,
          `*Budget left*\n${formatPercent(event.errorBudgetRemaining)}`,
        ];
  blocks.push({ type: "section", fields: facts.map((text) => ({ type: "mrkdwn", text })) });
  const rates = event.burnRates ?? [];
  if (rates.length > 0) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: truncate(`*Burn rates*\n${rates.slice(0, 10).map(rateLine).join("\n")}`, 3000) },
    });
  }
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `kaika · ${event.type} · ${event.time ?? new Date().toISOString()}` }],
  });
  return { text: `${title}: ${message}`, blocks };
}

function rateLine(r: NotifiedBurnRate): string {
  const labels = Object.entries(r.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  return mrkdwn(`• ${r.slo}${labels ? ` (${labels})` : ""}: ${Number(r.burnRate.toPrecision(3))}× over ${r.window}`);
}

/** Slack's three control characters. */
function mrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatPercent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(1))}%`;
}
