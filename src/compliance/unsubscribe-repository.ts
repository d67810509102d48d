import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { RecordRow } from '../records/record-repository.js';

/** The mail recipient a one-click unsubscribe token names, with the org its mail belongs to. */
export type UnsubscribeTarget = Readonly<{ recipientId: string; email: string; messageId: string; orgId: string; orgName: string }>;

export async function findUnsubscribeTarget(db: Database, recipientId: string): Promise<UnsubscribeTarget | undefined> {
  const row = await db
    .selectFrom('mail_recipients as r')
    .innerJoin('mails as m', 'm.message_id', 'r.message_id')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .select(['r.id as recipientId', 'r.email as email', 'r.message_id as messageId', 'm.org_id as orgId', 'o.name as orgName'])
    .where('r.id', '=', recipientId)
    .executeTakeFirst();
  return row;
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The org's records of these modules whose stored document mentions the address (case-insensitive
 * for ASCII, on both databases): candidates only — the caller keeps those whose email fields hold
 * it. Records are JSON documents (decision 0001), so this reads the text rather than a column.
 */
export async function findRecordsMentioningAddress(db: Database, orgId: string, modules: readonly string[], email: string): Promise<RecordRow[]> {
  if (modules.length === 0) return [];
  const pattern = `%${escapeLike(JSON.stringify(email.toLowerCase()))}%`;
  return db
    .selectFrom('records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('module', 'in', [...modules])
    .where(sql<boolean>`lower(data) like ${pattern} escape '\\'`)
    .orderBy('id')
    .execute();
}
