import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { digest, newOAuthToken } from '../ids.js';
import { findOrg } from '../orgs/org-repository.js';
import { findUserById } from '../users/user-repository.js';
import { isValidScope, splitScopes } from './scopes.js';
import { findClient, insertToken, liveChildTokens, revokeToken } from './token-repository.js';

/** Zoho: a refresh token has at most 30 live access tokens; the 31st evicts the oldest. */
const MAX_LIVE_ACCESS_TOKENS = 30;

export type TokenResponse = {
  access_token: string;
  refresh_token?: string;
  scope: string;
  api_domain: string;
  token_type: 'Bearer';
  expires_in: number;
};

export function normaliseScopes(scopes: string | readonly string[]): string[] {
  const list = typeof scopes === 'string' ? splitScopes(scopes) : [...new Set(scopes)];
  if (list.length === 0 || list.some((s) => !isValidScope(s))) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'scope' } });
  }
  return list;
}

/** Mints an access token, optionally tied to the refresh token it came from. */
export async function issueAccessToken(
  ctx: Context,
  input: { orgId: string; userId: string; clientId: string | null; scopes: readonly string[]; parentDigest: string | null },
  db: Database = ctx.db,
): Promise<{ token: string; expiresIn: number }> {
  const now = ctx.clock.now();
  const token = newOAuthToken();
  const expiresIn = ctx.config.accessTokenTtlSeconds;
  if (input.parentDigest !== null) {
    const live = await liveChildTokens(db, input.parentDigest, now);
    const oldest = live.slice(0, Math.max(0, live.length - MAX_LIVE_ACCESS_TOKENS + 1));
    for (const old of oldest) {
      await revokeToken(db, old.token_digest, now);
    }
    if (oldest.length > 0) ctx.cache.tokensChanged();
  }
  await insertToken(db, {
    token_digest: digest(token),
    kind: 'access',
    org_id: input.orgId,
    user_id: input.userId,
    client_id: input.clientId,
    scopes: input.scopes.join(' '),
    parent_digest: input.parentDigest,
    expires_at: now + expiresIn * 1000,
    revoked_at: null,
    created_at: now,
  });
  return { token, expiresIn };
}

/** Mints a refresh token and a first access token from it (the CLI's `token create`, code exchange). */
export async function issueTokenPair(
  ctx: Context,
  input: { orgId: string; userId: string; clientId: string | null; scopes: readonly string[] },
  db: Database = ctx.db,
): Promise<TokenResponse> {
  const org = await findOrg(db, input.orgId);
  const user = org ? await findUserById(db, org.id, input.userId) : undefined;
  if (!org || !user) throw new AppError('NOT_FOUND', { details: { api_name: 'user' } });
  if (input.clientId !== null) {
    const client = await findClient(db, input.clientId);
    if (!client || client.org_id !== input.orgId) throw new AppError('NOT_FOUND', { details: { api_name: 'client_id' } });
  }
  const refresh = newOAuthToken();
  const refreshDigest = digest(refresh);
  await insertToken(db, {
    token_digest: refreshDigest,
    kind: 'refresh',
    org_id: input.orgId,
    user_id: input.userId,
    client_id: input.clientId,
    scopes: input.scopes.join(' '),
    parent_digest: null,
    expires_at: null,
    revoked_at: null,
    created_at: ctx.clock.now(),
  });
  const access = await issueAccessToken(ctx, { ...input, parentDigest: refreshDigest }, db);
  return {
    access_token: access.token,
    refresh_token: refresh,
    scope: input.scopes.join(' '),
    api_domain: ctx.config.publicUrl,
    token_type: 'Bearer',
    expires_in: access.expiresIn,
  };
}
