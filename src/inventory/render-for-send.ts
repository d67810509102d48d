import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { findOrg } from '../orgs/org-repository.js';
import { ORG_CURRENCY } from '../orgs/present-org.js';
import type { ModuleDefinition } from '../records/modules.js';
import { presentRecords } from '../records/present-record.js';
import type { RecordRow } from '../records/record-repository.js';
import { idText } from '../wire/json-ids.js';
import { upsertTemplateUsage } from './inventory-template-repository.js';
import { findInventoryTemplate, isInventoryModule } from './inventory-templates.js';
import { PAPER_TYPES, renderInventoryDocument, VIEW_TYPES, type PaperType, type ViewType } from './render-inventory-pdf.js';

/**
 * send_mail's `inventory_details` (docs/zoho-contract.md §3.2): render the record with an inventory template
 * and hand back the PDF to attach.
 *
 *   {"inventory_template": {"id": "…", "name"?: "…"}, "paper_type"?: "default"|"A4"|"us_letter",
 *    "view_type"?: "portrait"|"landscape"}
 *
 * Errors carry `api_name` and a `json_path` under `$.data[<item>].inventory_details`.
 */
export type InventoryDetails = Readonly<{
  templateId: string;
  /** `inventory_template.name` when it names a PDF file (`…​.pdf`): the attachment's file name. */
  fileName: string | null;
  paperType: PaperType;
  viewType: ViewType;
}>;

export type InventoryPdf = Readonly<{
  filename: string;
  contentType: 'application/pdf';
  content: Buffer;
  templateId: string;
}>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the shape of `inventory_details` of data item `itemIndex`; no database access. */
export function parseInventoryDetails(raw: unknown, itemIndex: number): InventoryDetails {
  const base = `$.data[${itemIndex}].inventory_details`;
  if (!isObject(raw)) {
    throw new AppError('INVALID_DATA', { details: { expected_data_type: 'jsonobject', api_name: 'inventory_details', json_path: base } });
  }
  const template = raw.inventory_template;
  const templatePath = `${base}.inventory_template`;
  if (template === undefined || template === null) {
    throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'inventory_template', json_path: templatePath } });
  }
  if (!isObject(template)) {
    throw new AppError('INVALID_DATA', { details: { expected_data_type: 'jsonobject', api_name: 'inventory_template', json_path: templatePath } });
  }
  if (template.id === undefined || template.id === null || template.id === '') {
    throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'id', json_path: `${templatePath}.id` } });
  }
  // A string, or a JSON number that is an id (Zoho's other SDKs send `{"id":1000000000000100007}`).
  const id = idText(template.id);
  if (id === undefined) {
    throw new AppError('INVALID_DATA', { details: { expected_data_type: 'string', api_name: 'id', json_path: `${templatePath}.id` } });
  }
  const name = template.name;
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw new AppError('INVALID_DATA', { details: { expected_data_type: 'string', api_name: 'name', json_path: `${templatePath}.name` } });
  }
  const choice = <T extends string>(apiName: string, allowed: readonly T[], fallback: T): T => {
    const value = raw[apiName];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw new AppError('INVALID_DATA', { details: { api_name: apiName, json_path: `${base}.${apiName}`, supported_values: [...allowed] } });
    }
    return value as T;
  };
  return {
    templateId: id.trim(),
    // Zoho's own example sends the PDF's file name here ("CT Scan Machines.pdf"); a template's
    // name (no .pdf) is just an echo of the id and is not used.
    fileName: typeof name === 'string' && /\.pdf$/i.test(name.trim()) ? name.trim() : null,
    paperType: choice('paper_type', PAPER_TYPES, 'default'),
    viewType: choice('view_type', VIEW_TYPES, 'portrait'),
  };
}

/**
 * Validates `inventory_details` of data item `itemIndex`, finds the template (built-in or this
 * org's), and renders `record` (a stored row of `module`) as the PDF to attach. Lookups are named
 * and date-times shown in `timeZone`. The PDF's creation date is `ctx.clock.now()`.
 */
export async function renderInventoryPdf(
  ctx: Pick<Context, 'db' | 'clock'>,
  orgId: string,
  timeZone: string,
  module: ModuleDefinition,
  record: RecordRow,
  inventoryDetails: unknown,
  itemIndex = 0,
): Promise<InventoryPdf> {
  const details = parseInventoryDetails(inventoryDetails, itemIndex);
  const idPath = { api_name: 'id', json_path: `$.data[${itemIndex}].inventory_details.inventory_template.id` };
  if (!isInventoryModule(module)) {
    throw new AppError('INVENTORY_TEMPLATE_MODULE_MISMATCH', {
      details: { api_name: 'inventory_details', json_path: `$.data[${itemIndex}].inventory_details`, module: module.apiName },
    });
  }
  const template = await findInventoryTemplate(ctx.db, orgId, details.templateId);
  // An inactive template cannot be used, as in Zoho's template picker; it answers like a missing one.
  if (!template || !template.active) throw new AppError('INVENTORY_TEMPLATE_NOT_FOUND', { details: idPath });
  if (template.module !== module.apiName) {
    throw new AppError('INVENTORY_TEMPLATE_MODULE_MISMATCH', { details: { ...idPath, module: template.module } });
  }

  const [org, [presented]] = await Promise.all([
    findOrg(ctx.db, orgId),
    presentRecords([record], { db: ctx.db, orgId, module, timeZone }),
  ]);
  if (!org || !presented) throw new AppError('RECORD_NOT_FOUND');
  const content = await renderInventoryDocument({
    module,
    record: presented,
    orgName: org.name,
    template: { title: template.title, headerText: template.headerText, footerText: template.footerText },
    locale: ORG_CURRENCY.locale,
    currency: currencyOf(presented.Currency),
    paperType: details.paperType,
    viewType: details.viewType,
    generatedAt: ctx.clock.now(),
  });
  const subject = typeof presented.Subject === 'string' ? presented.Subject : '';
  return {
    filename: details.fileName ? safeFileName(details.fileName.replace(/\.pdf$/i, '')) : defaultFileName(module, subject, record.id),
    contentType: 'application/pdf',
    content,
    templateId: template.id,
  };
}

/** Remembers that a template was used (its `last_usage_time`); `db` may be the mail's transaction. */
export async function markInventoryTemplateUsed(db: Database, orgId: string, templateId: string, at: number): Promise<void> {
  await upsertTemplateUsage(db, orgId, templateId, at);
}

/** The record's own currency when it is an ISO 4217 code Intl knows, else the org's. */
function currencyOf(value: unknown): string {
  if (typeof value === 'string' && /^[A-Z]{3}$/.test(value) && Intl.supportedValuesOf('currency').includes(value)) return value;
  return ORG_CURRENCY.isoCode;
}

/** `Quote - Big deal.pdf`; `Quote - <id>.pdf` when the subject leaves nothing printable. */
function defaultFileName(module: ModuleDefinition, subject: string, id: string): string {
  const stem = safeStem(subject);
  return `${module.singularLabel} - ${stem || id}.pdf`;
}

function safeFileName(stem: string): string {
  return `${safeStem(stem) || 'document'}.pdf`;
}

/**
 * Letters and digits of any script, space and `-_.,()`; everything else (path separators, quotes,
 * control characters) becomes a space. Capped so MIME headers stay short.
 */
function safeStem(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} ._,()-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[ .]+|[ .]+$/g, '')
    .slice(0, 100)
    .trim();
}
