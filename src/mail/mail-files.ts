import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { MailAttachmentTable } from '../db/schema.js';
import { findFiles, type FileRow } from '../files/file-repository.js';

/** Zoho: all files a mail carries together at most 10 MB. */
export const MAX_MAIL_FILES_BYTES = 10 * 1024 * 1024;

/**
 * Inline images: `<img src="…/crm/viewInLineImage?fileContent={id}">` in html content. The host
 * may be ours or Zoho's; the id decides. Other image URLs are left alone and never fetched.
 */
const INLINE_SRC = /(["'])((?:[a-z][a-z0-9+.-]*:\/\/[^"'\s/]+)?\/?crm\/viewInLineImage\?fileContent=([0-9a-f]{64})[^"']*)\1/gi;

export function inlineImageIds(html: string): string[] {
  return [...new Set([...html.matchAll(INLINE_SRC)].map((m) => m[3]!.toLowerCase()))];
}

/** Replaces each inline-image URL whose file is carried with `cid:<content id>`. */
export function rewriteInlineImages(html: string, contentIds: ReadonlyMap<string, string>): string {
  return html.replace(INLINE_SRC, (whole, quote: string, _url: string, id: string) => {
    const cid = contentIds.get(id.toLowerCase());
    return cid ? `${quote}cid:${cid}${quote}` : whole;
  });
}

export const newContentId = (): string => `${randomBytes(12).toString('hex')}@mailroom`;

/** The inline images of the content that are this org's inline files (others stay plain URLs). */
export async function inlineFilesOf(db: Database, orgId: string, html: string): Promise<FileRow[]> {
  const ids = inlineImageIds(html);
  return (await findFiles(db, orgId, ids)).filter((f) => f.is_inline === 1);
}

export async function insertMailAttachments(db: Database, rows: readonly MailAttachmentTable[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('mail_attachments').values([...rows]).execute();
}

export type CarriedFile = MailAttachmentTable & { name: string; content_type: string; size: number };

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
