import type { Database } from '../db/database.js';
import type { RecordLockTable } from '../db/schema.js';

/** Locks of records (`record_locks`): at most one per record. */
export type RecordLockRow = RecordLockTable;

export async function findLock(db: Database, orgId: string, recordId: string): Promise<RecordLockRow | undefined> {
  return db.selectFrom('record_locks').selectAll().where('org_id', '=', orgId).where('record_id', '=', recordId).executeTakeFirst();
}

/** Inserts the lock unless the record has one already; answers whether it was inserted. */
export async function insertLockIfUnlocked(db: Database, row: RecordLockRow): Promise<boolean> {
  const result = await db
    .insertInto('record_locks')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'record_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) !== 0;
}

/** Deletes the record's lock if its id is `lockId`; answers whether one was deleted. */
export async function deleteLock(db: Database, orgId: string, recordId: string, lockId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('record_locks')
    .where('org_id', '=', orgId)
    .where('record_id', '=', recordId)
    .where('id', '=', lockId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) !== 0;
}
