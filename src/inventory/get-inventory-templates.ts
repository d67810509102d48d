import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { resolveModule } from '../records/module-registry.js';
import { findInventoryTemplate, isInventoryModule, loadInventoryTemplates, type InventoryTemplate } from './inventory-templates.js';
import { presentInventoryTemplates } from './present-inventory-template.js';

export type InventoryTemplateQuery = Record<string, unknown>;
export type InventoryTemplatePage = { inventory_templates: Record<string, unknown>[]; info: Record<string, unknown> };

const MAX_PER_PAGE = 200;

/**
 * `category` filters: Zoho's list views (§7: favorite, created_by_me, shared_with_me, draft) and,
 * as a convenience, the two categories templates carry. Built-in templates are made by nobody, so
 * they are "shared with" everyone and "created by" no one; Mailroom has no drafts.
 */
const CATEGORY_FILTERS: Record<string, (t: InventoryTemplate, principal: Pick<Principal, 'userId'>) => boolean> = {
  favorite: (t) => t.favorite,
  created_by_me: (t, p) => t.createdBy === p.userId,
  shared_with_me: (t, p) => t.createdBy !== p.userId,
  draft: () => false,
  system_templates: (t) => t.category === 'system_templates',
  custom_templates: (t) => t.category === 'custom_templates',
};

const SORT_KEYS = {
  modified_time: (t: InventoryTemplate) => t.modifiedAt,
  // Never used sorts as the oldest use.
  last_usage_time: (t: InventoryTemplate) => t.lastUsedAt ?? 0,
  name: (t: InventoryTemplate) => t.name.toLowerCase(),
} as const;

function param(query: InventoryTemplateQuery, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new AppError('INVALID_PARAMETER', { details: { param_name: name } });
  return value.trim();
}

function pageNumber(query: InventoryTemplateQuery, name: string, fallback: number, max: number): number {
  const raw = param(query, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) throw new AppError('INVALID_PARAMETER', { details: { param_name: name } });
  return value;
}

/**
 * `GET /settings/inventory_templates[?module=&category=&sort_by=&sort_order=&page=&per_page=]`.
 * A module that exists but has no line items is as invalid here as an unknown one. Returns null
 * when nothing matches (the route answers 204). Default order: modified_time desc.
 */
export async function listInventoryTemplates(
  ctx: Context,
  principal: Pick<Principal, 'orgId' | 'userId' | 'timeZone'>,
  query: InventoryTemplateQuery,
): Promise<InventoryTemplatePage | null> {
  // Filtering by `filters` is not built; answering unfiltered would return templates the caller excluded.
  if (query.filters !== undefined) throw new AppError('KEY_NOT_SUPPORTED', { details: { param_name: 'filters' } });
  let moduleApiName: string | undefined;
  const moduleName = param(query, 'module');
  if (moduleName !== undefined) {
    const module = await resolveModule(ctx.db, principal.orgId, moduleName);
    if (!module || !isInventoryModule(module)) throw new AppError('INVALID_MODULE', { details: { param_name: 'module' } });
    moduleApiName = module.apiName;
  }
  const category = param(query, 'category');
  if (category !== undefined && !Object.hasOwn(CATEGORY_FILTERS, category)) {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'category', supported_values: Object.keys(CATEGORY_FILTERS) } });
  }
  const sortBy = param(query, 'sort_by') ?? 'modified_time';
  if (!Object.hasOwn(SORT_KEYS, sortBy)) {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'sort_by', supported_values: Object.keys(SORT_KEYS) } });
  }
  const sortOrder = param(query, 'sort_order') ?? 'desc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'sort_order', supported_values: ['asc', 'desc'] } });
  }
  const page = pageNumber(query, 'page', 1, 100_000);
  const perPage = pageNumber(query, 'per_page', MAX_PER_PAGE, MAX_PER_PAGE);

  const keep = category === undefined ? () => true : CATEGORY_FILTERS[category]!;
  const key = SORT_KEYS[sortBy as keyof typeof SORT_KEYS];
  const direction = sortOrder === 'asc' ? 1 : -1;
  // A handful of templates per module: filtering and sorting here keeps the order identical on both databases.
  const templates = (await loadInventoryTemplates(ctx.db, principal.orgId, moduleApiName))
    .filter((t) => keep(t, principal))
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka !== kb) return (ka < kb ? -1 : 1) * direction;
      return (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * direction;
    });
  const slice = templates.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return null;
  return {
    inventory_templates: await presentInventoryTemplates(ctx.db, principal.orgId, slice, principal.timeZone),
    info: { per_page: perPage, count: slice.length, page, more_records: templates.length > page * perPage },
  };
}

/** `GET /settings/inventory_templates/{id}`, with `content`. Another org's id answers like an unknown one. */
export async function getInventoryTemplate(
  ctx: Context,
  principal: Pick<Principal, 'orgId' | 'timeZone'>,
  id: string,
): Promise<Record<string, unknown>> {
  const template = await findInventoryTemplate(ctx.db, principal.orgId, id);
  if (!template) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 2 } });
  const [presented] = await presentInventoryTemplates(ctx.db, principal.orgId, [template], principal.timeZone, { content: true });
  return presented!;
}
