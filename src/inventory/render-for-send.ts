import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import { AppError, type FieldPath } from '../errors.js';
import { refuse } from '../refusals.js';
import { findOrg } from '../orgs/org-repository.js';
import { ORG_CURRENCY } from '../orgs/present-org.js';
import type { ModuleDefinition } from '../records/modules.js';
import { presentRecords } from '../records/present-record.js';
import type { RecordRow } from '../records/record-repository.js';
import { upsertTemplateUsage } from './inventory-template-repository.js';
import { findInventoryTemplate, isInventoryModule } from './inventory-templates.js';
import { renderInventoryDocument, type PaperType, type ViewType } from './render-inventory-pdf.js';

/**
 * send_mail's `inventory_details` (docs/zoho-contract.md §3.2): render the record with an inventory
 * template and hand back the PDF to attach. `wire/send-mail-request.ts` reads the key into
 * `InventoryDetails`; refusals here name their key under `inventory_details`.
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

const TEMPLATE_ID: FieldPath = ['inventory_details', 'inventory_template', 'id'];

/**
 * Finds the template of `details` (built-in or this org's) and renders `record` (a stored row of
 * `module`) as the PDF to attach. Lookups are named and date-times shown in `timeZone`. The PDF's
 * creation date is `ctx.clock.now()`.
 */
export async function renderInventoryPdf(
  ctx: Pick<Context, 'db' | 'clock'>,
  orgId: string,
  timeZone: string,
  module: ModuleDefinition,
  record: RecordRow,
  details: InventoryDetails,
): Promise<InventoryPdf> {
  if (!isInventoryModule(module)) throw refuse('INVENTORY_TEMPLATE_MODULE_MISMATCH', ['inventory_details'], { module: module.apiName });
  const template = await findInventoryTemplate(ctx.db, orgId, details.templateId);
  // An inactive template cannot be used, as in Zoho's template picker; it answers like a missing one.
  if (!template || !template.active) throw refuse('INVENTORY_TEMPLATE_NOT_FOUND', TEMPLATE_ID);
  if (template.module !== module.apiName) throw refuse('INVENTORY_TEMPLATE_MODULE_MISMATCH', TEMPLATE_ID, { module: template.module });

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
