import type { Database } from '../db/database.js';

/**
 * A user's own SMTP server refused our credentials during a delivery: the settings are marked
 * failing (send_mail answers CUSTOM_ERROR until the user fixes them).
 */
export async function markUserSmtpFailing(db: Database, input: Readonly<{ userId: string; at: number; reason: string }>): Promise<void> {
  await db.updateTable('user_smtp_settings').set({ failing_since: input.at, failure_reason: input.reason }).where('user_id', '=', input.userId).execute();
}
