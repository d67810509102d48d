import { queryParam, sortAndPage } from '../wire/list-query.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { resolveModule } from '../records/module-registry.js';
import { templateViews, type EmailTemplateView } from './template-view.js';
import { listTemplateSummaries, type TemplateFilter, type TemplateSummaryRow } from './template-repository.js';

export type TemplateListQuery = Record<string, unknown>;
/** One page of templates, with Zoho's paging facts (`per_page`, `count`, `page`, `more_records`). */
export type TemplatePage = Readonly<{ templates: readonly EmailTemplateView[]; info: Readonly<{ per_page: number; count: number; page: number; more_records: boolean }> }>;

/** Zoho's email-template categories, plus the list views its inventory-template API shares. */
const CATEGORY_FILTERS: Record<string, (principal: Pick<Principal, 'userId'>) => TemplateFilter> = {
  normal: () => ({ categories: ['normal'] }),
  draft: () => ({ categories: ['draft'] }),
  system_templates: () => ({ categories: ['system_templates'] }),
  plugin_templates: () => ({ categories: ['plugin_templates'] }),
  marketplace_templates: () => ({ categories: ['marketplace_templates'] }),
  favorite: () => ({ favorite: true }),
  created_by_me: (p) => ({ createdBy: p.userId }),
  shared_with_me: (p) => ({ notCreatedBy: p.userId }),
};
const SORT_KEYS = {
  modified_time: (r: TemplateSummaryRow) => r.modified_at,
  created_time: (r: TemplateSummaryRow) => r.created_at,
  // Never used sorts as the oldest use (NULLs order differently on SQLite and PostgreSQL).
  last_usage_time: (r: TemplateSummaryRow) => r.last_used_at ?? 0,
  name: (r: TemplateSummaryRow) => r.name.toLowerCase(),
} as const;

/**
 * `GET /settings/email_templates[?module=&category=&sort_by=&sort_order=&page=&per_page=]`.
 * Returns null when nothing matches (the route answers 204). Default order: modified_time desc.
 */
export async function listEmailTemplates(
  ctx: Context,
  principal: Pick<Principal, 'orgId' | 'userId'>,
  query: TemplateListQuery,
): Promise<TemplatePage | null> {
  // Filtering by `filters` is not built; answering unfiltered would return templates the caller excluded.
  if (query.filters !== undefined) throw new AppError('KEY_NOT_SUPPORTED', { details: { param_name: 'filters' } });
  const filter: TemplateFilter = {};
  const moduleName = queryParam(query, 'module');
  if (moduleName !== undefined) {
    const module = await resolveModule(ctx.db, principal.orgId, moduleName);
    if (!module) throw new AppError('INVALID_MODULE', { details: { param_name: 'module' } });
    filter.module = module.apiName;
  }
  const category = queryParam(query, 'category');
  if (category !== undefined) {
    const categoryFilter = CATEGORY_FILTERS[category];
    if (!categoryFilter || !Object.hasOwn(CATEGORY_FILTERS, category)) {
      throw new AppError('INVALID_PARAMETER', { details: { param_name: 'category', supported_values: Object.keys(CATEGORY_FILTERS) } });
    }
    Object.assign(filter, categoryFilter(principal));
  }
  const { page: slice, info } = sortAndPage(await listTemplateSummaries(ctx.db, principal.orgId, filter), SORT_KEYS, query);
  if (slice.length === 0) return null;
  return {
    templates: await templateViews(ctx.db, principal.orgId, slice),
    info,
  };
}
