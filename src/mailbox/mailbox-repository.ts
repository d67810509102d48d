import type { Database } from '../db/database.js';
import type { MailboxMessageTable } from '../db/schema.js';

/**
 * The local mailbox (`mailbox_messages`, written by delivery/mailbox-transport.ts). Every query
 * filters by `org_id`: a message of another org is indistinguishable from a missing one.
 */
export type MailboxMessageRow = MailboxMessageTable;
export type MailboxSummaryRow = Omit<MailboxMessageRow, 'raw' | 'org_id'>;

const SUMMARY_COLUMNS = ['id', 'message_id', 'envelope_from', 'envelope_to', 'subject', 'created_at'] as const;

/** Newest first; asks for `limit` rows from `offset`. */
export async function listMailboxRows(db: Database, orgId: string, offset: number, limit: number): Promise<MailboxSummaryRow[]> {
  return db
    .selectFrom('mailbox_messages')
    .select([...SUMMARY_COLUMNS])
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function findMailboxRow(db: Database, orgId: string, id: string): Promise<MailboxMessageRow | undefined> {
  return db.selectFrom('mailbox_messages').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function insertMailboxMessage(db: Database, row: MailboxMessageRow): Promise<void> {
  await db.insertInto('mailbox_messages').values(row).execute();
}
