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
