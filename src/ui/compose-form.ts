import type { Context, Principal } from '../context.js';
import { AppError, ERROR_CATALOGUE, isAppError } from '../errors.js';
import { uploadFiles, type UploadedPart } from '../files/upload-files.js';
import type { InventoryDetails } from '../inventory/render-for-send.js';
import { PAPER_TYPES, VIEW_TYPES } from '../inventory/render-inventory-pdf.js';
import type { Address, MailInput, ScheduledTime } from '../mail/mail-input.js';
import { sanitizedHtmlDocument, sanitizeMailHtml } from '../mail/sanitize-mail-html.js';
import { sendMail } from '../mail/send-mail.js';
import type { Refusal } from '../refusals.js';
import { loadMergeContext } from '../templates/merge-context.js';
import { renderTemplate } from '../templates/merge-fields.js';
import { loadTemplateForSend } from '../templates/resolve-template.js';
import type { ModuleDefinition } from '../records/modules.js';
import { parseOffsetDateTime } from '../time.js';
import { localToOffsetDateTime } from './local-time.js';

/**
 * The compose form of a record page, turned into a `MailInput` and handed to the same use-case as
 * the API (`sendMail`): every rule of the API (addresses, from addresses, blocked addresses,
 * opt-out, daily limit, scheduling) applies unchanged, blocked recipients skipped as on v6+. A
 * refusal comes back keyed by the form field of the key it names.
 */
export type ComposeForm = {
  from: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  templateId: string;
  mailFormat: 'html' | 'text';
  content: string;
  inventoryTemplateId: string;
  paperType: string;
  viewType: string;
  sendAt: string;
  action: 'send' | 'schedule' | 'template' | 'preview';
};

export const FORM_FIELDS = ['from', 'to', 'cc', 'bcc', 'subject', 'template', 'content', 'attachments', 'inventory_template', 'paper_type', 'view_type', 'send_at'] as const;
export type FormField = (typeof FORM_FIELDS)[number];
export type FormErrors = Partial<Record<FormField | 'form', string>>;

export type ComposeOutcome = { ok: true; scheduled: boolean; message: string } | { ok: false; errors: FormErrors };

export function readComposeForm(fields: Record<string, string>): ComposeForm {
  const get = (name: string) => fields[name] ?? '';
  const action = get('action');
  return {
    from: get('from'),
    to: get('to'),
    cc: get('cc'),
    bcc: get('bcc'),
    subject: get('subject'),
    templateId: get('template'),
    mailFormat: get('mail_format') === 'html' ? 'html' : 'text',
    content: get('content'),
    inventoryTemplateId: get('inventory_template'),
    paperType: get('paper_type') || 'default',
    viewType: get('view_type') || 'portrait',
    sendAt: get('send_at'),
    action: action === 'schedule' || action === 'template' || action === 'preview' ? action : 'send',
  };
}

/** `a@x.org, Ann <ann@y.org>; b@z.org` → addresses (the name part is optional). */
export function parseAddressList(value: string): Address[] {
  return value
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const m = /^(.*?)\s*<([^<>]+)>$/.exec(part);
      if (!m) return { email: part, name: null };
      const name = m[1]!.replace(/^"|"$/g, '').trim();
      return { email: m[2]!.trim(), name: name || null };
    });
}

/** The From choice is `type:email` (org addresses go with `org_email: true`, as Zoho requires). */
export const fromValue = (type: string, email: string): string => `${type}:${email}`;

