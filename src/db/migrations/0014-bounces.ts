import type { Kysely } from 'kysely';

/**
 * After the relay's 250 (issue 14): what comes back later.
 * - `inbound_messages`: every message the inbound SMTP listener accepted (DSNs, complaints, later
 *   replies), committed before its 250 and processed from here, so a crash never loses one.
 * - `relay_events`: the ids of relay webhook events already applied (SES, SendGrid), so a replayed
 *   event changes nothing.
 * - `blocked_addresses.permanent` (a hard bounce: unblock refuses), `category`, `sub_category`.
 * - `mail_recipients.bounced_at`, `bounce_category`, `bounce_sub_category`: what the Emails list
 *   shows as `bounced_time`, `category`, `sub_category`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';
  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('remote_address', 'text', (c) => c.notNull())
    .addColumn('helo', 'text')
    .addColumn('mail_from', 'text', (c) => c.notNull())
    // JSON array of the envelope recipients (the VERP addresses name the mail recipient).
    .addColumn('rcpt_to', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('raw', isPostgres ? 'bytea' : 'blob', (c) => c.notNull())
    // pending → processed (it changed something or was recognised) | ignored (kept for admins).
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('kind', 'text')
    .addColumn('org_id', 'text')
    // JSON: what processing found and did.
    .addColumn('summary', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_until', 'bigint')
    .addColumn('processed_at', 'bigint')
    .execute();
  await db.schema.createIndex('inbound_messages_pending').on('inbound_messages').columns(['state', 'received_at']).execute();
  await db.schema.createIndex('inbound_messages_org').on('inbound_messages').columns(['org_id', 'received_at']).execute();

  await db.schema
    .createTable('relay_events')
    .addColumn('relay', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('relay_events_pk', ['relay', 'event_id'])
    .execute();

  await db.schema.alterTable('blocked_addresses').addColumn('permanent', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('blocked_addresses').addColumn('category', 'text').execute();
  await db.schema.alterTable('blocked_addresses').addColumn('sub_category', 'text').execute();
  await db.schema.alterTable('mail_recipients').addColumn('bounced_at', 'bigint').execute();
  await db.schema.alterTable('mail_recipients').addColumn('bounce_category', 'text').execute();
  await db.schema.alterTable('mail_recipients').addColumn('bounce_sub_category', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['bounce_sub_category', 'bounce_category', 'bounced_at']) {
    await db.schema.alterTable('mail_recipients').dropColumn(column).execute();
  }
  for (const column of ['sub_category', 'category', 'permanent']) {
    await db.schema.alterTable('blocked_addresses').dropColumn(column).execute();
  }
  await db.schema.dropTable('relay_events').execute();
  await db.schema.dropTable('inbound_messages').execute();
}
