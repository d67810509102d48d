import type { Context, Principal } from '../context.js';
import type { ModuleDefinition } from '../records/modules.js';
import { parseData, type RecordRow } from '../records/record-repository.js';
import { countRecordsByModule as countByModule, findModuleRecordsMentioning, findModuleRecordsWithText, listModuleRecordsNewestFirst } from './record-search-repository.js';

/** What the web UI shows beyond the API: record counts, text search and reverse lookups. */

export async function countRecordsByModule(ctx: Context, orgId: string): Promise<Map<string, number>> {
  return countByModule(ctx.db, orgId);
}

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
  const term = options.term.trim().toLowerCase();
  const offset = (options.page - 1) * options.perPage;
  if (term === '') {
    const rows = await listModuleRecordsNewestFirst(ctx.db, principal.orgId, module.apiName, options.perPage + 1, offset);
    return { rows: rows.slice(0, options.perPage), more: rows.length > options.perPage };
  }
  const candidates = await findModuleRecordsWithText(ctx.db, principal.orgId, module.apiName, term, SEARCH_SCAN_LIMIT);
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
    const rows = await findModuleRecordsMentioning(ctx.db, principal.orgId, module.apiName, recordId, limit * fields.length);
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
