/**
 * The event types an endpoint can subscribe to (issue 15 item 4; README "Webhooks"). `mail.*`
 * report a mail's acceptance and cancellation; `recipient.*` one recipient's delivery and
 * engagement. Each is written to the outbox (`webhook_messages`) in the same transaction as the
 * change it reports.
 */
export const WEBHOOK_EVENT_TYPES = [
  'mail.accepted',
  'mail.scheduled',
  'mail.cancelled',
  'recipient.sent',
  'recipient.deferred',
  'recipient.bounced',
  'recipient.failed',
  'recipient.skipped',
  'recipient.opened',
  'recipient.clicked',
  'recipient.replied',
  'recipient.complained',
  'recipient.unsubscribed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
