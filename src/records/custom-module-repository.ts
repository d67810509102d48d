import type { Database } from '../db/database.js';
import type { CustomModuleTable } from '../db/schema.js';

export type CustomModuleRow = CustomModuleTable;

/** An org's custom modules, in no particular order. */
export async function findCustomModuleRows(db: Database, orgId: string): Promise<CustomModuleRow[]> {
  return db.selectFrom('custom_modules').selectAll().where('org_id', '=', orgId).execute();
}

/** An org's custom modules, oldest first. */
export async function listCustomModuleRows(db: Database, orgId: string): Promise<CustomModuleRow[]> {
  return db.selectFrom('custom_modules').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
}

export async function insertCustomModule(db: Database, row: CustomModuleRow): Promise<void> {
  await db.insertInto('custom_modules').values(row).execute();
}
