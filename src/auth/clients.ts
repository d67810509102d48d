import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { digest, newClientId, newOAuthToken, newSecret } from '../ids.js';
import { findUserById } from '../users/user-repository.js';
import { normaliseScopes } from './issue-tokens.js';
import { findClient, insertClient, insertGrant } from './token-repository.js';

/** Registers an OAuth client ("self client") for a user; the secret is shown once, stored as a digest. */
export async function createClient(
  ctx: Context,
  input: { orgId: string; userId: string; name?: string },
): Promise<{ client_id: string; client_secret: string; name: string }> {
  if (!(await findUserById(ctx.db, input.orgId, input.userId))) {
    throw new AppError('NOT_FOUND', { details: { api_name: 'user' } });
  }
  const clientId = newClientId();
  const secret = newSecret();
  const name = input.name?.trim() || 'Self Client';
  await insertClient(ctx.db, {
    client_id: clientId,
    org_id: input.orgId,
    user_id: input.userId,
    name,
    secret_digest: digest(secret),
    created_at: ctx.clock.now(),
  });
  return { client_id: clientId, client_secret: secret, name };
}

/** Zoho's self client lets a grant code live 3 to 10 minutes. */
export const GRANT_CODE_TTL_SECONDS = { min: 60, max: 600, default: 180 } as const;

/** Issues an authorization ("grant") code for a client, as Zoho's self-client console does. */
export async function createGrantCode(
  ctx: Context,
  input: { clientId: string; scopes: string; userId?: string; expiresInSeconds?: number },
): Promise<{ code: string; client_id: string; scope: string; expires_in: number }> {
  const client = await findClient(ctx.db, input.clientId);
  if (!client) throw new AppError('NOT_FOUND', { details: { api_name: 'client_id' } });
  const userId = input.userId ?? client.user_id;
  if (!(await findUserById(ctx.db, client.org_id, userId))) {
    throw new AppError('NOT_FOUND', { details: { api_name: 'user' } });
  }
  const scopes = normaliseScopes(input.scopes);
  const ttl = input.expiresInSeconds ?? GRANT_CODE_TTL_SECONDS.default;
  if (!Number.isInteger(ttl) || ttl < GRANT_CODE_TTL_SECONDS.min || ttl > GRANT_CODE_TTL_SECONDS.max) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'expires_in' } });
  }
  const code = newOAuthToken();
  await insertGrant(ctx.db, {
    code_digest: digest(code),
    client_id: client.client_id,
    org_id: client.org_id,
    user_id: userId,
    scopes: scopes.join(' '),
    expires_at: ctx.clock.now() + ttl * 1000,
    used_at: null,
  });
  return { code, client_id: client.client_id, scope: scopes.join(' '), expires_in: ttl };
}
