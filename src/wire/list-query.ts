import { AppError } from '../errors.js';

/**
 * The paging and sorting parameters of Zoho's settings lists (`email_templates`,
 * `inventory_templates`): `sort_by`, `sort_order` (default desc), `page`, `per_page` (≤ 200).
 * Such lists are small per org, so they are sorted in code, which also keeps the order identical
 * on SQLite and PostgreSQL (NULLs and collations differ between them).
 */
export type ListQueryInput = Readonly<Record<string, unknown>>;
export const MAX_PER_PAGE = 200;

/** A query parameter, trimmed; present but blank or repeated → INVALID_DATA naming it. */
export function queryParam(query: ListQueryInput, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new AppError('INVALID_PARAMETER', { details: { param_name: name } });
  return value.trim();
}

function pageNumber(query: ListQueryInput, name: string, fallback: number, max: number): number {
  const raw = queryParam(query, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) throw new AppError('INVALID_PARAMETER', { details: { param_name: name } });
  return value;
}

export type SortKeys<T> = Readonly<Record<string, (item: T) => string | number>>;

/** Sorts by the requested key (ties by id, in the same direction) and cuts the requested page. */
export function sortAndPage<T extends { id: string }>(
  items: readonly T[],
  sortKeys: SortKeys<T>,
  query: ListQueryInput,
): { page: T[]; info: { per_page: number; count: number; page: number; more_records: boolean } } {
  const sortBy = queryParam(query, 'sort_by') ?? 'modified_time';
  if (!Object.hasOwn(sortKeys, sortBy)) {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'sort_by', supported_values: Object.keys(sortKeys) } });
  }
  const sortOrder = queryParam(query, 'sort_order') ?? 'desc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'sort_order', supported_values: ['asc', 'desc'] } });
  }
  const page = pageNumber(query, 'page', 1, 100_000);
  const perPage = pageNumber(query, 'per_page', MAX_PER_PAGE, MAX_PER_PAGE);
  const key = sortKeys[sortBy]!;
  const direction = sortOrder === 'asc' ? 1 : -1;
  const sorted = [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return (ka < kb ? -1 : 1) * direction;
    return (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * direction;
  });
  const slice = sorted.slice((page - 1) * perPage, page * perPage);
  return { page: slice, info: { per_page: perPage, count: slice.length, page, more_records: sorted.length > page * perPage } };
}
