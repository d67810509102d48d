import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findOrg } from '../orgs/org-repository.js';
import { refuse, settleItem, type ItemOutcome, type ReadItem } from '../refusals.js';
import { findUserById } from '../users/user-repository.js';
import { insertInventoryTemplate, listInventoryTemplateRows } from './inventory-template-repository.js';
import { defaultTitle, findInventoryTemplate, INVENTORY_MODULES, systemTemplateName, type InventoryTemplate } from './inventory-templates.js';

/** A template as the admin API and `mailroom inventory-template create` give it. */
export type InventoryTemplateInput = {
  /** Inventory module API name, any case. */
  module: string;
  name: string;
  title?: string | null;
  headerText?: string | null;
  footerText?: string | null;
  favorite?: boolean;
  active?: boolean;
};

export type CreateInventoryTemplateInput = InventoryTemplateInput & {
  orgId: string;
  /** The admin who makes it (`created_by`). */
  userId: string;
};

const LIMITS = { name: 100, title: 100, header_text: 2000, footer_text: 10_000 } as const;
// Line breaks and tabs are kept (the PDF shows them); other control characters never belong in a document.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Creates an admin-made inventory template (Zoho: Setup › Templates › Inventory). Names are unique
 * per module, ignoring case, the built-in template's name included, so a list never shows two
 * "Quote Template"s. Refusals name the template's key (`['name']`).
 */
export async function createInventoryTemplate(ctx: Context, input: CreateInventoryTemplateInput): Promise<InventoryTemplate> {
  if (!(await findOrg(ctx.db, input.orgId))) throw new AppError('NOT_FOUND', { details: { api_name: 'org' } });
  if (!(await findUserById(ctx.db, input.orgId, input.userId))) throw new AppError('NOT_FOUND', { details: { api_name: 'user' } });

  const module = INVENTORY_MODULES.find((m) => m.apiName.toLowerCase() === input.module.trim().toLowerCase());
  if (!module) throw refuse('INVALID_MODULE', ['module'], { supported_values: INVENTORY_MODULES.map((m) => m.apiName) });
  const text = (apiName: keyof typeof LIMITS, value: string | null | undefined): string | null => {
    if (value === undefined || value === null) return null;
    const trimmed = value.replace(/\r\n?/g, '\n').trim();
    if (CONTROL.test(trimmed)) throw refuse('INVALID_DATA', [apiName]);
    if (trimmed.length > LIMITS[apiName]) throw refuse('INVALID_DATA', [apiName], { maximum_length: LIMITS[apiName] });
    return trimmed === '' ? null : trimmed;
  };
  const name = text('name', input.name);
  if (name === null) throw refuse('MANDATORY_NOT_FOUND', ['name']);
  if (/\n/.test(name)) throw refuse('INVALID_DATA', ['name']);
  const title = text('title', input.title) ?? defaultTitle(module);

  const taken = [systemTemplateName(module.apiName) ?? '', ...(await listInventoryTemplateRows(ctx.db, input.orgId, module.apiName)).map((r) => r.name)];
  if (taken.some((n) => n.toLowerCase() === name.toLowerCase())) throw refuse('ALREADY_EXISTS', ['name']);

  const now = ctx.clock.now();
  const id = ctx.ids.next();
  await insertInventoryTemplate(ctx.db, {
    id,
    org_id: input.orgId,
    module: module.apiName,
    name,
    title,
    header_text: text('header_text', input.headerText),
    footer_text: text('footer_text', input.footerText),
    favorite: input.favorite === true ? 1 : 0,
    active: input.active === false ? 0 : 1,
    created_by: input.userId,
    modified_by: input.userId,
    created_at: now,
    modified_at: now,
  });
  return (await findInventoryTemplate(ctx.db, input.orgId, id))!;
}

/**
 * `POST /settings/inventory_templates` (beyond Zoho, which has no write API for templates): each
 * template (read by `wire/inventory-template-writes.ts`) is stored on its own, outcomes in input order.
 */
export async function createInventoryTemplates(
  ctx: Context,
  actor: Pick<Principal, 'orgId' | 'userId'>,
  items: readonly ReadItem<InventoryTemplateInput>[],
): Promise<ItemOutcome<{ id: string }>[]> {
  const results: ItemOutcome<{ id: string }>[] = [];
  for (const item of items) {
    if ('refused' in item) {
      results.push(item);
      continue;
    }
    results.push(await settleItem(async () => ({ id: (await createInventoryTemplate(ctx, { ...item.input, orgId: actor.orgId, userId: actor.userId })).id })));
  }
  return results;
}
