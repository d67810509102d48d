import type { Database } from '../db/database.js';
import type { ConsentLinkTable } from '../db/schema.js';

/** Consent-form links (`consent_links`): one per consent email, found by the SHA-256 of its secret. */
export async function insertConsentLink(db: Database, row: ConsentLinkTable): Promise<void> {
  await db.insertInto('consent_links').values(row).execute();
}

export async function findConsentLinkByHash(db: Database, tokenHash: string): Promise<ConsentLinkTable | undefined> {
  return db.selectFrom('consent_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** The consent link of a consent email (one per mail). */
export async function consentLinkOfMail(db: Database, orgId: string, messageId: string): Promise<ConsentLinkTable | undefined> {
  return db.selectFrom('consent_links').selectAll().where('org_id', '=', orgId).where('message_id', '=', messageId).executeTakeFirst();
}

/** Records the answer given on the link's consent form. */
export async function markConsentLinkAnswered(db: Database, id: string, answer: NonNullable<ConsentLinkTable['answer']>, at: number): Promise<void> {
  await db.updateTable('consent_links').set({ answer, answered_at: at }).where('id', '=', id).execute();
}
