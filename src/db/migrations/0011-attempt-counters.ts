import type { Kysely } from 'kysely';

/**
 * Counters of attempts that are limited per time window and must be shared by every API process:
 * failed sign-ins (per account, per client address, per account and address, plus the addresses
 * an account signed in from) and SMTP server checks per user. One row per counter; `key` is an
 * HMAC of what is counted (an email, an address), never the value itself. A row whose
 * `expires_at` has passed is dead (its window is over) and is purged.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('attempt_counters')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('attempt_counters_pk', ['scope', 'key'])
    .execute();
  await db.schema.createIndex('attempt_counters_expiry').on('attempt_counters').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('attempt_counters').execute();
}
