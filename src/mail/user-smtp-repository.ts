import type { Database } from '../db/database.js';
import type { UserSmtpSettingsTable } from '../db/schema.js';

/** Users' own SMTP servers (`user_smtp_settings`, one per user; the password sealed). */
export type UserSmtpRow = UserSmtpSettingsTable;

export async function findUserSmtp(db: Database, orgId: string, userId: string): Promise<UserSmtpRow | undefined> {
  return db.selectFrom('user_smtp_settings').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
}

/** Saves the user's server, replacing every column of the one they had. */
export async function upsertUserSmtp(db: Database, row: UserSmtpRow): Promise<void> {
  await db
    .insertInto('user_smtp_settings')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
    .execute();
}
