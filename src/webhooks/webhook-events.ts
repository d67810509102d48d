import { randomBytes } from 'node:crypto';
import type { WebhookEventType } from './event-types.js';

/**
 * The events Mailroom pushes to webhook endpoints (issue 15 item 4; docs/webhooks.md): typed
 * payload builders. A payload is built once, serialised once, and that exact JSON is stored in the
 * outbox (`webhook_messages.payload`) and signed as is on every attempt, for every endpoint.
 *
 * Body: `{"type": "<type>", "timestamp": "<ISO occurred_at>", "data": {...}}`.
 */

/** An event ready for the outbox: `id` is the Standard Webhooks `webhook-id` (`msg_…`). */
export type WebhookEvent = Readonly<{
  id: string;
  orgId: string;
  type: WebhookEventType;
  occurredAt: number;
  /** The exact JSON body. */
  payload: string;
}>;

/** The mail an event is about (the columns of `mails` it reports). */
export type MailSubject = Readonly<{
  org_id: string;
  message_id: string;
  thread_id: string;
  module: string;
  record_id: string;
}>;

/** The mail of a `mail.*` event: its subject plus what the event shows of it. */
export type MailEventSubject = MailSubject &
  Readonly<{ subject: string; from_email: string; from_name: string | null; scheduled_at: number | null }>;

/** The recipient a `recipient.*` event is about, with its status after the change. */
export type RecipientSubject = Readonly<{
  id: string;
  email: string;
  kind: 'to' | 'cc' | 'bcc';
  status: string;
  action: string | null;
  status_code: string | null;
  diagnostic: string | null;
  remote_mta: string | null;
}>;

export type MailEventData = Readonly<{
  org_id: string;
  message_id: string;
  thread_id: string;
  module: string;
  record_id: string;
  subject: string;
  from: Readonly<{ email: string; name: string | null }>;
  recipients: number;
  scheduled_time: string | null;
}>;

export type RecipientEventData = Readonly<{
  org_id: string;
  message_id: string;
  thread_id: string;
  module: string;
  record_id: string;
  recipient: Readonly<{ id: string; email: string; kind: string }>;
  status: string;
  action: string | null;
  status_code: string | null;
  diagnostic: string | null;
  remote_mta: string | null;
  occurred_at: string;
}>;

/** What each `recipient.*` type adds to the common fields. */
export type RecipientEventExtras = {
  'recipient.sent': Record<string, never>;
  'recipient.deferred': { next_attempt_time: string | null };
  'recipient.bounced': { bounce: { category: string | null; sub_category: string | null } };
  'recipient.failed': Record<string, never>;
  'recipient.skipped': Record<string, never>;
  'recipient.opened': { first_open: boolean; user_agent: string | null };
  'recipient.clicked': { url: string; user_agent: string | null };
  'recipient.complained': { feedback_type: string | null };
  'recipient.replied': { reply: { id: string; from: string; subject: string } };
  'recipient.unsubscribed': { source: 'one_click' | 'mailto' | 'complaint' };
};
export type RecipientEventType = keyof RecipientEventExtras;
export type MailEventType = Extract<WebhookEventType, 'mail.accepted' | 'mail.scheduled' | 'mail.cancelled'>;

/** A new event id: `msg_` and 24 random characters (base64url of 18 bytes). */
export function newEventId(): string {
  return `msg_${randomBytes(18).toString('base64url')}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function event(orgId: string, type: WebhookEventType, occurredAt: number, data: object): WebhookEvent {
  return { id: newEventId(), orgId, type, occurredAt, payload: JSON.stringify({ type, timestamp: iso(occurredAt), data }) };
}

/** `mail.accepted`, `mail.scheduled`, `mail.cancelled`. */
export function mailEvent(type: MailEventType, mail: MailEventSubject, recipients: number, occurredAt: number): WebhookEvent {
  const data: MailEventData = {
    org_id: mail.org_id,
    message_id: mail.message_id,
    thread_id: mail.thread_id,
    module: mail.module,
    record_id: mail.record_id,
    subject: mail.subject,
    from: { email: mail.from_email, name: mail.from_name },
    recipients,
    scheduled_time: mail.scheduled_at === null ? null : iso(mail.scheduled_at),
  };
  return event(mail.org_id, type, occurredAt, data);
}

/** A `recipient.*` event: the common fields and the ones its type adds. */
export function recipientEvent<T extends RecipientEventType>(
  type: T,
  mail: MailSubject,
  recipient: RecipientSubject,
  occurredAt: number,
  extras: RecipientEventExtras[T],
): WebhookEvent {
  const data: RecipientEventData & RecipientEventExtras[T] = {
    org_id: mail.org_id,
    message_id: mail.message_id,
    thread_id: mail.thread_id,
    module: mail.module,
    record_id: mail.record_id,
    recipient: { id: recipient.id, email: recipient.email, kind: recipient.kind },
    status: recipient.status,
    action: recipient.action,
    status_code: recipient.status_code,
    diagnostic: recipient.diagnostic,
    remote_mta: recipient.remote_mta,
    occurred_at: iso(occurredAt),
    ...extras,
  };
  return event(mail.org_id, type, occurredAt, data);
}

/** `next_attempt_time` of a deferral (ISO), null when none. */
export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
