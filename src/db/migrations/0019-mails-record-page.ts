import type { Kysely } from 'kysely';

/**
 * The Emails related list of a record reads the mails filed under it as the record mailed and as
 * the linked record, newest first (created_at, then message_id), a page at a time. The old indexes
 * (org_id, record_id, created_at) and (org_id, linked_record_id) made the database read a record's
 * mails whole and sort them: the first page of a record with a million mails (scheduled ones, say)
 * cost a million rows. With the page order in both indexes each half of the list is an index range
 * read backwards and stopped after a page (listMailsOfRecord in src/mail/mail-repository.ts). The
 * new indexes serve every lookup the old ones did (same leading columns), so the old ones go.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('mails_record_page').on('mails').columns(['org_id', 'record_id', 'created_at', 'message_id']).execute();
  await db.schema.createIndex('mails_linked_record_page').on('mails').columns(['org_id', 'linked_record_id', 'created_at', 'message_id']).execute();
  await db.schema.dropIndex('mails_record').execute();
  await db.schema.dropIndex('mails_linked_record').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('mails_record').on('mails').columns(['org_id', 'record_id', 'created_at']).execute();
  await db.schema.createIndex('mails_linked_record').on('mails').columns(['org_id', 'linked_record_id']).execute();
  await db.schema.dropIndex('mails_record_page').execute();
  await db.schema.dropIndex('mails_linked_record_page').execute();
}
