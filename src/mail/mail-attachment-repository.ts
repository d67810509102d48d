import type { Database } from '../db/database.js';
import type { MailAttachmentTable } from '../db/schema.js';

/** Files a mail carries (`mail_attachments`), pinned at acceptance. */
export async function insertMailAttachments(db: Database, rows: readonly MailAttachmentTable[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('mail_attachments').values([...rows]).execute();
}

export type CarriedFile = MailAttachmentTable & { name: string; content_type: string; size: number };

/** The files of these mails with their names, types and sizes, by mail and position. */
export async function filesOfMails(db: Database, messageIds: readonly string[]): Promise<CarriedFile[]> {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom('mail_attachments as a')
    .innerJoin('files as f', 'f.id', 'a.file_id')
    .select(['a.message_id', 'a.position', 'a.file_id', 'a.kind', 'a.content_id', 'f.name', 'f.content_type', 'f.size'])
    .where('a.message_id', 'in', [...messageIds])
    .orderBy('a.message_id')
    .orderBy('a.position')
    .execute();
}
