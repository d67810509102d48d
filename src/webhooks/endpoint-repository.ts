import type { Database } from '../db/database.js';
import { inTransaction } from '../db/database.js';
import type { WebhookAttemptTable, WebhookEndpointTable, WebhookMessageTable } from '../db/schema.js';
import type { WebhookEventType } from './event-types.js';

/**
 * `webhook_endpoints` and `webhook_subscriptions` (migration 0016): an org's endpoints and the
 * event types each wants, and the admin's view of the outbox (`webhook_messages`, written by the
 * engine's outbox-repository.ts): the delivery log, its attempts, "send again". Every query names
 * the org, which is how another org's endpoint answers like a missing one.
 */
export type WebhookEndpointRow = WebhookEndpointTable;
export type WebhookMessageRow = WebhookMessageTable;
export type WebhookAttemptRow = WebhookAttemptTable;
export type WebhookMessageState = WebhookMessageTable['state'];

/**
 * Inserts an endpoint and one subscription row per event type, in one transaction. `row.secret`
 * is the SecretBox ciphertext (`ctx.secrets.seal`) of the `whsec_…` secret, never the secret.
 */
export async function insertEndpoint(db: Database, row: WebhookEndpointRow, eventTypes: readonly WebhookEventType[]): Promise<void> {
  await inTransaction(db, (tx) => insertEndpointRows(tx, row, eventTypes));
}

/** `insertEndpoint` inside the caller's transaction `tx` (with its audit entry). */
export async function insertEndpointRows(tx: Database, row: WebhookEndpointRow, eventTypes: readonly WebhookEventType[]): Promise<void> {
  await tx.insertInto('webhook_endpoints').values(row).execute();
  await insertSubscriptions(tx, row.id, row.org_id, eventTypes);
}

async function insertSubscriptions(tx: Database, endpointId: string, orgId: string, eventTypes: readonly WebhookEventType[]): Promise<void> {
  if (eventTypes.length === 0) return;
  await tx
    .insertInto('webhook_subscriptions')
    .values([...new Set(eventTypes)].map((event_type) => ({ endpoint_id: endpointId, org_id: orgId, event_type })))
    .execute();
}

/**
 * The event types some enabled endpoint of the org subscribes to (what the outbox would write rows
 * for): read once per CACHE_TTL_SECONDS per process by src/webhooks/event-gate.ts.
 */
export async function listSubscribedEventTypes(db: Database, orgId: string): Promise<WebhookEventType[]> {
  const rows = await db
    .selectFrom('webhook_subscriptions as s')
    .innerJoin('webhook_endpoints as e', (join) => join.onRef('e.id', '=', 's.endpoint_id').on('e.enabled', '=', 1))
    .select('s.event_type')
    .distinct()
    .where('s.org_id', '=', orgId)
    .execute();
  return rows.map((r) => r.event_type as WebhookEventType);
}

