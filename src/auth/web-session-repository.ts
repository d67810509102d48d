import type { Database } from '../db/database.js';
import type { UiSessionTable } from '../db/schema.js';

/** Browser sessions (`ui_sessions`), keyed by the SHA-256 of the cookie's token. */
export type WebSessionRow = UiSessionTable;

export async function deleteExpiredSessions(db: Database, now: number): Promise<void> {
  await db.deleteFrom('ui_sessions').where('expires_at', '<=', now).execute();
}

export async function insertSession(db: Database, row: WebSessionRow): Promise<void> {
  await db.insertInto('ui_sessions').values(row).execute();
}

export async function findSessionRow(db: Database, id: string): Promise<WebSessionRow | undefined> {
  return db.selectFrom('ui_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteSession(db: Database, id: string): Promise<void> {
  await db.deleteFrom('ui_sessions').where('id', '=', id).execute();
}
