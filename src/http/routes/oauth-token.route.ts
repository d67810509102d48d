import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { exchangeToken, revokeOAuthToken, type TokenRequest } from '../../auth/exchange-token.js';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { toAppError } from '../http-errors.js';
import * as schemas from '../schemas/oauth.js';

const TOKEN_FIELDS = ['grant_type', 'client_id', 'client_secret', 'refresh_token', 'code', 'redirect_uri', 'scope', 'soid'] as const;

/**
 * Zoho's accounts-server token endpoint. Zoho's SDK posts multipart/form-data; other clients post
 * x-www-form-urlencoded or put the fields in the query string: all three are read, body first.
 * OAuth answers are `{access_token…}` or `{"error": …}`, HTTP 200 either way, as Zoho does.
 */
export const oauthRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    await fastify.register(formbody, { bodyLimit: 64 * 1024 });
    await fastify.register(multipart, { limits: { fields: 20, fieldSize: 8 * 1024, files: 0, parts: 20 } });
    // The text fields of a multipart body become the body. A broken one (no boundary, cut short,
    // a malformed part) is a refused request, never a 500: the multipart parser's own errors
    // carry no code, so whatever it throws that the catalogue does not know is INVALID_BODY.
    fastify.addHook('preValidation', async (request) => {
      if (!request.isMultipart()) return;
      const fields: Record<string, string> = {};
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field' && typeof part.value === 'string') fields[part.fieldname] = part.value;
          else if (part.type === 'file') part.file.resume();
        }
      } catch (error) {
        const mapped = toAppError(error as FastifyError);
        throw mapped.code === 'INTERNAL_ERROR' ? new AppError('INVALID_BODY', { details: { expected_data_type: 'multipart/form-data' }, cause: error }) : mapped;
      }
      request.body = fields;
    });

    const fieldsOf = (request: FastifyRequest): TokenRequest => {
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
      const query = request.query as Record<string, unknown>;
      const out: TokenRequest = {};
      for (const key of TOKEN_FIELDS) {
        const value = body[key] ?? query[key];
        if (typeof value === 'string') out[key] = value;
      }
      return out;
    };

    fastify.post('/oauth/v2/token', { schema: schemas.token }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const result = await exchangeToken(ctx, fieldsOf(request));
      return result.ok ? result.body : { error: result.error };
    });

    fastify.post('/oauth/v2/token/revoke', { schema: schemas.revoke }, async (request) => {
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
      const query = request.query as Record<string, unknown>;
      const token = body.token ?? query.token;
      const revoked = await revokeOAuthToken(ctx, typeof token === 'string' ? token : undefined);
      return revoked ? { status: 'success' } : { error: 'invalid_token' };
    });
  };
