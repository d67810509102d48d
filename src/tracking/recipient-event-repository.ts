import type { Database } from '../db/database.js';
import type { RecipientEventTable } from '../db/schema.js';

/**
 * `recipient_events` (migration 0015): the opens and clicks of mail recipients, append-only —
 * inserted by the tracking routes, never updated; the Emails list reads their aggregates. They are
 * engagement events, not recipient statuses (mail/lifecycle.ts): the delivery status stays as the
 * lifecycle set it.
 */
export type RecipientEventRow = RecipientEventTable;
export type EngagementKind = RecipientEventTable['kind'];

/** The recipient a tracking token names, with what flagging needs; undefined when it is gone. */
export async function findTrackedRecipient(
  db: Database,
  recipientId: string,
): Promise<{ id: string; message_id: string; org_id: string; last_attempt_at: number | null } | undefined> {
  return db
    .selectFrom('mail_recipients as r')
    .innerJoin('mails as m', 'm.message_id', 'r.message_id')
    .select(['r.id', 'r.message_id', 'm.org_id', 'r.last_attempt_at'])
    .where('r.id', '=', recipientId)
    .executeTakeFirst();
}

export async function insertRecipientEvent(db: Database, row: RecipientEventRow): Promise<void> {
  await db.insertInto('recipient_events').values(row).execute();
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
