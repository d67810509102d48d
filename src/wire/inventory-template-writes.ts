import type { InventoryTemplateInput } from '../inventory/create-inventory-template.js';
import { refuse, type ItemOutcome, type ReadItem } from '../refusals.js';
import { isJsonObject, jsonObjectItem, readItems } from './item-array.js';
import { outcomesReply, type WireReply } from './zoho-envelope.js';

/**
 * `POST /settings/inventory_templates` (beyond Zoho): `{"inventory_templates": [{name, module:
 * "Quotes" | {api_name}, title?, header_text?, footer_text?, favorite?, active?}, …]}`. An item's
 * JSON types are read here; `createInventoryTemplate` checks the values.
 */
const ROOT = 'inventory_templates';

export function readInventoryTemplateItems(body: unknown): ReadItem<InventoryTemplateInput>[] {
  return readItems(body, ROOT, readInventoryTemplateItem);
}

export function inventoryTemplatesReply(outcomes: readonly ItemOutcome<{ id: string }>[]): WireReply {
  return outcomesReply(outcomes, (t) => ({ message: 'inventory template created successfully', details: { id: t.id } }), {
    root: ROOT,
    rules: { apiName: 'first-key' },
    successStatus: 201,
  });
}

function readInventoryTemplateItem(raw: unknown): InventoryTemplateInput {
  const item = jsonObjectItem(raw);
  const wrong = (key: string, type: string) => refuse('INVALID_DATA', [key], { expected_data_type: type });
  const optionalText = (key: string): string | null => {
    const value = item[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw wrong(key, 'string');
    return value;
  };
  const optionalBoolean = (key: string): boolean | undefined => {
    const value = item[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw wrong(key, 'boolean');
    return value;
  };

  const rawModule = item.module;
  let module: string;
  if (rawModule === undefined || rawModule === null) throw refuse('MANDATORY_NOT_FOUND', ['module']);
  else if (typeof rawModule === 'string') module = rawModule;
  else if (isJsonObject(rawModule) && typeof rawModule.api_name === 'string') module = rawModule.api_name;
  else throw wrong('module', 'jsonobject');
  if (item.name === undefined || item.name === null) throw refuse('MANDATORY_NOT_FOUND', ['name']);
  if (typeof item.name !== 'string') throw wrong('name', 'string');
  const favorite = optionalBoolean('favorite');
  const active = optionalBoolean('active');
  return {
    module,
    name: item.name,
    title: optionalText('title'),
    headerText: optionalText('header_text'),
    footerText: optionalText('footer_text'),
    ...(favorite !== undefined ? { favorite } : {}),
    ...(active !== undefined ? { active } : {}),
  };
}
