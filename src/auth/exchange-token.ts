import { timingSafeEqual } from 'node:crypto';
import type { Context } from '../context.js';
import { digest, OAUTH_TOKEN_PATTERN } from '../ids.js';
import { findUserById } from '../users/user-repository.js';
import { issueAccessToken, issueTokenPair, normaliseScopes, type TokenResponse } from './issue-tokens.js';
import { consumeGrant, findClient, findToken, revokeToken, type ClientRow } from './token-repository.js';
import { AppError } from '../errors.js';

/**
 * `POST /oauth/v2/token`: the grants of Zoho's accounts server. OAuth errors are not CRM
 * envelopes: like Zoho, the answer is `{"error": "<code>"}` (see docs/zoho-compatibility.md for
 * the HTTP status).
 */
export type TokenRequest = Partial<
  Record<'grant_type' | 'client_id' | 'client_secret' | 'refresh_token' | 'code' | 'redirect_uri' | 'scope' | 'soid', string>
>;

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_client_secret'
  | 'invalid_code'
  | 'invalid_scope'
  | 'unsupported_grant_type';

export type TokenExchangeResult = { ok: true; body: TokenResponse } | { ok: false; error: OAuthErrorCode };

const fail = (error: OAuthErrorCode): TokenExchangeResult => ({ ok: false, error });

function secretMatches(client: ClientRow, secret: string | undefined): boolean {
  if (!secret) return false;
  const a = Buffer.from(client.secret_digest, 'hex');
  const b = Buffer.from(digest(secret), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

async function authenticateClient(
  ctx: Context,
  request: TokenRequest,
): Promise<{ client: ClientRow } | { error: OAuthErrorCode }> {
  if (!request.client_id) return { error: 'invalid_client' };
  const client = await findClient(ctx.db, request.client_id);
  if (!client) return { error: 'invalid_client' };
  if (!secretMatches(client, request.client_secret)) return { error: 'invalid_client_secret' };
  return { client };
}

export async function exchangeToken(ctx: Context, request: TokenRequest): Promise<TokenExchangeResult> {
  const now = ctx.clock.now();
  switch (request.grant_type) {
    case 'refresh_token': {
      const refresh = request.refresh_token ?? '';
      if (!OAUTH_TOKEN_PATTERN.test(refresh)) return fail('invalid_code');
      const row = await findToken(ctx.db, digest(refresh));
      if (!row || row.kind !== 'refresh' || row.revoked_at !== null) return fail('invalid_code');
      // A refresh token bound to a client needs that client's credentials; one made by
      // `mailroom token create` without --client-id is a bearer secret on its own.
      if (row.client_id !== null) {
        if (request.client_id !== row.client_id) return fail('invalid_client');
        const auth = await authenticateClient(ctx, request);
        if ('error' in auth) return fail(auth.error);
      }
      if (!(await findUserById(ctx.db, row.org_id, row.user_id))) return fail('invalid_code');
      const scopes = row.scopes.split(' ');
      const access = await issueAccessToken(ctx, {
        orgId: row.org_id,
        userId: row.user_id,
        clientId: row.client_id,
        scopes,
        parentDigest: row.token_digest,
      });
      return {
        ok: true,
        body: {
          access_token: access.token,
          scope: scopes.join(' '),
          api_domain: ctx.config.publicUrl,
          token_type: 'Bearer',
          expires_in: access.expiresIn,
        },
      };
    }
    case 'authorization_code': {
      const auth = await authenticateClient(ctx, request);
      if ('error' in auth) return fail(auth.error);
      const code = request.code ?? '';
      if (!OAUTH_TOKEN_PATTERN.test(code)) return fail('invalid_code');
      const grant = await consumeGrant(ctx.db, digest(code), now);
      if (!grant || grant.client_id !== auth.client.client_id || grant.expires_at <= now) return fail('invalid_code');
      const body = await issueTokenPair(ctx, {
        orgId: grant.org_id,
        userId: grant.user_id,
        clientId: grant.client_id,
        scopes: grant.scopes.split(' '),
      });
      return { ok: true, body };
    }
    case 'client_credentials': {
      const auth = await authenticateClient(ctx, request);
      if ('error' in auth) return fail(auth.error);
      const { client } = auth;
      // Zoho's client-credentials flow names the org as `soid=ZohoCRM.<org id>`.
      if (request.soid !== undefined && request.soid.replace(/^ZohoCRM\./i, '') !== client.org_id) {
        return fail('invalid_client');
      }
      let scopes: string[];
      try {
        scopes = normaliseScopes(request.scope ?? '');
      } catch (error) {
        if (error instanceof AppError) return fail('invalid_scope');
        throw error;
      }
      const access = await issueAccessToken(ctx, {
        orgId: client.org_id,
        userId: client.user_id,
        clientId: client.client_id,
        scopes,
        parentDigest: null,
      });
      return {
        ok: true,
        body: {
          access_token: access.token,
          scope: scopes.join(' '),
          api_domain: ctx.config.publicUrl,
          token_type: 'Bearer',
          expires_in: access.expiresIn,
        },
      };
    }
    case undefined:
      return fail('invalid_request');
    default:
      return fail('unsupported_grant_type');
  }
}

/** `POST /oauth/v2/token/revoke?token=…`: revokes a refresh token (and its access tokens) or one access token. */
export async function revokeOAuthToken(ctx: Context, token: string | undefined): Promise<boolean> {
  if (!token || !OAUTH_TOKEN_PATTERN.test(token)) return false;
  const revoked = (await revokeToken(ctx.db, digest(token), ctx.clock.now())) > 0;
  if (revoked) ctx.cache.tokensChanged(); // at once here; other processes within CACHE_TTL_SECONDS
  return revoked;
}
