import type { Database } from '../db/database.js';
import type { RecordLockingConfigurationTable } from '../db/schema.js';

/** Record-locking configurations per org and module (`record_locking_configurations`); settings as JSON text. */
export type LockingConfigRow = RecordLockingConfigurationTable;

export async function findLockingConfigRow(db: Database, orgId: string, moduleApiName: string): Promise<LockingConfigRow | undefined> {
  return db
    .selectFrom('record_locking_configurations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('module', '=', moduleApiName)
    .executeTakeFirst();
}

/** Inserts the module's configuration, or changes its settings if the org has one for the module. */
export async function upsertLockingConfig(db: Database, row: LockingConfigRow): Promise<void> {
  await db
    .insertInto('record_locking_configurations')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'module']).doUpdateSet({ settings: row.settings, modified_by: row.modified_by, modified_at: row.modified_at }))
    .execute();
}
