import type { Database } from '../db/database.js';
import type { MailReplyTable } from '../db/schema.js';

/** The `mail_replies` table (migration 0017) and the reads replies need of `mails` / `mail_recipients`. */

export type ReplyRow = MailReplyTable;

/** A mail a reply may answer: what the reply copies from it. */
export type RepliedMail = Readonly<{
  message_id: string;
  org_id: string;
  thread_id: string;
  module: string;
  record_id: string;
  linked_record_id: string | null;
  from_email: string;
  from_name: string | null;
}>;

export type RepliedRecipient = Readonly<{
  id: string;
  message_id: string;
  kind: 'to' | 'cc' | 'bcc';
  email: string;
  position: number;
  /** What the `recipient.replied` webhook event reports of it. */
  status_code: string | null;
  diagnostic: string | null;
  remote_mta: string | null;
}>;

const MAIL_COLUMNS = ['message_id', 'org_id', 'thread_id', 'module', 'record_id', 'linked_record_id', 'from_email', 'from_name'] as const;

/** A mail by Mailroom's message id (64 hex, unique across orgs: the org is the mail's). */
export async function findRepliedMail(db: Database, messageId: string): Promise<RepliedMail | undefined> {
  return db.selectFrom('mails').select(MAIL_COLUMNS).where('message_id', '=', messageId).executeTakeFirst();
}

/** The mail of a recipient (by recipient id). */
export async function findMailOfRecipient(db: Database, recipientId: string): Promise<RepliedMail | undefined> {
  return db
    .selectFrom('mail_recipients')
    .innerJoin('mails', 'mails.message_id', 'mail_recipients.message_id')
    .select(MAIL_COLUMNS.map((c) => `mails.${c}` as const))
    .where('mail_recipients.id', '=', recipientId)
    .executeTakeFirst();
}

export async function recipientsOfRepliedMail(db: Database, messageId: string): Promise<RepliedRecipient[]> {
  return db.selectFrom('mail_recipients').select(['id', 'message_id', 'kind', 'email', 'position', 'status_code', 'diagnostic', 'remote_mta']).where('message_id', '=', messageId).orderBy('position').execute();
}

export async function findReplyByInbound(db: Database, inboundId: string): Promise<ReplyRow | undefined> {
  return db.selectFrom('mail_replies').selectAll().where('inbound_id', '=', inboundId).executeTakeFirst();
}

export async function insertReply(db: Database, reply: ReplyRow): Promise<void> {
  await db.insertInto('mail_replies').values(reply).execute();
}

/** One reply of an org. */
export async function findReply(db: Database, orgId: string, id: string): Promise<ReplyRow | undefined> {
  return db.selectFrom('mail_replies').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/**
 * Replies filed under a record (its own mails' or those linked to it), newest first, in the order
 * of the Emails list: (received_at, id) descending; `before` is inclusive (a page cursor).
 */
export async function listRepliesOfRecord(
  db: Database,
  orgId: string,
  recordId: string,
  options: { before?: { at: number; id: string }; limit: number },
): Promise<ReplyRow[]> {
  let query = db
    .selectFrom('mail_replies')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('record_id', '=', recordId), eb('linked_record_id', '=', recordId)]));
  if (options.before) {
    const { at, id } = options.before;
    query = query.where((eb) => eb.or([eb('received_at', '<', at), eb.and([eb('received_at', '=', at), eb('id', '<=', id)])]));
  }
  return query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/** The raw message a reply was read from (for its attachments). */
export async function rawOfReply(db: Database, inboundId: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('inbound_messages').select('raw').where('id', '=', inboundId).executeTakeFirst();
  return row ? Buffer.from(row.raw) : undefined;
}
