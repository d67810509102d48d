import { inTransaction, type Database } from '../db/database.js';
import type { RecipientEventTable } from '../db/schema.js';
import { emitWebhookEvents } from '../webhooks/outbox-repository.js';
import { recipientEvent, type MailSubject, type RecipientSubject } from '../webhooks/webhook-events.js';

/**
 * `recipient_events` (migration 0015): the opens and clicks of mail recipients, append-only —
 * inserted by the tracking routes, never updated; the Emails list reads their aggregates. They are
 * engagement events, not recipient statuses (mail/lifecycle.ts): the delivery status stays as the
 * lifecycle set it.
 */
export type RecipientEventRow = RecipientEventTable;
export type EngagementKind = RecipientEventTable['kind'];

/** The recipient a tracking token names, with what flagging and its webhook event need; undefined when it is gone. */
export type TrackedRecipient = Readonly<{ id: string; message_id: string; org_id: string; last_attempt_at: number | null; mail: MailSubject; recipient: RecipientSubject }>;

export async function findTrackedRecipient(db: Database, recipientId: string): Promise<TrackedRecipient | undefined> {
  const row = await db
    .selectFrom('mail_recipients as r')
    .innerJoin('mails as m', 'm.message_id', 'r.message_id')
    .select(['r.id', 'r.message_id', 'm.org_id', 'r.last_attempt_at', 'm.thread_id', 'm.module', 'm.record_id'])
    .select(['r.email', 'r.kind', 'r.status', 'r.action', 'r.status_code', 'r.diagnostic', 'r.remote_mta'])
    .where('r.id', '=', recipientId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    message_id: row.message_id,
    org_id: row.org_id,
    last_attempt_at: row.last_attempt_at === null ? null : Number(row.last_attempt_at),
    mail: { org_id: row.org_id, message_id: row.message_id, thread_id: row.thread_id, module: row.module, record_id: row.record_id },
    recipient: { id: row.id, email: row.email, kind: row.kind, status: row.status, action: row.action, status_code: row.status_code, diagnostic: row.diagnostic, remote_mta: row.remote_mta },
  };
}

/**
 * Inserts an open or click and, unless it is flagged (a prefetch or a scanner), its webhook event
 * (`recipient.opened` with `first_open`: the person's first counted open; `recipient.clicked` with
 * the `url`) in the same transaction.
 */
export async function insertRecipientEvent(db: Database, row: RecipientEventRow, tracked?: TrackedRecipient): Promise<void> {
  if (!tracked || row.flagged !== 0) {
    await db.insertInto('recipient_events').values(row).execute();
    return;
  }
  await inTransaction(db, async (tx) => {
    let event;
    if (row.kind === 'opened') {
      const earlier = await tx
        .selectFrom('recipient_events')
        .select('id')
        .where('recipient_id', '=', row.recipient_id)
        .where('kind', '=', 'opened')
        .where('flagged', '=', 0)
        .limit(1)
        .executeTakeFirst();
      event = recipientEvent('recipient.opened', tracked.mail, tracked.recipient, row.at, { first_open: earlier === undefined, user_agent: row.user_agent });
    } else {
      event = recipientEvent('recipient.clicked', tracked.mail, tracked.recipient, row.at, { url: row.url ?? '', user_agent: row.user_agent });
    }
    await tx.insertInto('recipient_events').values(row).execute();
    await emitWebhookEvents(tx, [event], row.at);
  });
}

/** The person's opens or clicks of one recipient (the events not flagged). */
export type EngagementSummary = Readonly<{ recipientId: string; kind: EngagementKind; first: number; last: number; count: number }>;

/** Per recipient and kind: the first and last time and the number of events not flagged. */
export async function engagementOf(db: Database, recipientIds: readonly string[]): Promise<EngagementSummary[]> {
  if (recipientIds.length === 0) return [];
  const rows = await db
    .selectFrom('recipient_events')
    .select((eb) => ['recipient_id', 'kind', eb.fn.min('at').as('first'), eb.fn.max('at').as('last'), eb.fn.countAll().as('n')])
    .where('recipient_id', 'in', [...recipientIds])
    .where('flagged', '=', 0)
    .groupBy(['recipient_id', 'kind'])
    .execute();
  return rows.map((r) => ({ recipientId: r.recipient_id, kind: r.kind, first: Number(r.first), last: Number(r.last), count: Number(r.n) }));
}

/** Every event of one recipient, oldest first (tests, admin views). */
export async function eventsOfRecipient(db: Database, recipientId: string): Promise<RecipientEventRow[]> {
  return db.selectFrom('recipient_events').selectAll().where('recipient_id', '=', recipientId).orderBy('at').orderBy('id').execute();
}
