import { sql } from 'kysely';
import { dialectOf, type Database } from '../db/database.js';
import type { RecordRow } from '../records/record-repository.js';

/** Queries the web UI needs beyond the API's: record counts, text search and reverse lookups. */

export async function countRecordsByModule(db: Database, orgId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('records')
    .select(['module', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .groupBy('module')
    .execute();
  return new Map(rows.map((r) => [r.module, Number(r.n)]));
}

/** A `LIKE` pattern (escape `\`) matching any text that contains `term`. */
export const likePattern = (term: string): string => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A module's records, newest first: `limit` rows from `offset`. */
export async function listModuleRecordsNewestFirst(db: Database, orgId: string, module: string, limit: number, offset: number): Promise<RecordRow[]> {
  return db
    .selectFrom('records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('module', '=', module)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
}

/**
 * A module's records whose stored JSON text contains `term` (already lower case), ignoring
 * case, newest first, at most `limit`.
 */
export async function findModuleRecordsWithText(db: Database, orgId: string, module: string, term: string, limit: number): Promise<RecordRow[]> {
  const query = db.selectFrom('records').selectAll().where('org_id', '=', orgId).where('module', '=', module);
  // The one dialect branch: SQLite's LIKE ignores ASCII case only after lower(), PostgreSQL has ILIKE.
  const pattern = likePattern(term);
  const narrowed =
    dialectOf(db) === 'postgres'
      ? query.where(sql<boolean>`data ilike ${pattern} escape '\\'`)
      : query.where(sql<boolean>`lower(data) like ${pattern} escape '\\'`);
  return narrowed.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** A module's records whose stored JSON contains `recordId` as a string value, newest id first, at most `limit`. */
export async function findModuleRecordsMentioning(db: Database, orgId: string, module: string, recordId: string, limit: number): Promise<RecordRow[]> {
  return db
    .selectFrom('records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('module', '=', module)
    .where('data', 'like', likePattern(`"${recordId}"`))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
