import { sql, type Kysely } from 'kysely';

/**
 * Two lanes in the mail queue so a burst of overdue scheduled mail (or a backlog of retries) does
 * not starve mail accepted for immediate sending: lane 0 holds a mail's first attempt when it was
 * accepted to go now, lane 1 everything else (scheduled mail, retries, re-claims). The worker
 * claims from both in turn; each lane is read in due order through its own index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mails').addColumn('lane', 'integer', (col) => col.notNull().defaultTo(0)).execute();
  await sql`update mails set lane = 1 where scheduled_at is not null or attempts > 0`.execute(db);
  await db.schema.createIndex('mails_lane_due').on('mails').columns(['lane', 'due_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('mails_lane_due').execute();
  await db.schema.alterTable('mails').dropColumn('lane').execute();
}
