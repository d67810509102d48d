import type { Database } from '../db/database.js';
import type { MailSubject, RecipientSubject } from '../webhooks/webhook-events.js';

/** Reads and idempotency records of the bounce and complaint processing (issue 14). */

/** A mail recipient as a late report about it needs it: its mail, org and present status. */
export type ReportedRecipient = Readonly<{
  recipientId: string;
  messageId: string;
  orgId: string;
  email: string;
  status: string;
  action: string | null;
  /** For webhook events (docs/webhooks.md): the mail's thread and record, the recipient's kind and last words. */
  threadId: string;
  module: string;
  recordId: string;
  kind: 'to' | 'cc' | 'bcc';
  statusCode: string | null;
  diagnostic: string | null;
  remoteMta: string | null;
}>;

/** The recipient and its mail as a webhook event reports them. */
export function webhookSubjectOf(r: ReportedRecipient): { mail: MailSubject; recipient: RecipientSubject } {
  return {
    mail: { org_id: r.orgId, message_id: r.messageId, thread_id: r.threadId, module: r.module, record_id: r.recordId },
    recipient: { id: r.recipientId, email: r.email, kind: r.kind, status: r.status, action: r.action, status_code: r.statusCode, diagnostic: r.diagnostic, remote_mta: r.remoteMta },
  };
}

const recipientColumns = [
  'mail_recipients.id as recipientId',
  'mail_recipients.message_id as messageId',
  'mails.org_id as orgId',
  'mail_recipients.email as email',
  'mail_recipients.status as status',
  'mail_recipients.action as action',
  'mails.thread_id as threadId',
  'mails.module as module',
  'mails.record_id as recordId',
  'mail_recipients.kind as kind',
  'mail_recipients.status_code as statusCode',
  'mail_recipients.diagnostic as diagnostic',
  'mail_recipients.remote_mta as remoteMta',
] as const;

export async function findReportedRecipient(db: Database, recipientId: string): Promise<ReportedRecipient | undefined> {
  return db
    .selectFrom('mail_recipients')
    .innerJoin('mails', 'mails.message_id', 'mail_recipients.message_id')
    .select(recipientColumns)
    .where('mail_recipients.id', '=', recipientId)
    .executeTakeFirst();
}

/** The recipients of a mail (by Mailroom's message_id) with this address (lower-case). */
export async function findRecipientsByAddress(db: Database, messageId: string, email: string): Promise<ReportedRecipient[]> {
  const rows = await db
    .selectFrom('mail_recipients')
    .innerJoin('mails', 'mails.message_id', 'mail_recipients.message_id')
    .select(recipientColumns)
    .where('mail_recipients.message_id', '=', messageId)
    .execute();
  return rows.filter((r) => r.email.toLowerCase() === email);
}

/**
 * Records that a relay's event was applied; false when it already was (a replay). In the
 * transaction that applies it, so an event is applied exactly once.
 */
export async function rememberRelayEvent(db: Database, relay: string, eventId: string, now: number): Promise<boolean> {
  const result = await db
    .insertInto('relay_events')
    .values({ relay, event_id: eventId, received_at: now })
    .onConflict((oc) => oc.columns(['relay', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}
