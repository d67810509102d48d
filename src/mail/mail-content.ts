import { createHash, randomBytes } from 'node:crypto';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findFiles, type FileRow } from '../files/file-repository.js';
import { renderInventoryPdf } from '../inventory/render-for-send.js';
import type { ModuleDefinition } from '../records/modules.js';
import type { RecordRow } from '../records/record-repository.js';
import { loadMergeContext } from '../templates/merge-context.js';
import { renderMergeFields, type MergeContext } from '../templates/merge-fields.js';
import { loadTemplateForSend } from '../templates/resolve-template.js';
import { inlineFilesOf, MAX_MAIL_FILES_BYTES } from './mail-files.js';
import { MAX_SUBJECT_LENGTH, type MailInput } from './mail-input.js';
import { refuse } from '../refusals.js';

/**
 * What a mail says and carries, settled at acceptance:
 * - a `template` supplies subject, content, format and attachments; keys in the request win;
 * - merge fields (`${Leads.First Name}`) are filled from the record, its lookups, the sender and
 *   the org — in the template's text and in text given directly (HTML-escaped in html mail);
 * - `inventory_details` renders the record as a PDF to attach;
 * - every file the mail carries (attachments, inline images, the PDF) counts toward 10 MB.
 */
export type MailContent = {
  subject: string;
  content: string;
  mailFormat: 'html' | 'text';
  attachments: FileRow[];
  inline: FileRow[];
  /** A generated PDF: its row and bytes, to store with the mail. */
  generated: { row: FileRow; bytes: Buffer } | null;
  templateId: string | null;
  inventoryTemplateId: string | null;
};

export type ContentInput = {
  module: ModuleDefinition;
  record: RecordRow;
  input: MailInput;
  /** Loads the merge context once per request, on first need. */
  mergeContext: () => Promise<MergeContext>;
};

/** Strips what a merged value could add to a header line; the request's own subject was checked earlier. */
const HEADER_BREAKERS = /[\r\n\0\u0085\u2028\u2029]/g;

export function mergeContextLoader(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string): () => Promise<MergeContext> {
  let loading: Promise<MergeContext> | null = null;
  return () =>
    (loading ??= loadMergeContext(ctx.db, { orgId: principal.orgId, moduleApiName: module.apiName, recordId, senderUserId: principal.userId }));
}

export async function resolveMailContent(ctx: Context, principal: Principal, item: ContentInput): Promise<MailContent> {
  const { input } = item;
  let subject = input.subject;
  let content = input.content;
  let mailFormat = input.mailFormat;
  let attachmentIds = input.attachmentIds;
  let attachmentsFrom: (string | number)[] = ['attachments'];
  let templateId: string | null = null;

  if (input.templateId !== null) {
    let template;
    try {
      template = await loadTemplateForSend(ctx, principal.orgId, input.templateId, item.module.apiName);
    } catch (error) {
      if (error instanceof AppError) throw refuse(error.code, ['template', 'id']);
      throw error;
    }
    templateId = template.id;
    subject ??= template.subject;
    content ??= template.content;
    mailFormat ??= template.mailFormat;
    if (attachmentIds === null) {
      attachmentIds = template.attachmentFileIds;
      attachmentsFrom = ['template', 'id'];
    }
  }
  mailFormat ??= 'html';
  content ??= '';
  subject ??= '';

  if (subject.includes('${') || content.includes('${')) {
    const context = await item.mergeContext();
    subject = renderMergeFields(subject, context, { html: false, singleLine: true }).replace(HEADER_BREAKERS, ' ');
    content = renderMergeFields(content, context, { html: mailFormat === 'html' });
  }
  if (subject.length > MAX_SUBJECT_LENGTH) throw refuse('INVALID_DATA', ['subject'], { maximum_length: MAX_SUBJECT_LENGTH });

  const ids = attachmentIds ?? [];
  const attachments = await findFiles(ctx.db, principal.orgId, ids);
  for (const [i, id] of ids.entries()) {
    if (!attachments.some((f) => f.id === id)) {
      throw refuse('ATTACHMENT_NOT_FOUND', attachmentsFrom[0] === 'attachments' ? ['attachments', i, 'id'] : attachmentsFrom);
    }
  }
  const ordered = ids.map((id) => attachments.find((f) => f.id === id)!);
  const inline = mailFormat === 'html' ? await inlineFilesOf(ctx.db, principal.orgId, content) : [];

  let generated: MailContent['generated'] = null;
  let inventoryTemplateId: string | null = null;
  if (input.inventory !== null) {
    const pdf = await renderInventoryPdf(ctx, principal.orgId, principal.timeZone, item.module, item.record, input.inventory);
    inventoryTemplateId = pdf.templateId;
    generated = {
      bytes: pdf.content,
      row: {
        id: randomBytes(32).toString('hex'),
        org_id: principal.orgId,
        name: pdf.filename,
        content_type: pdf.contentType,
        size: pdf.content.length,
        sha256: createHash('sha256').update(pdf.content).digest('hex'),
        is_inline: 0,
        created_by: principal.userId,
        created_at: ctx.clock.now(),
      },
    };
  }

  const total = [...ordered, ...inline, ...(generated ? [generated.row] : [])].reduce((sum, f) => sum + Number(f.size), 0);
  if (total > MAX_MAIL_FILES_BYTES) throw refuse('ATTACHMENTS_TOO_LARGE', ['attachments'], { size: MAX_MAIL_FILES_BYTES });
  return { subject, content, mailFormat, attachments: ordered, inline, generated, templateId, inventoryTemplateId };
}
