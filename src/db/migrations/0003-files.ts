import type { Kysely } from 'kysely';

/**
 * Files (Zoho's ZFS): metadata in `files`; the bytes in `file_blobs` on PostgreSQL (so API and
 * worker processes on different machines share them) or under DATA_DIR with SQLite. A mail pins
 * its attachments in `mail_attachments` at acceptance.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The only dialect branch of this migration: a binary column is `bytea` on PostgreSQL, `blob` on SQLite.
  const isPostgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('is_inline', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('files_org').on('files').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('file_blobs')
    .addColumn('file_id', 'text', (c) => c.primaryKey())
    .addColumn('bytes', isPostgres ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('mail_attachments')
    .addColumn('message_id', 'text', (c) => c.notNull().references('mails.message_id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('file_id', 'text', (c) => c.notNull().references('files.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('content_id', 'text')
    .addPrimaryKeyConstraint('mail_attachments_pk', ['message_id', 'position'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['mail_attachments', 'file_blobs', 'files']) await db.schema.dropTable(table).ifExists().execute();
}
