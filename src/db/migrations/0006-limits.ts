import { sql, type Kysely } from 'kysely';

/**
 * Limits (docs/zoho-contract.md §15, §16): per-org overrides on `orgs`, the daily individual-mail counter
 * and the API credit buckets.
 *
 * - `daily_mail_usage`: one row per org and local calendar day (`YYYY-MM-DD` in the org's time
 *   zone); send_mail reserves into it inside its accepting transaction, so it must be as durable
 *   as the mails it counts.
 * - `api_credit_usage`: one row per org and UTC hour (epoch ms / 3,600,000); the last 24 rows are
 *   the rolling 24-hour window. Written on every API request, so on PostgreSQL it is UNLOGGED: a
 *   commit that touched only unlogged tables does not wait for a WAL flush (≈3× cheaper here),
 *   and losing the counts in a crash only hands an org some credits back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The only dialect branch of this migration: UNLOGGED exists on PostgreSQL only.
  const isPostgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

  // SQLite adds one column per ALTER TABLE.
  await db.schema.alterTable('orgs').addColumn('daily_mail_limit', 'integer').execute();
  await db.schema.alterTable('orgs').addColumn('api_credit_limit', 'integer').execute();
  await db.schema.alterTable('orgs').addColumn('api_concurrency_limit', 'integer').execute();

  await db.schema
    .createTable('daily_mail_usage')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_mail_usage_pk', ['org_id', 'day'])
    .execute();

  // No foreign key: an unlogged table cannot reference a logged one on PostgreSQL.
  let credits = db.schema.createTable('api_credit_usage');
  if (isPostgres) credits = credits.modifyFront(sql`unlogged`);
  await credits
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_credit_usage_pk', ['org_id', 'hour'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_credit_usage').ifExists().execute();
  await db.schema.dropTable('daily_mail_usage').ifExists().execute();
  for (const column of ['api_concurrency_limit', 'api_credit_limit', 'daily_mail_limit']) {
    await db.schema.alterTable('orgs').dropColumn(column).execute();
  }
}
