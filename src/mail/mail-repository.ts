import type { Database } from '../db/database.js';
import type { MailRecipientTable, MailTable } from '../db/schema.js';

export type MailRow = MailTable;
export type RecipientRow = MailRecipientTable;

// Reads of mails and recipients. Every write (accept, claim, outcomes, cancel, …) is a named
// transition in lifecycle-repository.ts.

export async function findMail(db: Database, orgId: string, messageId: string): Promise<MailRow | undefined> {
  return db.selectFrom('mails').selectAll().where('org_id', '=', orgId).where('message_id', '=', messageId).executeTakeFirst();
}

export async function recipientsOf(db: Database, messageIds: readonly string[]): Promise<RecipientRow[]> {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom('mail_recipients')
    .selectAll()
    .where('message_id', 'in', [...messageIds])
    .orderBy('message_id')
    .orderBy('position')
    .execute();
}

/**
 * Mails filed under a record (as the record mailed, or as the linked record), newest first.
 * Two halves, each read in page order through its own index in page order (migration 0019) and stopped after `limit` rows, then merged: the page costs the same whether
 * the record has ten mails or a million (an OR of the two would read them all and sort). A mail
 * filed under the record both ways comes from the first half only.
 */
export async function listMailsOfRecord(
  db: Database,
  orgId: string,
  recordId: string,
  options: {
    states?: readonly MailRow['state'][];
    scheduled?: boolean;
    /** Only mails that went, or are going, out: not scheduled, or attempted at least once (`sent_from_crm`). */
    started?: boolean;
    before?: { createdAt: number; messageId: string };
    limit: number;
  },
): Promise<MailRow[]> {
  const half = (filedAs: 'record' | 'linked') => {
    let query = db.selectFrom('mails').selectAll().where('org_id', '=', orgId);
    query = filedAs === 'record' ? query.where('record_id', '=', recordId) : query.where('linked_record_id', '=', recordId).where('record_id', '<>', recordId);
    if (options.states) query = query.where('state', 'in', [...options.states]);
    if (options.scheduled !== undefined) {
      query = options.scheduled ? query.where('scheduled_at', 'is not', null) : query.where('scheduled_at', 'is', null);
    }
    if (options.started) query = query.where((eb) => eb.or([eb('scheduled_at', 'is', null), eb('attempts', '>', 0)]));
    if (options.before) {
      const { createdAt, messageId } = options.before;
      // created_at <= …: the index range starts at the cursor (the OR alone would be a filter).
      query = query
        .where('created_at', '<=', createdAt)
        .where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('message_id', '<=', messageId)])]));
    }
    return db.selectFrom(query.orderBy('created_at', 'desc').orderBy('message_id', 'desc').limit(options.limit).as(filedAs)).selectAll();
  };
  return db
    .selectFrom(half('record').unionAll(half('linked')).as('filed'))
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('message_id', 'desc')
    .limit(options.limit)
    .execute();
}
