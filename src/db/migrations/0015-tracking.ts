import type { Kysely } from 'kysely';

/**
 * Open and click tracking (issue 15 items 1 and 2; README "Tracking opens and clicks").
 * - `orgs.email_tracking`: 1 on, 0 off, null the edition's default (on for paid editions, off for
 *   the free edition, as Zoho).
 * - `recipient_events`: append-only engagement events of a mail recipient (`opened`, `clicked`),
 *   each kept with whether it looked like a prefetch or a scanner (`flagged`, `flag_reason`): those
 *   are recorded but do not count as the person's. Never updated; the Emails list aggregates them
 *   per recipient (index `recipient_events_recipient`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orgs').addColumn('email_tracking', 'integer').execute();
  await db.schema
    .createTable('recipient_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text', (c) => c.notNull())
    // 'opened' | 'clicked'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('flagged', 'integer', (c) => c.notNull().defaultTo(0))
    // 'prefetch' | 'scanner' when flagged (src/tracking/prefetch.ts)
    .addColumn('flag_reason', 'text')
    // The signed target of a click; null for an open.
    .addColumn('url', 'text')
    // Bounded (256 characters) by the writer.
    .addColumn('user_agent', 'text')
    .addColumn('remote_address', 'text')
    .execute();
  await db.schema.createIndex('recipient_events_recipient').on('recipient_events').columns(['recipient_id', 'kind', 'flagged', 'at']).execute();
  await db.schema.createIndex('recipient_events_message').on('recipient_events').columns(['message_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recipient_events').execute();
  await db.schema.alterTable('orgs').dropColumn('email_tracking').execute();
}
