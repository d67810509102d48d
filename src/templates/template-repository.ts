import type { Database } from '../db/database.js';
import type { EmailTemplateAttachmentTable, EmailTemplateCategory, EmailTemplateFolderTable, EmailTemplateTable } from '../db/schema.js';

export type TemplateRow = EmailTemplateTable;
/** A template without its content: what lists need (content may be up to 2 MB per template). */
export type TemplateSummaryRow = Omit<TemplateRow, 'content'>;
export type FolderRow = EmailTemplateFolderTable;
export type TemplateAttachmentRow = EmailTemplateAttachmentTable;
/** An attachment with what the Files API knows of its file (null when the file is gone). */
export type TemplateAttachmentView = TemplateAttachmentRow & { file_name: string | null; size: number | null };
export type FileFacts = { id: string; name: string; size: number };

const SUMMARY_COLUMNS = [
  'id',
  'org_id',
  'module',
  'name',
  'subject',
  'folder_id',
  'editor_mode',
  'category',
  'description',
  'active',
  'favorite',
  'consent_linked',
  'created_by',
  'modified_by',
  'created_at',
  'modified_at',
  'last_used_at',
  'sent_count',
] as const satisfies readonly (keyof TemplateSummaryRow)[];

export async function findTemplate(db: Database, orgId: string, id: string): Promise<TemplateRow | undefined> {
  return db.selectFrom('email_templates').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export type TemplateFilter = {
  module?: string;
  categories?: readonly EmailTemplateCategory[];
  favorite?: boolean;
  createdBy?: string;
  notCreatedBy?: string;
};

/** An org's templates without content, unordered (callers sort: NULL ordering differs by dialect). */
export async function listTemplateSummaries(db: Database, orgId: string, filter: TemplateFilter = {}): Promise<TemplateSummaryRow[]> {
  let query = db.selectFrom('email_templates').select(SUMMARY_COLUMNS).where('org_id', '=', orgId);
  if (filter.module !== undefined) query = query.where('module', '=', filter.module);
  if (filter.categories !== undefined) query = query.where('category', 'in', [...filter.categories]);
  if (filter.favorite !== undefined) query = query.where('favorite', '=', filter.favorite ? 1 : 0);
  if (filter.createdBy !== undefined) query = query.where('created_by', '=', filter.createdBy);
  if (filter.notCreatedBy !== undefined) query = query.where('created_by', '!=', filter.notCreatedBy);
  return query.execute();
}

/** Names of an org's templates of one module (for the unique-name rule). */
export async function listTemplateNames(db: Database, orgId: string, module: string): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('email_templates').select(['id', 'name']).where('org_id', '=', orgId).where('module', '=', module).execute();
}

export async function insertTemplate(db: Database, row: TemplateRow): Promise<void> {
  await db.insertInto('email_templates').values(row).execute();
}

export async function updateTemplateRow(
  db: Database,
  orgId: string,
  id: string,
  changes: Partial<Omit<TemplateRow, 'id' | 'org_id' | 'created_by' | 'created_at'>>,
): Promise<void> {
  await db.updateTable('email_templates').set(changes).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Deletes a template and its attachment rows; false when the org has no such template. */
export async function deleteTemplateRow(db: Database, orgId: string, id: string): Promise<boolean> {
  const owned = await db.selectFrom('email_templates').select('id').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  if (!owned) return false;
  await db.deleteFrom('email_template_attachments').where('template_id', '=', id).execute();
  const result = await db.deleteFrom('email_templates').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Records one more use (send_mail acceptance); `count` mails used it at once. */
export async function markTemplateUsedRow(db: Database, orgId: string, id: string, at: number, count: number): Promise<void> {
  await db
    .updateTable('email_templates')
    .set((eb) => ({ last_used_at: at, sent_count: eb('sent_count', '+', count) }))
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

// Folders.

export async function listFolders(db: Database, orgId: string): Promise<FolderRow[]> {
  return db.selectFrom('email_template_folders').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
}

export async function findFolderById(db: Database, orgId: string, id: string): Promise<FolderRow | undefined> {
  return db.selectFrom('email_template_folders').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/**
 * The org's folder with exactly this name, created if missing. Two concurrent creations meet on
 * the unique index: the loser's insert does nothing and both read the winner's row.
 */
export async function ensureFolder(db: Database, row: FolderRow): Promise<FolderRow> {
  await db
    .insertInto('email_template_folders')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
    .execute();
  return db
    .selectFrom('email_template_folders')
    .selectAll()
    .where('org_id', '=', row.org_id)
    .where('name', '=', row.name)
    .executeTakeFirstOrThrow();
}

// Attachments.

export async function listTemplateAttachments(db: Database, templateIds: readonly string[]): Promise<TemplateAttachmentView[]> {
  if (templateIds.length === 0) return [];
  return db
    .selectFrom('email_template_attachments as a')
    .innerJoin('email_templates as t', 't.id', 'a.template_id')
    .leftJoin('files as f', (join) => join.onRef('f.id', '=', 'a.file_id').onRef('f.org_id', '=', 't.org_id'))
    .select(['a.id', 'a.template_id', 'a.position', 'a.file_id', 'f.name as file_name', 'f.size as size'])
    .where('a.template_id', 'in', [...templateIds])
    .orderBy('a.template_id')
    .orderBy('a.position')
    .execute();
}

/** Replaces a template's attachments with `rows` (already numbered). */
export async function replaceTemplateAttachments(db: Database, templateId: string, rows: readonly TemplateAttachmentRow[]): Promise<void> {
  await db.deleteFrom('email_template_attachments').where('template_id', '=', templateId).execute();
  if (rows.length > 0) await db.insertInto('email_template_attachments').values([...rows]).execute();
}

/** The org's files among `ids` (Files API table); ids of other orgs or unknown ids are absent. */
export async function findFiles(db: Database, orgId: string, ids: readonly string[]): Promise<FileFacts[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('files').select(['id', 'name', 'size']).where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
  return rows.map((r) => ({ id: r.id, name: r.name, size: Number(r.size) }));
}
