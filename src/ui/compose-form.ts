import type { Context, Principal } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import { uploadFiles, type UploadedPart } from '../files/upload-files.js';
import { sanitizeMailHtml } from '../mail/sanitize-mail-html.js';
import { sendMail } from '../mail/send-mail.js';
import { loadTemplateForSend } from '../templates/resolve-template.js';
import type { ModuleDefinition } from '../records/modules.js';
import { localToOffsetDateTime } from './local-time.js';

/**
 * The compose form of a record page, turned into exactly the send_mail request an API client
 * would make and handed to the same use-case (`sendMail`): every rule of the API (from addresses,
 * blocked addresses, opt-out, daily limit, scheduling) applies unchanged. Its errors come back
 * keyed by the form field they concern.
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
  action: 'send' | 'schedule' | 'template';
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
    action: action === 'schedule' ? 'schedule' : action === 'template' ? 'template' : 'send',
  };
}

/** `a@x.org, Ann <ann@y.org>; b@z.org` → addresses (the name part is optional). */
export function parseAddressList(value: string): { email: string; user_name?: string }[] {
  return value
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const m = /^(.*?)\s*<([^<>]+)>$/.exec(part);
      if (!m) return { email: part };
      const name = m[1]!.replace(/^"|"$/g, '').trim();
      return name ? { email: m[2]!.trim(), user_name: name } : { email: m[2]!.trim() };
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

  let scheduledTime: string | null = null;
  if (form.action === 'schedule') {
    if (form.sendAt.trim() === '') return { ok: false, errors: { send_at: 'Choose the date and time to send at.' } };
    scheduledTime = localToOffsetDateTime(form.sendAt, principal.timeZone);
    if (!scheduledTime) return { ok: false, errors: { send_at: `This date and time does not exist in ${principal.timeZone} (for example during a clock change).` } };
  }

  let attachmentIds: string[] | undefined;
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

  const content = form.mailFormat === 'html' ? sanitizeMailHtml(form.content) : form.content;
  const item: Record<string, unknown> = {
    from: { email: fromEmail },
    to: parseAddressList(form.to),
    ...(form.cc.trim() ? { cc: parseAddressList(form.cc) } : {}),
    ...(form.bcc.trim() ? { bcc: parseAddressList(form.bcc) } : {}),
    org_email: fromType === 'org_email',
    ...(form.subject.trim() ? { subject: form.subject } : {}),
    ...(form.content.trim() ? { content } : {}),
    mail_format: form.mailFormat,
    ...(form.templateId ? { template: { id: form.templateId } } : {}),
    ...(attachmentIds ? { attachments: attachmentIds.map((id) => ({ id })) } : {}),
    ...(form.inventoryTemplateId
      ? { inventory_details: { inventory_template: { id: form.inventoryTemplateId }, paper_type: form.paperType, view_type: form.viewType } }
      : {}),
    ...(scheduledTime ? { scheduled_time: scheduledTime } : {}),
  };
  try {
    const reply = await sendMail(ctx, principal, { version: 'v8', moduleSegment: module.apiName, recordId, body: { data: [item] }, idempotency: null });
    const result = (reply.body as { data: { status: string; code: string; message: string; details: Record<string, unknown> }[] }).data[0]!;
    if (result.status === 'success') return { ok: true, scheduled: scheduledTime !== null, message: scheduledTime ? 'The email was scheduled.' : 'The email was sent.' };
    return { ok: false, errors: errorsOf(result.code, result.message, result.details) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, errors: { form: error.message } };
    throw error;
  }
}

/** The first key of `json_path` under the item (`$.data[0].to[1].email` → `to`), else `api_name`. */
const API_TO_FIELD: Record<string, FormField> = {
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
  inventory_details: 'inventory_template',
  inventory_template: 'inventory_template',
  paper_type: 'paper_type',
  view_type: 'view_type',
};

export function errorsOf(code: string, message: string, details: Record<string, unknown>): FormErrors {
  const path = typeof details.json_path === 'string' ? details.json_path : '';
  const segments = path.replace(/^\$\.data\[\d+\]\.?/, '').replace(/\[\d+\]/g, '').split('.').filter((s) => s !== '');
  let field: FormField | undefined;
  if (segments[0] === 'inventory_details') field = API_TO_FIELD[segments[1] ?? ''] ?? 'inventory_template';
  else if (segments[0]) field = API_TO_FIELD[segments[0]];
  if (!field && typeof details.api_name === 'string') field = API_TO_FIELD[details.api_name];
  let text = message;
  if (code === 'MANDATORY_NOT_FOUND') text = 'This field is required.';
  else if (code === 'INVALID_DATA' && (field === 'to' || field === 'cc' || field === 'bcc')) text = 'Enter valid email addresses, separated by commas.';
  else if (code === 'INVALID_DATA' && details.maximum_length !== undefined) text = `${message} (at most ${String(details.maximum_length)}).`;
  if (Array.isArray(details.blocked_email_addresses)) {
    text = `${message}: ${(details.blocked_email_addresses as { email: string }[]).map((b) => b.email).join(', ')}`;
  }
  return field ? { [field]: text } : { form: text };
}
