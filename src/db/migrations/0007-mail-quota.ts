import type { Kysely } from 'kysely';

/** The daily-quota reservation a mail holds (day and units), so cancelling it gives back exactly that. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mails').addColumn('quota_day', 'text').execute();
  await db.schema.alterTable('mails').addColumn('quota_units', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mails').dropColumn('quota_units').execute();
  await db.schema.alterTable('mails').dropColumn('quota_day').execute();
}
