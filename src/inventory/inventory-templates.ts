import type { Database } from '../db/database.js';
import { findOrg } from '../orgs/org-repository.js';
import { STANDARD_MODULES, type ModuleDefinition } from '../records/modules.js';
import { findInventoryTemplateRow, findTemplateUsage, listInventoryTemplateRows, type InventoryTemplateRow } from './inventory-template-repository.js';

/**
 * Inventory templates (docs/zoho-contract.md §7): how a Quote, Sales Order, Purchase Order or Invoice is
 * laid out as a PDF. Every org has one built-in template per inventory module ("Quote Template"
 * …, category `system_templates`), defined here and never stored, so they cannot go missing and
 * need no migration when orgs are created; admins add their own (`custom_templates`, stored).
 */
export type InventoryTemplateCategory = 'system_templates' | 'custom_templates';

export type InventoryTemplate = Readonly<{
  id: string;
  /** API name of the inventory module. */
  module: string;
  name: string;
  title: string;
  headerText: string | null;
  footerText: string | null;
  category: InventoryTemplateCategory;
  favorite: boolean;
  active: boolean;
  /** User ids; null for built-in templates (shown as made by the org's primary admin). */
  createdBy: string | null;
  modifiedBy: string | null;
  createdAt: number;
  modifiedAt: number;
  lastUsedAt: number | null;
}>;

/** Modules with line items, the only ones Zoho offers inventory templates for. */
export const INVENTORY_MODULES: readonly ModuleDefinition[] = STANDARD_MODULES.filter((m) => m.lineItemsField !== undefined);

export function isInventoryModule(module: Pick<ModuleDefinition, 'apiName' | 'isCustom'>): boolean {
  return !module.isCustom && INVENTORY_MODULES.some((m) => m.apiName === module.apiName);
}

const SYSTEM_NAMES: Readonly<Record<string, string>> = {
  Quotes: 'Quote Template',
  Sales_Orders: 'Sales Order Template',
  Purchase_Orders: 'Purchase Order Template',
  Invoices: 'Invoice Template',
};

/**
 * Built-in template ids: the module id plus 100000, e.g. Quotes `1000000000000000007` →
 * `1000000000000100007`. 19 digits like every id, the same in every org, and never produced by
 * `ids.ts`, whose ids are 10^18 + (ms since 2024) × 2^20 + … and so far larger.
 */
const SYSTEM_ID_OFFSET = 100_000n;
export const systemTemplateId = (module: Pick<ModuleDefinition, 'id'>): string => (BigInt(module.id) + SYSTEM_ID_OFFSET).toString();

/** Folders are only shown (`folder {name, id}`); two fixed ones, ids built like the template ids. */
export const SYSTEM_FOLDER = { name: 'System Templates', id: '1000000000000200001' } as const;
export const CUSTOM_FOLDER = { name: 'Public Templates', id: '1000000000000200002' } as const;

/** The default PDF heading of a module: `QUOTE`, `SALES ORDER`, … */
export const defaultTitle = (module: Pick<ModuleDefinition, 'singularLabel'>): string => module.singularLabel.toUpperCase();

export const systemTemplateName = (moduleApiName: string): string | undefined => SYSTEM_NAMES[moduleApiName];

function systemTemplate(module: ModuleDefinition, orgCreatedAt: number, lastUsedAt: number | null): InventoryTemplate {
  return {
    id: systemTemplateId(module),
    module: module.apiName,
    name: SYSTEM_NAMES[module.apiName] ?? `${module.singularLabel} Template`,
    title: defaultTitle(module),
    headerText: null,
    footerText: null,
    category: 'system_templates',
    favorite: false,
    active: true,
    createdBy: null,
    modifiedBy: null,
    createdAt: orgCreatedAt,
    modifiedAt: orgCreatedAt,
    lastUsedAt,
  };
}

function customTemplate(row: InventoryTemplateRow, lastUsedAt: number | null): InventoryTemplate {
  return {
    id: row.id,
    module: row.module,
    name: row.name,
    title: row.title,
    headerText: row.header_text,
    footerText: row.footer_text,
    category: 'custom_templates',
    favorite: row.favorite === 1,
    active: row.active === 1,
    createdBy: row.created_by,
    modifiedBy: row.modified_by,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
    lastUsedAt,
  };
}

/** Every template of an org (built-in first), optionally of one module, with its last use. */
export async function loadInventoryTemplates(db: Database, orgId: string, moduleApiName?: string): Promise<InventoryTemplate[]> {
  const [org, rows] = await Promise.all([findOrg(db, orgId), listInventoryTemplateRows(db, orgId, moduleApiName)]);
  if (!org) return [];
  const modules = INVENTORY_MODULES.filter((m) => moduleApiName === undefined || m.apiName === moduleApiName);
  const usage = await findTemplateUsage(db, orgId, [...modules.map(systemTemplateId), ...rows.map((r) => r.id)]);
  return [
    ...modules.map((m) => systemTemplate(m, org.created_at, usage.get(systemTemplateId(m)) ?? null)),
    ...rows.map((r) => customTemplate(r, usage.get(r.id) ?? null)),
  ];
}

/** One template by id; an id of another org's template finds nothing, like an unknown id. */
export async function findInventoryTemplate(db: Database, orgId: string, id: string): Promise<InventoryTemplate | undefined> {
  if (!/^\d{1,19}$/.test(id)) return undefined;
  const module = INVENTORY_MODULES.find((m) => systemTemplateId(m) === id);
  if (module) {
    const [org, usage] = await Promise.all([findOrg(db, orgId), findTemplateUsage(db, orgId, [id])]);
    return org ? systemTemplate(module, org.created_at, usage.get(id) ?? null) : undefined;
  }
  const row = await findInventoryTemplateRow(db, orgId, id);
  if (!row) return undefined;
  const usage = await findTemplateUsage(db, orgId, [id]);
  return customTemplate(row, usage.get(id) ?? null);
}
