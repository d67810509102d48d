import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import { findFiles, type FileRow } from '../files/file-repository.js';
import { filesOfMails, insertMailAttachments } from './mail-attachment-repository.js';

// Kept importable from here: acceptance pins a mail's files, delivery loads them.
export { filesOfMails, insertMailAttachments };

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
