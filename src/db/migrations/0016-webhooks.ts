import { sql, type Kysely } from 'kysely';

/**
 * Webhooks to the user's app (issue 15 item 4; README "Webhooks").
 * - `webhook_endpoints`: an org's endpoints (URL, signing secret encrypted with SECRETS_KEY, the
 *   event types it wants as a JSON array for display), enabled or disabled with a visible reason
 *   (`disabled_reason`: an admin, or failing since `failing_since` for too long).
 * - `webhook_subscriptions`: one row per (endpoint, event type) it wants, so that writing an event
 *   is one INSERT … SELECT over the org's enabled subscribers (zero rows when there are none).
 * - `webhook_messages`: the outbox and the delivery log in one: one row per (event, endpoint),
 *   inserted in the same transaction as the state change it reports. `event_id` is the
 *   Standard Webhooks `webhook-id` (the same on every attempt and for every endpoint); `payload`
 *   the exact JSON body (signed as is on every attempt). `state`: pending (due at `due_at`, leased
 *   by a worker through `lease_owner`/`lease_until`) → delivered | failed (gave up, or its
 *   endpoint was disabled). "Send again" makes a row pending and due now.
 * - `webhook_attempts`: every attempt of a message (HTTP status or error, duration): the log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // SecretBox ciphertext of the `whsec_…` signing secret.
    .addColumn('secret', 'text', (c) => c.notNull())
    // JSON array of event types (src/webhooks/event-types.ts), as given.
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'bigint')
    // The first failed attempt since the last success; null while it works.
    .addColumn('failing_since', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoints_org').on('webhook_endpoints').columns(['org_id']).execute();

  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_subscriptions_pk', ['endpoint_id', 'event_type'])
    .execute();
  await db.schema.createIndex('webhook_subscriptions_org_type').on('webhook_subscriptions').columns(['org_id', 'event_type']).execute();

  await db.schema
    .createTable('webhook_messages')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // pending | delivered | failed
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('due_at', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    // 1: an attempt may have reached the endpoint without its answer being recorded (a worker died).
    .addColumn('possible_duplicate', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('webhook_messages_pk', ['endpoint_id', 'event_id'])
    .execute();
  // Claims read due rows in due order; only pending rows have a due_at.
  await db.schema.createIndex('webhook_messages_due').on('webhook_messages').columns(['due_at']).where(sql.ref('due_at'), 'is not', null).execute();
  await db.schema.createIndex('webhook_messages_log').on('webhook_messages').columns(['endpoint_id', 'created_at']).execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    // The HTTP status the endpoint answered; null when there was no answer (error).
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_attempts_message').on('webhook_attempts').columns(['endpoint_id', 'event_id', 'attempt']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_attempts').execute();
  await db.schema.dropTable('webhook_messages').execute();
  await db.schema.dropTable('webhook_subscriptions').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
}
