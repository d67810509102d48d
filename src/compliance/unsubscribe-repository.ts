import { sql } from 'kysely';
import type { MailSubject, RecipientSubject } from '../webhooks/webhook-events.js';
import type { Database } from '../db/database.js';
import type { RecordRow } from '../records/record-repository.js';

/** The mail recipient a one-click unsubscribe token names, with the org its mail belongs to. */
export type UnsubscribeTarget = Readonly<{
  recipientId: string;
  email: string;
  messageId: string;
  orgId: string;
  orgName: string;
  /** For the `recipient.unsubscribed` webhook event. */
  webhook: Readonly<{ mail: MailSubject; recipient: RecipientSubject }>;
}>;

export async function findUnsubscribeTarget(db: Database, recipientId: string): Promise<UnsubscribeTarget | undefined> {
  const row = await db
    .selectFrom('mail_recipients as r')
    .innerJoin('mails as m', 'm.message_id', 'r.message_id')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .select(['r.id as recipientId', 'r.email as email', 'r.message_id as messageId', 'm.org_id as orgId', 'o.name as orgName'])
    .select(['m.thread_id', 'm.module', 'm.record_id', 'r.kind', 'r.status', 'r.action', 'r.status_code', 'r.diagnostic', 'r.remote_mta'])
    .where('r.id', '=', recipientId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    recipientId: row.recipientId,
    email: row.email,
    messageId: row.messageId,
    orgId: row.orgId,
    orgName: row.orgName,
    webhook: {
      mail: { org_id: row.orgId, message_id: row.messageId, thread_id: row.thread_id, module: row.module, record_id: row.record_id },
      recipient: { id: row.recipientId, email: row.email, kind: row.kind, status: row.status, action: row.action, status_code: row.status_code, diagnostic: row.diagnostic, remote_mta: row.remote_mta },
    },
  };
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
