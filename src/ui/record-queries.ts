import { sql } from 'kysely';
import type { Context, Principal } from '../context.js';
import type { ModuleDefinition } from '../records/modules.js';
import { parseData, type RecordRow } from '../records/record-repository.js';

/** Queries the web UI needs beyond the API's: record counts, text search and reverse lookups. */

export async function countRecordsByModule(ctx: Context, orgId: string): Promise<Map<string, number>> {
  const rows = await ctx.db
    .selectFrom('records')
    .select(['module', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .groupBy('module')
    .execute();
  return new Map(rows.map((r) => [r.module, Number(r.n)]));
}

const likePattern = (term: string): string => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** At most this many stored rows are scanned for one search (newest first). */
const SEARCH_SCAN_LIMIT = 2000;

/**
 * A page of a module's records, newest first, optionally only those with a field value that
 * contains `term` (case-insensitive). The database narrows by the stored JSON text; the values
 * then decide, so a field's name never matches. One row more than `perPage` tells whether more follow.
 */
export async function searchRecords(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  options: { term: string; page: number; perPage: number },
): Promise<{ rows: RecordRow[]; more: boolean }> {
  let query = ctx.db.selectFrom('records').selectAll().where('org_id', '=', principal.orgId).where('module', '=', module.apiName);
  const term = options.term.trim().toLowerCase();
  const offset = (options.page - 1) * options.perPage;
  if (term === '') {
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.perPage + 1).offset(offset).execute();
    return { rows: rows.slice(0, options.perPage), more: rows.length > options.perPage };
  }
  // The one dialect branch: SQLite's LIKE ignores ASCII case only after lower(), PostgreSQL has ILIKE.
  const pattern = likePattern(term);
  query =
    ctx.dialect === 'postgres'
      ? query.where(sql<boolean>`data ilike ${pattern} escape '\\'`)
      : query.where(sql<boolean>`lower(data) like ${pattern} escape '\\'`);
  const candidates = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(SEARCH_SCAN_LIMIT).execute();
  const matching = candidates.filter((row) =>
    Object.values(parseData(row)).some((value) => (typeof value === 'string' || typeof value === 'number') && String(value).toLowerCase().includes(term)),
  );
  return { rows: matching.slice(offset, offset + options.perPage), more: matching.length > offset + options.perPage };
}

export type RelatedGroup = { module: ModuleDefinition; field: string; records: { id: string; name: string }[] };

/** Records of other modules whose lookup fields point at this record (at most `limit` per field). */
export async function findReferringRecords(
  ctx: Context,
  principal: Principal,
  modules: readonly ModuleDefinition[],
  target: ModuleDefinition,
  recordId: string,
  limit = 20,
): Promise<RelatedGroup[]> {
  const groups: RelatedGroup[] = [];
  for (const module of modules) {
    const fields = module.fields.filter((f) => f.type === 'lookup' && f.lookupModule === target.apiName);
    if (fields.length === 0) continue;
    // The id as a JSON string value narrows the scan; the parsed data decides.
    const rows = await ctx.db
      .selectFrom('records')
      .selectAll()
      .where('org_id', '=', principal.orgId)
      .where('module', '=', module.apiName)
      .where('data', 'like', likePattern(`"${recordId}"`))
      .orderBy('id', 'desc')
      .limit(limit * fields.length)
      .execute();
    for (const field of fields) {
      const records = rows
        .map((row) => ({ row, data: parseData(row) }))
        .filter(({ data }) => String(data[field.apiName] ?? '') === recordId)
        .slice(0, limit)
        .map(({ row, data }) => ({ id: row.id, name: recordName(module, data) }));
      if (records.length > 0) groups.push({ module, field: field.label, records });
    }
  }
  return groups;
}

/** What names a record in lists and links: its name field, else a person's name, else its id. */
export function recordName(module: ModuleDefinition, data: Record<string, unknown>): string {
  const value = data[module.nameField];
  if (typeof value === 'string' && value.trim() !== '') return value;
  const person = [data.First_Name, data.Last_Name].filter((v): v is string => typeof v === 'string' && v !== '').join(' ');
  return person !== '' ? person : '(no name)';
}
