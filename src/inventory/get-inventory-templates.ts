import { queryParam, sortAndPage } from '../wire/list-query.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { resolveModule } from '../records/module-registry.js';
import { findInventoryTemplate, isInventoryModule, loadInventoryTemplates, type InventoryTemplate } from './inventory-templates.js';
import { presentInventoryTemplates } from './present-inventory-template.js';

export type InventoryTemplateQuery = Record<string, unknown>;
export type InventoryTemplatePage = { inventory_templates: Record<string, unknown>[]; info: Record<string, unknown> };


/**
 * `category` filters: Zoho's list views (docs/zoho-contract.md §7: favorite, created_by_me, shared_with_me, draft) and,
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
  const moduleName = queryParam(query, 'module');
  if (moduleName !== undefined) {
    const module = await resolveModule(ctx.db, principal.orgId, moduleName);
    if (!module || !isInventoryModule(module)) throw new AppError('INVALID_MODULE', { details: { param_name: 'module' } });
    moduleApiName = module.apiName;
  }
  const category = queryParam(query, 'category');
  if (category !== undefined && !Object.hasOwn(CATEGORY_FILTERS, category)) {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'category', supported_values: Object.keys(CATEGORY_FILTERS) } });
  }
  const keep = category === undefined ? () => true : CATEGORY_FILTERS[category]!;
  // A handful of templates per module: filtered here, then sorted and paged in code.
  const templates = (await loadInventoryTemplates(ctx.db, principal.orgId, moduleApiName)).filter((t) => keep(t, principal));
  const { page: slice, info } = sortAndPage(templates, SORT_KEYS, query);
  if (slice.length === 0) return null;
  return {
    inventory_templates: await presentInventoryTemplates(ctx.db, principal.orgId, slice, principal.timeZone),
    info,
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