/** How many endpoints the org has (the per-org limit). */
export async function countEndpoints(db: Database, orgId: string): Promise<number> {
  const row = await db.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number | string>().as('n')).where('org_id', '=', orgId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function findEndpoint(db: Database, orgId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** The org's endpoints, oldest first (ids grow with time). */
export async function listEndpoints(db: Database, orgId: string): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute();
}

export type EndpointChange = Partial<
  Pick<WebhookEndpointRow, 'url' | 'description' | 'event_types' | 'secret' | 'enabled' | 'disabled_reason' | 'disabled_at' | 'failing_since'>
> & { updated_at: number };

/**
 * Changes an endpoint, inside the caller's transaction `tx`: its columns, its subscriptions when
 * `eventTypes` is given (rewritten), and, when `failPending` is given, its pending messages become
 * `failed` with that reason (an administrator disabled it). Undefined when the endpoint is not the org's.
 */
export async function updateEndpoint(
  tx: Database,
  orgId: string,
  id: string,
  change: EndpointChange,
  options: { eventTypes?: readonly WebhookEventType[]; failPending?: { reason: string; now: number } } = {},
): Promise<WebhookEndpointRow | undefined> {
  const updated = await tx.updateTable('webhook_endpoints').set(change).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return undefined;
  if (options.eventTypes) {
    await tx.deleteFrom('webhook_subscriptions').where('endpoint_id', '=', id).execute();
    await insertSubscriptions(tx, id, orgId, options.eventTypes);
  }
  if (options.failPending) {
    await tx
      .updateTable('webhook_messages')
      .set({ state: 'failed', due_at: null, lease_owner: null, lease_until: null, last_error: options.failPending.reason })
      .where('endpoint_id', '=', id)
      .where('org_id', '=', orgId)
      .where('state', '=', 'pending')
      .execute();
  }
  return tx.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirstOrThrow();
}

/**
 * Deletes an endpoint with its subscriptions and its whole delivery log (messages, pending ones
 * included, and attempts), inside the caller's transaction `tx`: nothing is sent to it any more
 * and nothing of it is left to read. False when the endpoint is not the org's.
 */
export async function deleteEndpoint(tx: Database, orgId: string, id: string): Promise<boolean> {
  const deleted = await tx.deleteFrom('webhook_endpoints').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) return false;
  await tx.deleteFrom('webhook_subscriptions').where('endpoint_id', '=', id).execute();
  await tx.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
  await tx.deleteFrom('webhook_messages').where('endpoint_id', '=', id).execute();
  return true;
}

/**
 * One page of an endpoint's delivery log, newest first (created_at, then event id): from the
 * message `from` (inclusive) on, `limit` rows, optionally of one state.
 */
export async function listEndpointMessages(
  db: Database,
  orgId: string,
  endpointId: string,
  options: { state?: WebhookMessageState; from?: { createdAt: number; eventId: string }; limit: number },
): Promise<WebhookMessageRow[]> {
  let query = db.selectFrom('webhook_messages').selectAll().where('org_id', '=', orgId).where('endpoint_id', '=', endpointId);
  if (options.state) query = query.where('state', '=', options.state);
  const from = options.from;
  if (from) {
    query = query.where((eb) =>
      eb.or([eb('created_at', '<', from.createdAt), eb.and([eb('created_at', '=', from.createdAt), eb('event_id', '<=', from.eventId)])]),
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('event_id', 'desc').limit(options.limit).execute();
}

export async function findEndpointMessage(db: Database, orgId: string, endpointId: string, eventId: string): Promise<WebhookMessageRow | undefined> {
  return db
    .selectFrom('webhook_messages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('endpoint_id', '=', endpointId)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
}

/** Every attempt of one message, in order. */
export async function listMessageAttempts(db: Database, endpointId: string, eventId: string): Promise<WebhookAttemptRow[]> {
  return db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', endpointId).where('event_id', '=', eventId).orderBy('attempt').orderBy('at').execute();
}

/**
 * "Send again": the message becomes `pending`, due `now`, its lease cleared (a worker still
 * holding it records nothing: the engine fences its writes on the lease). Its attempts count on,
 * so the log keeps every attempt. Only while the endpoint is enabled, checked in the same
 * statement; undefined when nothing was changed (no such message, or the endpoint is disabled).
 */
export async function markMessageDueAgain(db: Database, orgId: string, endpointId: string, eventId: string, now: number): Promise<WebhookMessageRow | undefined> {
  return db
    .updateTable('webhook_messages')
    .set({ state: 'pending', due_at: now, lease_owner: null, lease_until: null, delivered_at: null })
    .where('org_id', '=', orgId)
    .where('endpoint_id', '=', endpointId)
    .where('event_id', '=', eventId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('webhook_endpoints')
          .select('webhook_endpoints.id')
          .where('webhook_endpoints.id', '=', endpointId)
          .where('webhook_endpoints.org_id', '=', orgId)
          .where('webhook_endpoints.enabled', '=', 1),
      ),
    )
    .returningAll()
    .executeTakeFirst();
}
