import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { MAX_DATA_ITEMS } from '../wire/item-array.js';
import type { ModuleDefinition } from './modules.js';
import { presentRecords } from './present-record.js';
import { findRecord, listRecordRows } from './record-repository.js';

/** Zoho caps `fields` at 50 API names and `per_page` at 200. */
const MAX_FIELDS = 50;
const MAX_PER_PAGE = 200;

export type ListQuery = {
  fields?: string;
  page?: string;
  per_page?: string;
  sort_by?: string;
  sort_order?: string;
  ids?: string;
};

function parseFields(module: ModuleDefinition, raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new AppError('REQUIRED_PARAM_MISSING', { details: { param: 'fields' } });
  if (names.length > MAX_FIELDS) {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'fields', maximum_length: MAX_FIELDS } });
  }
  for (const name of names) {
    if (name !== 'id' && !module.fields.some((f) => f.apiName === name)) {
      throw new AppError('INVALID_PARAMETER', { details: { param_name: 'fields', api_name: name } });
    }
  }
  return names;
}

function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: name } });
  }
  return value;
}

/** Get one record; another org's id answers exactly like an id that does not exist. */
export async function getRecord(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  id: string,
  query: Pick<ListQuery, 'fields'>,
): Promise<Record<string, unknown>> {
  const fields = parseFields(module, query.fields);
  const row = /^\d{1,19}$/.test(id) ? await findRecord(ctx.db, principal.orgId, module.apiName, id) : undefined;
  if (!row) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });
  const [record] = await presentRecords([row], {
    db: ctx.db,
    orgId: principal.orgId,
    module,
    timeZone: principal.timeZone,
    ...(fields ? { fields } : {}),
  });
  return record!;
}

export type RecordPage = { data: Record<string, unknown>[]; info: Record<string, unknown> };

/**
 * List records with Zoho's page/per_page paging. From v7 on Zoho requires `fields`; earlier
 * versions return every field when it is absent.
 */
export async function listRecords(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  query: ListQuery,
  options: { fieldsRequired: boolean },
): Promise<RecordPage> {
  if (options.fieldsRequired && query.fields === undefined) {
    throw new AppError('REQUIRED_PARAM_MISSING', { details: { param: 'fields' } });
  }
  const fields = parseFields(module, query.fields);
  const page = positiveInt('page', query.page, 1, 100_000);
  const perPage = positiveInt('per_page', query.per_page, MAX_PER_PAGE, MAX_PER_PAGE);
  const sortByName = query.sort_by ?? 'id';
  const sortBy = ({ id: 'id', Created_Time: 'created_at', Modified_Time: 'modified_at' } as const)[
    sortByName as 'id' | 'Created_Time' | 'Modified_Time'
  ];
  if (!sortBy) {
    throw new AppError('INVALID_PARAMETER', {
      details: { param_name: 'sort_by', supported_values: ['id', 'Created_Time', 'Modified_Time'] },
    });
  }
  const sortOrder = query.sort_order ?? 'desc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'sort_order', supported_values: ['asc', 'desc'] } });
  }
  let ids: string[] | undefined;
  if (query.ids !== undefined) {
    ids = query.ids.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (ids.length > MAX_DATA_ITEMS || ids.some((id) => !/^\d{1,19}$/.test(id))) {
      throw new AppError('INVALID_PARAMETER', { details: { param_name: 'ids' } });
    }
  }
  const rows = await listRecordRows(ctx.db, principal.orgId, module.apiName, {
    sortBy,
    sortOrder,
    offset: (page - 1) * perPage,
    limit: perPage + 1,
    ...(ids ? { ids } : {}),
  });
  const moreRecords = rows.length > perPage;
  const data = await presentRecords(rows.slice(0, perPage), {
    db: ctx.db,
    orgId: principal.orgId,
    module,
    timeZone: principal.timeZone,
    ...(fields ? { fields } : {}),
  });
  return {
    data,
    info: {
      per_page: perPage,
      next_page_token: null,
      count: data.length,
      sort_by: sortByName,
      page,
      previous_page_token: null,
      page_token_expiry: null,
      sort_order: sortOrder,
      email: false,
      more_records: moreRecords,
    },
  };
}
