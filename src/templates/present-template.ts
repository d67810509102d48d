import type { Database } from '../db/database.js';
import { listModules } from '../records/module-registry.js';
import { formatZohoDateTime } from '../time.js';
import { findUsersByIds, fullName } from '../users/user-repository.js';
import { listFolders, listTemplateAttachments, type TemplateRow, type TemplateSummaryRow } from './template-repository.js';

/**
 * Templates as Zoho's `GET /settings/email_templates` shows them (docs/zoho-contract.md §6), keys in Zoho's
 * order; `content` only for a single template. Times are in the caller's time zone.
 *
 * `last_version_statistics.sent` counts mails accepted with the template; Mailroom does not link
 * opens, clicks or delivery outcomes back to templates, so the other counters are 0.
 */
export async function presentTemplates(
  db: Database,
  orgId: string,
  rows: readonly (TemplateSummaryRow | TemplateRow)[],
  timeZone: string,
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const userIds = [...new Set(rows.flatMap((r) => [r.created_by, r.modified_by]))];
  const [modules, folders, users, attachments] = await Promise.all([
    listModules(db, orgId),
    listFolders(db, orgId),
    findUsersByIds(db, orgId, userIds),
    listTemplateAttachments(
      db,
      rows.map((r) => r.id),
    ),
  ]);
  const moduleByName = new Map(modules.map((m) => [m.apiName, m]));
  const folderById = new Map(folders.map((f) => [f.id, f]));
  const userById = new Map(users.map((u) => [u.id, u]));
  const userRef = (id: string) => ({ name: userById.has(id) ? fullName(userById.get(id)!) : null, id });
  const time = (ms: number | null) => (ms === null ? null : formatZohoDateTime(ms, timeZone));

  return rows.map((row) => {
    const own = attachments.filter((a) => a.template_id === row.id);
    const folder = folderById.get(row.folder_id);
    const out: Record<string, unknown> = {
      id: row.id,
      name: row.name,
      subject: row.subject,
      module: { api_name: row.module, id: moduleByName.get(row.module)?.id ?? null },
      folder: { name: folder?.name ?? null, id: row.folder_id },
      created_time: time(row.created_at),
      modified_time: time(row.modified_at),
      last_usage_time: time(row.last_used_at),
      created_by: userRef(row.created_by),
      modified_by: userRef(row.modified_by),
      attachments:
        own.length === 0 ? null : own.map((a) => ({ id: a.id, file_id: a.file_id, file_name: a.file_name, size: a.size === null ? null : Number(a.size) })),
      associated: false,
      consent_linked: row.consent_linked === 1,
      editor_mode: row.editor_mode,
      category: row.category,
      favorite: row.favorite === 1,
      active: row.active === 1,
      description: row.description,
      last_version_statistics: { tracked: 0, delivered: 0, opened: 0, bounced: 0, sent: row.sent_count, clicked: 0 },
    };
    if ('content' in row) out.content = row.content;
    return out;
  });
}
