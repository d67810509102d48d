import type { Database } from '../db/database.js';
import type { DkimKeyTable } from '../db/schema.js';

/** `dkim_keys` (migration 0018): an org's DKIM keys per From domain. */
export type DkimKeyRow = DkimKeyTable;

export async function insertDkimKey(db: Database, row: DkimKeyRow): Promise<void> {
  await db.insertInto('dkim_keys').values(row).execute();
}

/** The org's keys, by domain then age; of one domain with `domain`. */
export async function listDkimKeys(db: Database, orgId: string, domain?: string): Promise<DkimKeyRow[]> {
  let query = db.selectFrom('dkim_keys').selectAll().where('org_id', '=', orgId);
  if (domain !== undefined) query = query.where('domain', '=', domain);
  return query.orderBy('domain').orderBy('created_at').orderBy('id').execute();
}

/** Whether any key, of any org, has this DNS name (`<selector>._domainkey.<domain>`). */
export async function dkimSelectorTaken(db: Database, domain: string, selector: string): Promise<boolean> {
  const row = await db.selectFrom('dkim_keys').select('id').where('domain', '=', domain).where('selector', '=', selector).executeTakeFirst();
  return row !== undefined;
}

/** Deletes one of the org's keys; false when it has none by that domain and selector. */
export async function deleteDkimKey(db: Database, orgId: string, domain: string, selector: string): Promise<boolean> {
  const result = await db.deleteFrom('dkim_keys').where('org_id', '=', orgId).where('domain', '=', domain).where('selector', '=', selector).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** One of the org's keys by id (another org's id: undefined, as a missing one). */
export async function findDkimKey(db: Database, orgId: string, id: string): Promise<DkimKeyRow | undefined> {
  return db.selectFrom('dkim_keys').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}
