import type { Database } from '../db/database.js';

/**
 * Reads of the queue. The mail row is the queue: a mail is due when `due_at <= now`. Every write
 * to it — the claim, the handed-over marks, outcomes, release — is a named transition of the mail
 * lifecycle in src/mail/lifecycle-repository.ts (the claim query and its lanes are described there).
 */

/** The earliest due time of any unfinished mail, to sleep until then. */
export async function nextDueAt(db: Database): Promise<number | null> {
  const row = await db.selectFrom('mails').select((eb) => eb.fn.min('due_at').as('next')).where('due_at', 'is not', null).executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}
