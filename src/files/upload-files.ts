import { createHash, randomBytes } from 'node:crypto';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { insertFile, type FileRow } from './file-repository.js';
import type { FileStorage } from './file-storage.js';

export const MAX_FILE_BYTES = 20 * 1024 * 1024;
export const MAX_FILES_PER_UPLOAD = 10;

export type UploadedPart = { filename: string | undefined; mimetype: string | undefined; bytes: Buffer };

/** Image types an inline image may have, told by their first bytes (never by the client's claim). */
const IMAGE_SIGNATURES: [string, (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.subarray(0, 6).toString('latin1') === 'GIF87a' || b.subarray(0, 6).toString('latin1') === 'GIF89a'],
  ['image/webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
];

export function sniffImageType(bytes: Buffer): string | null {
  return IMAGE_SIGNATURES.find(([, test]) => test(bytes))?.[0] ?? null;
}

/** The uploader's name without any path, control characters or excess length; used only as a MIME filename. */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, '').trim().slice(0, 255);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'file' : cleaned;
}

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/**
 * `POST /crm/{v}/files`: stores 1–10 files of at most 20 MB each for the caller's org and returns
 * their opaque ids, in order. `inline` files must be images (checked by their bytes) and can be
 * referenced from html content as inline images.
 */
export async function uploadFiles(
  ctx: Context,
  storage: FileStorage,
  principal: Principal,
  parts: readonly UploadedPart[],
  options: { inline: boolean },
): Promise<FileRow[]> {
  if (parts.length === 0) throw new AppError('FILE_UPLOAD_FAILED');
  if (parts.length > MAX_FILES_PER_UPLOAD) throw new AppError('TOO_MANY_FILES', { details: { maximum_length: MAX_FILES_PER_UPLOAD } });
  const rows: FileRow[] = [];
  for (const part of parts) {
    if (part.bytes.length > MAX_FILE_BYTES) throw new AppError('FILE_TOO_LARGE', { details: { size: MAX_FILE_BYTES } });
    let contentType = part.mimetype && MIME_TYPE.test(part.mimetype) ? part.mimetype.toLowerCase() : 'application/octet-stream';
    if (options.inline) {
      const sniffed = sniffImageType(part.bytes);
      if (!sniffed) throw new AppError('FILE_UPLOAD_FAILED', { details: { reason: 'inline files must be PNG, JPEG, GIF or WebP images' } });
      contentType = sniffed;
    }
    rows.push({
      id: randomBytes(32).toString('hex'),
      org_id: principal.orgId,
      name: cleanFileName(part.filename),
      content_type: contentType,
      size: part.bytes.length,
      sha256: createHash('sha256').update(part.bytes).digest('hex'),
      is_inline: options.inline ? 1 : 0,
      created_by: principal.userId,
      created_at: ctx.clock.now(),
    });
  }
  // Bytes first, then the rows that make them visible: a crash in between leaves only unreachable bytes.
  for (const [i, row] of rows.entries()) await storage.put(row.id, parts[i]!.bytes);
  await ctx.db.transaction().execute(async (tx) => {
    for (const row of rows) await insertFile(tx, row);
  });
  return rows;
}
