import type { Kysely } from 'kysely';

/**
 * Compliance (docs/zoho-contract.md §11, §12; docs/reliability.md P10):
 * - `consent_links`: one row per consent email; only the SHA-256 of the link's secret is kept;
 * - `record_locks`: Locking_Information__s rows; at most one lock per record;
 * - `record_locking_configurations`: per org and module; no row = the defaults;
 * - `profile_permissions`: a profile's permissions that differ from the default (all granted);
 * - `audit_log`: who changed consent, locks, blocks and permissions, and which sends were refused;
 * - `mails.consent_email`, `mails.dsr_id`, `mails.dsr_type`: what the mail is for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consent_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('recipient_email', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('answer', 'text')
    .addColumn('answered_at', 'bigint')
    .execute();

  await db.schema
    .createTable('record_locks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('locked_by', 'text', (c) => c.notNull())
    .addColumn('locked_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('record_locks_org_record').on('record_locks').columns(['org_id', 'record_id']).unique().execute();

  await db.schema
    .createTable('record_locking_configurations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('modified_by', 'text', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('record_locking_configurations_org_module')
    .on('record_locking_configurations')
    .columns(['org_id', 'module'])
    .unique()
    .execute();

  await db.schema
    .createTable('profile_permissions')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('permission', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('profile_permissions_pk', ['org_id', 'profile', 'permission'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('module', 'text')
    .addColumn('record_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_org_id').on('audit_log').columns(['org_id', 'id']).execute();

  // SQLite adds one column per ALTER TABLE.
  await db.schema.alterTable('mails').addColumn('consent_email', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('mails').addColumn('dsr_id', 'text').execute();
  await db.schema.alterTable('mails').addColumn('dsr_type', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['dsr_type', 'dsr_id', 'consent_email']) await db.schema.alterTable('mails').dropColumn(column).execute();
  for (const table of ['audit_log', 'profile_permissions', 'record_locking_configurations', 'record_locks', 'consent_links']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
