import type { Kysely } from 'kysely';

/**
 * Email templates (docs/zoho-contract.md §6): folders, templates and the files a template attaches.
 * Template attachments hold file ids of the Files API without a foreign key: a file row may be
 * purged by the files feature, and a template listing must still load (it shows the name as null);
 * send_mail validates the files again when it uses the template.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('email_template_folders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // Folders are created on demand by name; the unique index makes two concurrent creations meet.
  await db.schema.createIndex('email_template_folders_org_name').on('email_template_folders').columns(['org_id', 'name']).unique().execute();

  await db.schema
    .createTable('email_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('folder_id', 'text', (c) => c.notNull().references('email_template_folders.id'))
    .addColumn('editor_mode', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('favorite', 'integer', (c) => c.notNull())
    .addColumn('consent_linked', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('modified_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('sent_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('email_templates_org_module').on('email_templates').columns(['org_id', 'module']).execute();

  await db.schema
    .createTable('email_template_attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('template_id', 'text', (c) => c.notNull().references('email_templates.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('file_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('email_template_attachments_template')
    .on('email_template_attachments')
    .columns(['template_id', 'position'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['email_template_attachments', 'email_templates', 'email_template_folders']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
