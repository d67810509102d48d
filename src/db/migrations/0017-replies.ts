import type { Kysely } from 'kysely';

/**
 * Replies on the record (issue 15 item 3; README "Replies", docs/replies.md).
 * `mail_replies`: one row per inbound message matched to one of our mails (src/replies/): the mail
 * it answers (`message_id`), the recipient who replied (null for a copy of the sender's own
 * message through the BCC dropbox), the record and thread of that mail, the reply's headers, its
 * text and its HTML sanitised at storage (both capped), its attachments' metadata (the bytes stay
 * in `inbound_messages.raw`) and whether it is an auto-reply (RFC 3834: stored and shown, never
 * counted as the person's reply). `inbound_id` is unique: processing the same inbound message
 * twice stores one reply.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mail_replies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('inbound_id', 'text', (c) => c.notNull().unique())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text')
    .addColumn('thread_id', 'text', (c) => c.notNull())
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('linked_record_id', 'text')
    // 'token' | 'in_reply_to' | 'references': how it was matched to the mail.
    .addColumn('matched_by', 'text', (c) => c.notNull())
    .addColumn('from_email', 'text', (c) => c.notNull())
    .addColumn('from_name', 'text')
    // JSON array of { email, name } (the reply's To header).
    .addColumn('to_json', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('html', 'text')
    .addColumn('text', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('auto_reply', 'integer', (c) => c.notNull().defaultTo(0))
    // The reply's own Message-ID header (with angle brackets), if it had one.
    .addColumn('header_message_id', 'text')
    // JSON array of { index, name, size, content_type } (src/replies/store-reply.ts).
    .addColumn('attachments_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mail_replies_record').on('mail_replies').columns(['org_id', 'record_id', 'received_at']).execute();
  await db.schema.createIndex('mail_replies_linked_record').on('mail_replies').columns(['org_id', 'linked_record_id', 'received_at']).execute();
  await db.schema.createIndex('mail_replies_message').on('mail_replies').columns(['message_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mail_replies').execute();
}
