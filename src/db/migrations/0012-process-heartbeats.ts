import type { Kysely } from 'kysely';

/**
 * Idempotency after a crash. Every API process keeps a row in `process_heartbeats` fresh while it
 * runs; an Idempotency-Key held by a running request records its process (`owner_process`) and
 * the claim (`claim_token`). A key whose process stopped beating is released at once instead of
 * after a fixed window, and a request commits its answer only while its claim still holds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('process_heartbeats')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('idempotency_keys').addColumn('owner_process', 'text').execute();
  await db.schema.alterTable('idempotency_keys').addColumn('claim_token', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').dropColumn('claim_token').execute();
  await db.schema.alterTable('idempotency_keys').dropColumn('owner_process').execute();
  await db.schema.dropTable('process_heartbeats').execute();
}
