import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findOrg } from '../orgs/org-repository.js';
import { settleItem, type ItemResult } from '../records/data-array.js';
import { findUserById } from '../users/user-repository.js';
import { insertInventoryTemplate, listInventoryTemplateRows } from './inventory-template-repository.js';
import { defaultTitle, findInventoryTemplate, INVENTORY_MODULES, systemTemplateName, type InventoryTemplate } from './inventory-templates.js';

export type CreateInventoryTemplateInput = {
  orgId: string;
  /** The admin who makes it (`created_by`). */
  userId: string;
  /** Inventory module API name, any case. */
  module: string;
  name: string;
  title?: string | null;
  headerText?: string | null;
  footerText?: string | null;
  favorite?: boolean;
  active?: boolean;
};

const LIMITS = { name: 100, title: 100, header_text: 2000, footer_text: 10_000 } as const;
// Line breaks and tabs are kept (the PDF shows them); other control characters never belong in a document.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Creates an admin-made inventory template (Zoho: Setup › Templates › Inventory). Names are unique
 * per module, ignoring case, the built-in template's name included, so a list never shows two
 * "Quote Template"s. `jsonPath` prefixes error details (`$.inventory_templates[0]`) for the API.
 */
export async function createInventoryTemplate(ctx: Context, input: CreateInventoryTemplateInput, jsonPath = '$'): Promise<InventoryTemplate> {
  const at = (apiName: string) => ({ api_name: apiName, json_path: `${jsonPath}.${apiName}` });
  if (!(await findOrg(ctx.db, input.orgId))) throw new AppError('NOT_FOUND', { details: { api_name: 'org' } });
  if (!(await findUserById(ctx.db, input.orgId, input.userId))) throw new AppError('NOT_FOUND', { details: { api_name: 'user' } });

  const module = INVENTORY_MODULES.find((m) => m.apiName.toLowerCase() === input.module.trim().toLowerCase());
  if (!module) {
    throw new AppError('INVALID_MODULE', { details: { ...at('module'), supported_values: INVENTORY_MODULES.map((m) => m.apiName) } });
  }
  const text = (apiName: keyof typeof LIMITS, value: string | null | undefined): string | null => {
    if (value === undefined || value === null) return null;
    const trimmed = value.replace(/\r\n?/g, '\n').trim();
    if (CONTROL.test(trimmed)) throw new AppError('INVALID_DATA', { details: at(apiName) });
    if (trimmed.length > LIMITS[apiName]) throw new AppError('INVALID_DATA', { details: { ...at(apiName), maximum_length: LIMITS[apiName] } });
    return trimmed === '' ? null : trimmed;
  };
  const name = text('name', input.name);
  if (name === null) throw new AppError('MANDATORY_NOT_FOUND', { details: at('name') });
  if (/\n/.test(name)) throw new AppError('INVALID_DATA', { details: at('name') });
  const title = text('title', input.title) ?? defaultTitle(module);

  const taken = [systemTemplateName(module.apiName) ?? '', ...(await listInventoryTemplateRows(ctx.db, input.orgId, module.apiName)).map((r) => r.name)];
  if (taken.some((n) => n.toLowerCase() === name.toLowerCase())) throw new AppError('ALREADY_EXISTS', { details: at('name') });

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

const MAX_ITEMS = 100;

/**
 * `POST /settings/inventory_templates` (beyond Zoho, which has no write API for templates):
 * `{"inventory_templates": [{name, module: "Quotes" | {api_name}, title?, header_text?,
 * footer_text?, favorite?, active?}, …]}`; each item is stored on its own, results in input order.
 */
export async function createInventoryTemplates(ctx: Context, actor: Pick<Principal, 'orgId' | 'userId'>, body: unknown): Promise<ItemResult[]> {
  const items = readItems(body);
  const results: ItemResult[] = [];
  for (const [index, item] of items.entries()) {
    const path = `$.inventory_templates[${index}]`;
    results.push(
      await settleItem(async () => {
        const input = itemInput(item, path);
        const template = await createInventoryTemplate(ctx, { ...input, orgId: actor.orgId, userId: actor.userId }, path);
        return { ok: true, message: 'inventory template created successfully', details: { id: template.id } };
      }),
    );
  }
  return results;
}

function readItems(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('INVALID_BODY', { details: { expected_data_type: 'jsonobject' } });
  }
  const items = (body as Record<string, unknown>).inventory_templates;
  const at = { api_name: 'inventory_templates', json_path: '$.inventory_templates' };
  if (items === undefined || items === null) throw new AppError('MANDATORY_NOT_FOUND', { details: at });
  if (!Array.isArray(items)) throw new AppError('INVALID_DATA', { details: { ...at, expected_data_type: 'jsonarray' } });
  if (items.length === 0) throw new AppError('INVALID_DATA', { details: { ...at, minimum_length: 1 } });
  if (items.length > MAX_ITEMS) throw new AppError('LIMIT_EXCEEDED_RECORDS', { details: { ...at, maximum_length: MAX_ITEMS } });
  return items;
}

/** Checks the JSON types of one item; values are checked by `createInventoryTemplate`. */
function itemInput(item: unknown, path: string): Omit<CreateInventoryTemplateInput, 'orgId' | 'userId'> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new AppError('INVALID_DATA', { details: { expected_data_type: 'jsonobject', json_path: path } });
  }
  const record = item as Record<string, unknown>;
  const wrong = (apiName: string, type: string) =>
    new AppError('INVALID_DATA', { details: { expected_data_type: type, api_name: apiName, json_path: `${path}.${apiName}` } });
  const optionalText = (apiName: string): string | null | undefined => {
    const value = record[apiName];
    if (value === undefined || value === null) return value;
    if (typeof value !== 'string') throw wrong(apiName, 'string');
    return value;
  };
  const optionalBoolean = (apiName: string): boolean | undefined => {
    const value = record[apiName];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw wrong(apiName, 'boolean');
    return value;
  };

  const rawModule = record.module;
  let module: string;
  if (rawModule === undefined || rawModule === null) {
    throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'module', json_path: `${path}.module` } });
  } else if (typeof rawModule === 'string') {
    module = rawModule;
  } else if (typeof rawModule === 'object' && typeof (rawModule as { api_name?: unknown }).api_name === 'string') {
    module = (rawModule as { api_name: string }).api_name;
  } else {
    throw wrong('module', 'jsonobject');
  }
  if (record.name === undefined || record.name === null) {
    throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'name', json_path: `${path}.name` } });
  }
  if (typeof record.name !== 'string') throw wrong('name', 'string');
  const favorite = optionalBoolean('favorite');
  const active = optionalBoolean('active');
  return {
    module,
    name: record.name,
    title: optionalText('title') ?? null,
    headerText: optionalText('header_text') ?? null,
    footerText: optionalText('footer_text') ?? null,
    ...(favorite !== undefined ? { favorite } : {}),
    ...(active !== undefined ? { active } : {}),
  };
}
