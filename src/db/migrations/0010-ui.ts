import type { Kysely } from 'kysely';

/**
 * Browser sign-in sessions of the web UI and the local mailbox. The cookie holds a random token;
 * only its SHA-256 is stored, so a copy of the database cannot be replayed as a cookie. Each
 * session has its own CSRF token, checked on every form post.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ui_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ui_sessions_user').on('ui_sessions').columns(['org_id', 'user_id']).execute();
  await db.schema.createIndex('ui_sessions_expiry').on('ui_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ui_sessions').execute();
}
