import type { TemplatePage } from '../templates/list-email-templates.js';
import type { EmailTemplateView } from '../templates/template-view.js';
import { formatZohoDateTime } from '../time.js';

/**
 * Email templates as Zoho's `GET /settings/email_templates` shows them (docs/zoho-contract.md §6),
 * keys in Zoho's order; `content` only for a single template. Times are in the caller's time zone.
 */
export function emailTemplateJson(template: EmailTemplateView, timeZone: string): Record<string, unknown> {
  const time = (ms: number | null) => (ms === null ? null : formatZohoDateTime(ms, timeZone));
  const out: Record<string, unknown> = {
    id: template.id,
    name: template.name,
    subject: template.subject,
    module: { api_name: template.module.apiName, id: template.module.id },
    folder: { name: template.folder.name, id: template.folder.id },
    created_time: time(template.createdAt),
    modified_time: time(template.modifiedAt),
    last_usage_time: time(template.lastUsedAt),
    created_by: { name: template.createdBy.name, id: template.createdBy.id },
    modified_by: { name: template.modifiedBy.name, id: template.modifiedBy.id },
    attachments:
      template.attachments.length === 0 ? null : template.attachments.map((a) => ({ id: a.id, file_id: a.fileId, file_name: a.fileName, size: a.size })),
    associated: false,
    consent_linked: template.consentLinked,
    editor_mode: template.editorMode,
    category: template.category,
    favorite: template.favorite,
    active: template.active,
    description: template.description,
    last_version_statistics: { tracked: 0, delivered: 0, opened: 0, bounced: 0, sent: template.sentCount, clicked: 0 },
  };
  if (template.content !== null) out.content = template.content;
  return out;
}

/** `{email_templates, info}` of one page. */
export function emailTemplatesPageJson(page: TemplatePage, timeZone: string): Record<string, unknown> {
  return { email_templates: page.templates.map((t) => emailTemplateJson(t, timeZone)), info: page.info };
}
