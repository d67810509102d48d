import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate } from '../auth/authenticate.js';
import { isAuthorized } from '../auth/scopes.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { isApiVersion, type ApiVersion } from '../wire/versions.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * For every route under `/crm/{version}/`: an unknown version is an unknown URL; then the OAuth
 * token must identify a user. Scopes and the module are checked later, from the route's config,
 * by the access hook (route-access.ts), once the body has been read.
 */
export function registerCrmAuth(fastify: FastifyInstance, ctx: Context): void {
  fastify.addHook('onRequest', async (request) => {
    const { version } = request.params as { version?: string };
    if (version !== undefined && !isApiVersion(version)) throw new AppError('INVALID_URL_PATTERN');
    request.principal = await authenticate(ctx, request.headers.authorization);
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('AUTHENTICATION_FAILURE');
  return request.principal;
}

export function versionOf(request: FastifyRequest): ApiVersion {
  const { version } = request.params as { version: string };
  if (!isApiVersion(version)) throw new AppError('INVALID_URL_PATTERN');
  return version;
}

export function requireScopes(principal: Principal, anyOf: readonly string[]): void {
  if (!isAuthorized(principal.scopes, anyOf)) throw new AppError('OAUTH_SCOPE_MISMATCH');
}
