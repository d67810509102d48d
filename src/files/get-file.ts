import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findFile, findInlineImage, type FileRow } from './file-repository.js';

/** `GET /crm/{v}/files?id=`: the file's bytes and name, or null (Zoho answers 204) when unknown here. */
export async function getFile(ctx: Context, principal: Principal, fileId: string | undefined): Promise<{ file: FileRow; bytes: Buffer } | null> {
  if (fileId === undefined || fileId === '') throw new AppError('FILE_ID_MISSING', { details: { param_name: 'id' } });
  const file = await findFile(ctx.db, principal.orgId, fileId);
  if (!file) return null;
  const bytes = await ctx.files.get(file.id);
  return bytes ? { file, bytes } : null;
}

/**
 * `GET /crm/viewInLineImage?fileContent=`: an inline image, without authentication (mail clients
 * and editors load it by URL). Only files uploaded with `type=inline`, whose bytes were checked to
 * be an image, are served this way; the 256-bit id is the capability.
 */
export async function getInlineImage(ctx: Context, fileId: string | undefined): Promise<{ file: FileRow; bytes: Buffer } | null> {
  if (fileId === undefined) return null;
  const file = await findInlineImage(ctx.db, fileId);
  if (!file) return null;
  const bytes = await ctx.files.get(file.id);
  return bytes ? { file, bytes } : null;
}
