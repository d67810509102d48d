/**
 * Row types for every table: the one source of truth the query builder checks against.
 *
 * Portable conventions (the same SQL runs on SQLite and PostgreSQL):
 * - ids are 19-digit numeric strings stored as text;
 * - instants are epoch milliseconds in `bigint` columns (the pg driver is told to return numbers);
 * - booleans are integers 0/1;
 * - structured values are JSON text.
 */

export type Edition = 'free' | 'standard' | 'professional' | 'enterprise' | 'ultimate';
export type Profile = 'admin' | 'standard';

export interface OrgTable {
  id: string;
  zgid: string;
  name: string;
  edition: Edition;
  time_zone: string;
  privacy_settings: number;
  created_at: number;
}

export interface UserTable {
  id: string;
  org_id: string;
  first_name: string | null;
  last_name: string;
  email: string;
  profile: Profile;
  status: 'active' | 'inactive';
  is_confirmed: number;
  is_email_confirmed: number;
  password_hash: string | null;
  time_zone: string | null;
  created_at: number;
}

export interface OAuthClientTable {
  client_id: string;
  org_id: string;
  user_id: string;
  name: string;
  secret_digest: string;
  created_at: number;
}

export interface OAuthGrantTable {
  code_digest: string;
  client_id: string;
  org_id: string;
  user_id: string;
  scopes: string;
  expires_at: number;
  used_at: number | null;
}

export interface OAuthTokenTable {
  token_digest: string;
  kind: 'access' | 'refresh';
  org_id: string;
  user_id: string;
  client_id: string | null;
  scopes: string;
  /** Refresh token an access token was minted from; revoking it revokes its access tokens. */
  parent_digest: string | null;
  expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface CustomModuleTable {
  id: string;
  org_id: string;
  api_name: string;
  singular_label: string;
  plural_label: string;
  /** JSON array of field definitions beyond the defaults every custom module has. */
  fields: string;
  created_at: number;
}

export interface RecordTable {
  id: string;
  org_id: string;
  module: string;
  /** JSON object: field API name → stored value (lookups are stored as ids). */
  data: string;
  owner_id: string;
  created_by: string;
  modified_by: string;
  created_at: number;
  modified_at: number;
}

export interface DB {
  orgs: OrgTable;
  users: UserTable;
  oauth_clients: OAuthClientTable;
  oauth_grants: OAuthGrantTable;
  oauth_tokens: OAuthTokenTable;
  custom_modules: CustomModuleTable;
  records: RecordTable;
}