export async function submitCompose(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  recordId: string,
  form: ComposeForm,
  files: readonly UploadedPart[],
): Promise<ComposeOutcome> {
  const colon = form.from.indexOf(':');
  const fromType = colon > 0 ? form.from.slice(0, colon) : '';
  const fromEmail = colon > 0 ? form.from.slice(colon + 1) : '';
  if (fromEmail === '') return { ok: false, errors: { from: 'Choose a From address.' } };

  let scheduledTime: ScheduledTime | null = null;
  if (form.action === 'schedule') {
    if (form.sendAt.trim() === '') return { ok: false, errors: { send_at: 'Choose the date and time to send at.' } };
    const at = localToOffsetDateTime(form.sendAt, principal.timeZone);
    scheduledTime = at === null ? null : parseOffsetDateTime(at);
    if (!scheduledTime) return { ok: false, errors: { send_at: `This date and time does not exist in ${principal.timeZone} (for example during a clock change).` } };
  }

  let inventory: InventoryDetails | null = null;
  if (form.inventoryTemplateId) {
    const paperType = PAPER_TYPES.find((t) => t === form.paperType);
    const viewType = VIEW_TYPES.find((t) => t === form.viewType);
    if (!paperType) return { ok: false, errors: { paper_type: ERROR_CATALOGUE.INVALID_DATA.message } };
    if (!viewType) return { ok: false, errors: { view_type: ERROR_CATALOGUE.INVALID_DATA.message } };
    inventory = { templateId: form.inventoryTemplateId, fileName: null, paperType, viewType };
  }

  let attachmentIds: string[] | null = null;
  if (files.length > 0) {
    try {
      const rows = await uploadFiles(ctx, ctx.files, principal, files, { inline: false });
      attachmentIds = rows.map((r) => r.id);
    } catch (error) {
      if (isAppError(error)) return { ok: false, errors: { attachments: error.message } };
      throw error;
    }
    // A template's own attachments still go along with the uploaded ones.
    if (form.templateId) {
      const template = await loadTemplateForSend(ctx, principal.orgId, form.templateId, module.apiName).catch(() => null);
      if (template) attachmentIds = [...template.attachmentFileIds, ...attachmentIds];
    }
  }

  const mail: MailInput = {
    from: { email: fromEmail, name: null },
    to: parseAddressList(form.to),
    cc: parseAddressList(form.cc),
    bcc: parseAddressList(form.bcc),
    replyTo: null,
    orgEmail: fromType === 'org_email',
    inReplyTo: null,
    subject: form.subject.trim() ? form.subject : null,
    content: form.content.trim() ? (form.mailFormat === 'html' ? sanitizeMailHtml(form.content) : form.content) : null,
    mailFormat: form.mailFormat,
    templateId: form.templateId || null,
    inventory,
    scheduledTime,
    linkedRecord: null,
    attachmentIds,
    consentEmail: false,
    dataSubjectRequest: null,
  };
  try {
    const result = await sendMail(ctx, principal, { module, recordId, mails: () => [{ input: mail }], blockedRecipients: 'skip', idempotency: null });
    const outcome = result.kind === 'decided' ? result.mails[0] : undefined;
    if (!outcome) throw new Error('send_mail gave no outcome for the one mail asked for');
    if ('refused' in outcome) return { ok: false, errors: formErrorsOf(outcome.refused) };
    const scheduled = outcome.accepted.scheduledAt !== null;
    return { ok: true, scheduled, message: scheduled ? 'The email was scheduled.' : 'The email was sent.' };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, errors: { form: error.message } };
    throw error;
  }
}

/** The mail as the recipient will see it: subject and the sanitised HTML document (or the text). */
export type ComposePreview = { subject: string; srcdoc: string | null; text: string | null };

/**
 * "Preview" on the compose form: the subject and body as send_mail would settle them (a chosen
 * template fills what the form leaves empty), sanitised as the form's HTML is before sending, merged
 * with this record by the template preview's code path, and sanitised again for the sandboxed frame.
 */
export async function previewCompose(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string, form: ComposeForm): Promise<ComposePreview> {
  let subject = form.subject.trim() ? form.subject : null;
  let content = form.content.trim() ? form.content : null;
  let mailFormat: 'html' | 'text' = form.mailFormat;
  if (form.templateId && (subject === null || content === null)) {
    const template = await loadTemplateForSend(ctx, principal.orgId, form.templateId, module.apiName).catch(() => null);
    if (template) {
      subject ??= template.subject;
      if (content === null) {
        content = template.content;
        mailFormat = template.mailFormat;
      }
    }
  }
  const isHtml = mailFormat === 'html';
  const context = await loadMergeContext(ctx.db, { orgId: principal.orgId, moduleApiName: module.apiName, recordId, senderUserId: principal.userId });
  const merged = renderTemplate({ subject: subject ?? '', content: isHtml ? sanitizeMailHtml(content ?? '') : (content ?? '') }, context, { html: isHtml });
  return { subject: merged.subject, srcdoc: isHtml ? sanitizedHtmlDocument(merged.content) : null, text: isHtml ? null : merged.content };
}

/** The form field of each key of a mail (`inventory_details` by its own keys). */
const FIELD_OF_KEY: Record<string, FormField> = {
  from: 'from',
  to: 'to',
  cc: 'cc',
  bcc: 'bcc',
  subject: 'subject',
  content: 'content',
  mail_format: 'content',
  template: 'template',
  attachments: 'attachments',
  scheduled_time: 'send_at',
  inventory_template: 'inventory_template',
  paper_type: 'paper_type',
  view_type: 'view_type',
};

/** A refusal of the mail, keyed by the form field its key belongs to (else the whole form). */
export function formErrorsOf(refusal: Refusal): FormErrors {
  const [key, inner] = (refusal.path ?? []).filter((p): p is string => typeof p === 'string');
  const field = key === 'inventory_details' ? (FIELD_OF_KEY[inner ?? ''] ?? 'inventory_template') : key === undefined ? undefined : FIELD_OF_KEY[key];
  const { details } = refusal;
  const message = ERROR_CATALOGUE[refusal.code].message;
  let text: string = message;
  if (refusal.code === 'MANDATORY_NOT_FOUND') text = 'This field is required.';
  else if (refusal.code === 'INVALID_DATA' && (field === 'to' || field === 'cc' || field === 'bcc')) text = 'Enter valid email addresses, separated by commas.';
  else if (refusal.code === 'INVALID_DATA' && details.maximum_length !== undefined) text = `${message} (at most ${String(details.maximum_length)}).`;
  if (Array.isArray(details.blocked_email_addresses)) {
    text = `${message}: ${(details.blocked_email_addresses as { email: string }[]).map((b) => b.email).join(', ')}`;
  }
  return field ? { [field]: text } : { form: text };
}
