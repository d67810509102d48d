import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { findTemplate, listTemplateAttachments, markTemplateUsedRow } from './template-repository.js';

/** What send_mail needs of a template: merge-field source text and the files it attaches. */
export type TemplateForSend = {
  id: string;
  name: string;
  subject: string;
  content: string;
  /** `text` for a plain-text template, else `html`: the mail format when the request names none. */
  mailFormat: 'html' | 'text';
  /** Files API ids, in the template's order; send_mail checks them like request attachments. */
  attachmentFileIds: string[];
};

/**
 * The template named by send_mail's `template: {id}` for a mail from a record of `moduleApiName`.
 * An id that is malformed, unknown, of another org or of an inactive template → TEMPLATE_NOT_FOUND
 * (one answer for all, so ids of other orgs cannot be probed); a template of another module →
 * TEMPLATE_MODULE_MISMATCH. The errors carry no details: the caller names the key (`template.id`).
 */
export async function loadTemplateForSend(
  ctx: Pick<Context, 'db'>,
  orgId: string,
  templateId: string,
  moduleApiName: string,
): Promise<TemplateForSend> {
  const row = /^\d{1,19}$/.test(templateId) ? await findTemplate(ctx.db, orgId, templateId) : undefined;
  if (!row || row.active !== 1) throw new AppError('TEMPLATE_NOT_FOUND');
  if (row.module.toLowerCase() !== moduleApiName.toLowerCase()) throw new AppError('TEMPLATE_MODULE_MISMATCH');
  const attachments = await listTemplateAttachments(ctx.db, [row.id]);
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    content: row.content,
    mailFormat: row.editor_mode === 'plain_text' ? 'text' : 'html',
    attachmentFileIds: attachments.map((a) => a.file_id),
  };
}

/**
 * Records that `count` accepted mails used the template at `at` (last_usage_time, and
 * `last_version_statistics.sent`). Call it with the transaction that accepts the mails, so the
 * statistics move only if they commit.
 */
export async function markTemplateUsed(db: Database, orgId: string, templateId: string, at: number, count = 1): Promise<void> {
  await markTemplateUsedRow(db, orgId, templateId, at, count);
}
