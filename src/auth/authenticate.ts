import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { digest, OAUTH_TOKEN_PATTERN } from '../ids.js';
import { findTokenWithOwner } from './token-repository.js';

/**
 * Resolves an `Authorization` header to the calling user.
 * - no header, another scheme, or an empty token → AUTHENTICATION_FAILURE;
 * - a token that is unknown, revoked or expired (all alike, as Zoho) → INVALID_TOKEN.
 */
export async function authenticate(ctx: Context, header: string | undefined): Promise<Principal> {
  const match = /^(Zoho-oauthtoken|Bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new AppError('AUTHENTICATION_FAILURE');
  const token = match[2]!;
  if (!OAUTH_TOKEN_PATTERN.test(token)) throw new AppError('INVALID_TOKEN');
  const tokenDigest = digest(token);
  // Cached per process (src/cache): expiry is still checked against the clock on every hit.
  const row = await ctx.cache.tokens.load(tokenDigest, () => findTokenWithOwner(ctx.db, tokenDigest));
  if (
    !row ||
    row.kind !== 'access' ||
    row.revoked_at !== null ||
    row.expires_at === null ||
    row.expires_at <= ctx.clock.now() ||
    row.status !== 'active'
  ) {
    throw new AppError('INVALID_TOKEN');
  }
  return {
    orgId: row.org_id,
    userId: row.user_id,
    scopes: row.scopes.split(' '),
    timeZone: row.time_zone ?? row.org_time_zone,
  };
}
