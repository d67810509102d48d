import type { Database } from '../db/database.js';
import type { Profile, ProfilePermissionTable } from '../db/schema.js';

/** Profile permissions set away from their default (`profile_permissions`; a missing row is granted). */
export type PermissionRow = ProfilePermissionTable;

/** Whether the permission is enabled for the profile: 1 or 0, undefined when it was never set. */
export async function findPermissionEnabled(db: Database, orgId: string, profile: Profile, permission: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('profile_permissions')
    .select('enabled')
    .where('org_id', '=', orgId)
    .where('profile', '=', profile)
    .where('permission', '=', permission)
    .executeTakeFirst();
  return row?.enabled;
}

export async function listPermissionRows(db: Database, orgId: string): Promise<PermissionRow[]> {
  return db.selectFrom('profile_permissions').selectAll().where('org_id', '=', orgId).execute();
}

export async function upsertPermission(db: Database, row: PermissionRow): Promise<void> {
  await db
    .insertInto('profile_permissions')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'profile', 'permission']).doUpdateSet({ enabled: row.enabled }))
    .execute();
}
