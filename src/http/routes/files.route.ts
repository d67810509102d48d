import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import type { FileRow } from '../../files/file-repository.js';
import { getFile, getInlineImage } from '../../files/get-file.js';
import { MAX_FILE_BYTES, MAX_FILES_PER_UPLOAD, uploadFiles, type UploadedPart } from '../../files/upload-files.js';
import { principalOf } from '../auth-hooks.js';
import * as schemas from '../schemas/files.js';

/** RFC 6266/5987 attachment header; the name is data, never a path. */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function sendBytes(reply: FastifyReply, file: FileRow, bytes: Buffer, contentType: string, disposition: string) {
  return reply
    .header('content-type', contentType)
    .header('content-disposition', disposition)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, max-age=0')
    .send(bytes);
}

/** Files API (Zoho's ZFS): upload, download; and the inline-image URL. */
export const fileRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    await fastify.register(multipart, {
      limits: { fileSize: MAX_FILE_BYTES, files: MAX_FILES_PER_UPLOAD + 1, fields: 10, parts: MAX_FILES_PER_UPLOAD + 11, headerPairs: 200 },
      throwFileSizeLimit: true,
    });

    fastify.post('/crm/:version/files', { schema: schemas.uploadFiles, config: { scopes: ['ZohoCRM.files.CREATE'] } }, async (request) => {
      const principal = principalOf(request);
      const type = request.query.type;
      if (type !== undefined && type !== 'inline') throw new AppError('INVALID_PARAMETER', { details: { param_name: 'type', supported_values: ['inline'] } });
      if (!request.isMultipart()) throw new AppError('FILE_UPLOAD_FAILED');
      const parts: UploadedPart[] = [];
      try {
        for await (const part of request.files()) {
          if (part.fieldname !== 'file') {
            part.file.resume();
            continue;
          }
          if (parts.length >= MAX_FILES_PER_UPLOAD) throw new AppError('TOO_MANY_FILES', { details: { maximum_length: MAX_FILES_PER_UPLOAD } });
          parts.push({ filename: part.filename, mimetype: part.mimetype, bytes: await part.toBuffer() });
        }
      } catch (error) {
        if (error instanceof AppError) throw error;
        const code = (error as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('FILE_TOO_LARGE', { details: { size: MAX_FILE_BYTES } });
        if (code === 'FST_FILES_LIMIT') throw new AppError('TOO_MANY_FILES', { details: { maximum_length: MAX_FILES_PER_UPLOAD } });
        throw new AppError('FILE_UPLOAD_FAILED', { cause: error });
      }
      const rows = await uploadFiles(ctx, ctx.files, principal, parts, { inline: type === 'inline' });
      return {
        data: rows.map((row) => ({
          code: 'SUCCESS',
          details: { name: row.name, id: row.id },
          message: `${row.name} uploaded Succeessfully`,
          status: 'success',
        })),
      };
    });

    fastify.get('/crm/:version/files', { schema: schemas.downloadFile, config: { scopes: ['ZohoCRM.files.READ'] } }, async (request, reply) => {
      const principal = principalOf(request);
      const id = request.query.id;
      const found = await getFile(ctx, principal, typeof id === 'string' ? id : undefined);
      if (!found) return reply.status(204).send();
      return sendBytes(reply, found.file, found.bytes, 'application/x-download', attachmentDisposition(found.file.name));
    });
  };

/** `GET /crm/viewInLineImage?fileContent=` (no version segment, no token: see getInlineImage). */
export const inlineImageRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    fastify.get('/crm/viewInLineImage', { schema: schemas.inlineImage }, async (request, reply) => {
      const id = request.query.fileContent;
      const found = await getInlineImage(ctx, typeof id === 'string' ? id : undefined);
      if (!found) return reply.status(204).send();
      return sendBytes(reply, found.file, found.bytes, found.file.content_type, `inline; filename="${found.file.id}"`);
    });
  };
