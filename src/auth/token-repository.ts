import type { Database } from '../db/database.js';
import type { OAuthClientTable, OAuthGrantTable, OAuthTokenTable, OrgTable, UserTable } from '../db/schema.js';

export type TokenRow = OAuthTokenTable;
export type ClientRow = OAuthClientTable;
export type GrantRow = OAuthGrantTable;

export async function insertToken(db: Database, row: TokenRow): Promise<void> {
  await db.insertInto('oauth_tokens').values(row).execute();
}

export async function findToken(db: Database, tokenDigest: string): Promise<TokenRow | undefined> {
  return db.selectFrom('oauth_tokens').selectAll().where('token_digest', '=', tokenDigest).executeTakeFirst();
}

/** Revokes a token and, for a refresh token, every access token minted from it. */
export async function revokeToken(db: Database, tokenDigest: string, at: number): Promise<number> {
  const result = await db
    .updateTable('oauth_tokens')
    .set({ revoked_at: at })
    .where((eb) => eb.or([eb('token_digest', '=', tokenDigest), eb('parent_digest', '=', tokenDigest)]))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Access tokens of a refresh token that are still live, oldest first (Zoho keeps at most 30). */
export async function liveChildTokens(db: Database, parentDigest: string, now: number): Promise<TokenRow[]> {
  return db
    .selectFrom('oauth_tokens')
    .selectAll()
    .where('parent_digest', '=', parentDigest)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .execute();
}

export async function insertClient(db: Database, row: ClientRow): Promise<void> {
  await db.insertInto('oauth_clients').values(row).execute();
}

export async function findClient(db: Database, clientId: string): Promise<ClientRow | undefined> {
  return db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export async function insertGrant(db: Database, row: GrantRow): Promise<void> {
  await db.insertInto('oauth_grants').values(row).execute();
}

/** Marks a grant code used; false if it was already used (a code works once). */
export async function consumeGrant(db: Database, codeDigest: string, at: number): Promise<GrantRow | undefined> {
  const grant = await db.selectFrom('oauth_grants').selectAll().where('code_digest', '=', codeDigest).executeTakeFirst();
  if (!grant || grant.used_at !== null) return undefined;
  const result = await db
    .updateTable('oauth_grants')
    .set({ used_at: at })
    .where('code_digest', '=', codeDigest)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? grant : undefined;
}

/** A token with what authenticating a request needs of its user and org. */
export type TokenWithOwner = Pick<TokenRow, 'kind' | 'org_id' | 'user_id' | 'scopes' | 'expires_at' | 'revoked_at'> &
  Pick<UserTable, 'status' | 'time_zone'> & { org_time_zone: OrgTable['time_zone'] };

/** A token by its digest, with its user's status and time zone and its org's time zone. */
export async function findTokenWithOwner(db: Database, tokenDigest: string): Promise<TokenWithOwner | undefined> {
  return db
    .selectFrom('oauth_tokens as t')
    .innerJoin('users as u', (join) => join.onRef('u.id', '=', 't.user_id').onRef('u.org_id', '=', 't.org_id'))
    .innerJoin('orgs as o', 'o.id', 't.org_id')
    .select(['t.kind', 't.org_id', 't.user_id', 't.scopes', 't.expires_at', 't.revoked_at', 'u.status', 'u.time_zone', 'o.time_zone as org_time_zone'])
    .where('t.token_digest', '=', tokenDigest)
    .executeTakeFirst();
}
