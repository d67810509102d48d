import type { Database } from '../db/database.js';
import type { Profile, UserTable } from '../db/schema.js';

export type UserRow = UserTable;

export function fullName(user: Pick<UserRow, 'first_name' | 'last_name'>): string {
  return [user.first_name, user.last_name].filter((part) => part && part.length > 0).join(' ');
}

export async function findUserById(db: Database, orgId: string, userId: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
}

export async function findUserByEmail(db: Database, orgId: string, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
}

/**
 * Active users with a password and this email, in every org (sign-in by email and password, where
 * the org is not named), with the time zone that applies to them. Oldest first.
 */
export async function findPasswordUsersByEmail(
  db: Database,
  email: string,
): Promise<{ id: string; org_id: string; password_hash: string; time_zone: string }[]> {
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('orgs as o', 'o.id', 'u.org_id')
    .select(['u.id', 'u.org_id', 'u.password_hash', 'u.time_zone', 'o.time_zone as org_time_zone'])
    .where('u.email', '=', email.toLowerCase())
    .where('u.status', '=', 'active')
    .where('u.password_hash', 'is not', null)
    .orderBy('u.id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    org_id: row.org_id,
    password_hash: row.password_hash ?? '',
    time_zone: row.time_zone ?? row.org_time_zone,
  }));
}

export async function listUsers(db: Database, orgId: string): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
}

export async function findUsersByIds(db: Database, orgId: string, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
}

export async function insertUser(db: Database, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export type { Profile };
