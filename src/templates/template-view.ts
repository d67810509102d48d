import type { Database } from '../db/database.js';
import type { EmailTemplateCategory, EmailTemplateEditorMode } from '../db/schema.js';
import { listModules } from '../records/module-registry.js';
import { findUsersByIds, fullName } from '../users/user-repository.js';
import { listFolders, listTemplateAttachments, type TemplateRow, type TemplateSummaryRow } from './template-repository.js';

/**
 * An email template as the template APIs and the CLI show it (docs/zoho-contract.md §6);
 * `wire/email-templates.ts` writes it in Zoho's keys. `sentCount` counts mails accepted with the
 * template; Mailroom does not link opens, clicks or delivery outcomes back to templates.
 */
export type EmailTemplateView = Readonly<{
  id: string;
  name: string;
  subject: string;
  module: { apiName: string; id: string | null };
  folder: { id: string; name: string | null };
  createdAt: number;
  modifiedAt: number;
  lastUsedAt: number | null;
  /** `name` null when the user no longer exists. */
  createdBy: { id: string; name: string | null };
  modifiedBy: { id: string; name: string | null };
  attachments: readonly { id: string; fileId: string; fileName: string | null; size: number | null }[];
  consentLinked: boolean;
  editorMode: EmailTemplateEditorMode;
  category: EmailTemplateCategory;
  favorite: boolean;
  active: boolean;
  description: string | null;
  sentCount: number;
  /** The content, for a view of one template. */
  content: string | null;
}>;

export async function templateViews(db: Database, orgId: string, rows: readonly (TemplateSummaryRow | TemplateRow)[]): Promise<EmailTemplateView[]> {
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
  const userRef = (id: string) => ({ id, name: userById.has(id) ? fullName(userById.get(id)!) : null });

  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    subject: row.subject,
    module: { apiName: row.module, id: moduleByName.get(row.module)?.id ?? null },
    folder: { id: row.folder_id, name: folderById.get(row.folder_id)?.name ?? null },
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
    lastUsedAt: row.last_used_at,
    createdBy: userRef(row.created_by),
    modifiedBy: userRef(row.modified_by),
    attachments: attachments
      .filter((a) => a.template_id === row.id)
      .map((a) => ({ id: a.id, fileId: a.file_id, fileName: a.file_name, size: a.size === null ? null : Number(a.size) })),
    consentLinked: row.consent_linked === 1,
    editorMode: row.editor_mode,
    category: row.category,
    favorite: row.favorite === 1,
    active: row.active === 1,
    description: row.description,
    sentCount: row.sent_count,
    content: 'content' in row ? row.content : null,
  }));
}
