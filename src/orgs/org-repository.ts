import type { Database } from '../db/database.js';
import type { Edition, OrgTable } from '../db/schema.js';

export type OrgRow = OrgTable;
export const EDITIONS: readonly Edition[] = ['free', 'standard', 'professional', 'enterprise', 'ultimate'];

export async function findOrg(db: Database, orgId: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export async function findFirstOrg(db: Database): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().orderBy('id').limit(1).executeTakeFirst();
}

export async function insertOrg(db: Database, row: OrgRow): Promise<void> {
  await db.insertInto('orgs').values(row).execute();
}

export async function updateOrgRow(
  db: Database,
  orgId: string,
  changes: Partial<Pick<OrgRow, 'name' | 'edition' | 'time_zone' | 'privacy_settings'>>,
): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await db.updateTable('orgs').set(changes).where('id', '=', orgId).execute();
}
