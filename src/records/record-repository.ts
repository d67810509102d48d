import type { Database } from '../db/database.js';
import type { RecordTable } from '../db/schema.js';

export type RecordRow = RecordTable;
export type RecordData = Record<string, unknown>;

export function parseData(row: Pick<RecordRow, 'data'>): RecordData {
  return JSON.parse(row.data) as RecordData;
}

export async function insertRecord(db: Database, row: RecordRow): Promise<void> {
  await db.insertInto('records').values(row).execute();
}

export async function findRecord(db: Database, orgId: string, module: string, id: string): Promise<RecordRow | undefined> {
  return db
    .selectFrom('records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('module', '=', module)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Records of an org by id, whatever their module (to name lookups). */
export async function findRecordsByIds(db: Database, orgId: string, ids: readonly string[]): Promise<RecordRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('records').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
}

export type ListOptions = {
  sortBy: 'id' | 'created_at' | 'modified_at';
  sortOrder: 'asc' | 'desc';
  offset: number;
  limit: number;
  ids?: readonly string[];
};

export async function listRecordRows(db: Database, orgId: string, module: string, options: ListOptions): Promise<RecordRow[]> {
  let query = db.selectFrom('records').selectAll().where('org_id', '=', orgId).where('module', '=', module);
  if (options.ids) query = query.where('id', 'in', [...options.ids]);
  query = query.orderBy(options.sortBy, options.sortOrder);
  if (options.sortBy !== 'id') query = query.orderBy('id', options.sortOrder);
  return query.limit(options.limit).offset(options.offset).execute();
}

export async function updateRecordRow(
  db: Database,
  orgId: string,
  id: string,
  changes: Partial<Pick<RecordRow, 'data' | 'owner_id' | 'modified_by' | 'modified_at'>>,
): Promise<void> {
  await db.updateTable('records').set(changes).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function deleteRecordRow(db: Database, orgId: string, module: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('records')
    .where('org_id', '=', orgId)
    .where('module', '=', module)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
