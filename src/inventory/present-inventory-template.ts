import type { Database } from '../db/database.js';
import { html, type SafeHtml } from '../html/template.js';
import { STANDARD_MODULES } from '../records/modules.js';
import { formatZohoDateTime } from '../time.js';
import { fullName, listUsers } from '../users/user-repository.js';
import { CUSTOM_FOLDER, SYSTEM_FOLDER, type InventoryTemplate } from './inventory-templates.js';

/**
 * Templates as Zoho's `GET /settings/inventory_templates` shows them (docs/zoho-contract.md §7), keys in
 * Zoho's order; times in the caller's time zone. Built-in templates are shown as made by the org's
 * primary admin (the first admin), at the org's creation.
 *
 * `content` (single GET only) is, in Zoho, the template's HTML. Mailroom's templates are a fixed
 * layout with three texts, so `content` is a small HTML summary of that layout carrying the title,
 * header and footer texts (escaped), for people looking at a template rather than for rendering.
 */
export async function presentInventoryTemplates(
  db: Database,
  orgId: string,
  templates: readonly InventoryTemplate[],
  timeZone: string,
  options: { content: boolean } = { content: false },
): Promise<Record<string, unknown>[]> {
  if (templates.length === 0) return [];
  const users = await listUsers(db, orgId);
  const primary = users.find((u) => u.profile === 'admin') ?? users[0];
  const byId = new Map(users.map((u) => [u.id, u]));
  const userRef = (id: string | null) => {
    const user = id === null ? primary : byId.get(id);
    return { name: user ? fullName(user) : null, id: user?.id ?? id };
  };
  const time = (ms: number | null) => (ms === null ? null : formatZohoDateTime(ms, timeZone));

  return templates.map((template) => {
    const out: Record<string, unknown> = {
      id: template.id,
      name: template.name,
      module: { api_name: template.module, id: STANDARD_MODULES.find((m) => m.apiName === template.module)?.id ?? null },
      folder: template.category === 'system_templates' ? { ...SYSTEM_FOLDER } : { ...CUSTOM_FOLDER },
      created_time: time(template.createdAt),
      modified_time: time(template.modifiedAt),
      last_usage_time: time(template.lastUsedAt),
      created_by: userRef(template.createdBy),
      modified_by: userRef(template.modifiedBy),
      editor_mode: 'gallery',
      category: template.category,
      favorite: template.favorite,
      active: template.active,
    };
    if (options.content) out.content = layoutSummary(template);
    return out;
  });
}

const LAYOUT_TEXT =
  'Organization, Bill To / Ship To, line items (Product, Quantity, List Price, Discount, Tax, Amount), Sub Total, Discount, Tax, Adjustment, Grand Total, Terms and Conditions';

function layoutSummary(template: InventoryTemplate): string {
  const paragraph = (cls: string, text: string | null): SafeHtml | string =>
    text ? html`<p class="${cls}">${text.split(/\r?\n/).map((line, i) => (i > 0 ? html`<br>${line}` : line))}</p>` : '';
  return html`<div class="mailroom-inventory-template" data-module="${template.module}"><h1>${template.title}</h1>${paragraph('header-text', template.headerText)}<p class="layout">${LAYOUT_TEXT}</p>${paragraph('footer-text', template.footerText)}</div>`.value;
}
