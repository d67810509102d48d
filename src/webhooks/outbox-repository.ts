import { sql } from 'kysely';
import { dialectOf, inTransaction, type Database } from '../db/database.js';
import type { WebhookEndpointTable, WebhookMessageTable } from '../db/schema.js';
import type { WebhookEvent } from './webhook-events.js';
import { EVERY_EVENT, type EventGate } from './event-gate.js';

/**
 * The webhook outbox (`webhook_messages`, migration 0016) as the engine writes it: emission in the
 * transaction of the change an event reports, and the sender's claims and attempt records
 * (src/webhooks/webhook-sender.ts). Endpoints and subscriptions are written by
 * endpoint-repository.ts.
 */

export type WebhookMessageRow = WebhookMessageTable;

/** Events per INSERT statement (one statement up to this many). */
const EMIT_CHUNK = 2000;

/**
 * Writes `events` to the outbox of every enabled endpoint subscribed to their type, in the
 * caller's transaction: ONE statement (`insert … select` over the events as a VALUES list joined
 * to the subscriptions and enabled endpoints), zero rows when nobody subscribes — there is no
 * read first. Returns the number of messages written. `gate` (src/webhooks/event-gate.ts) drops the
 * types nobody subscribes to before the statement, and the statement itself when none is left.
 */
export async function emitWebhookEvents(tx: Database, allEvents: readonly WebhookEvent[], now: number, gate: EventGate = EVERY_EVENT): Promise<number> {
  const events = gate === EVERY_EVENT ? allEvents : allEvents.filter((e) => gate(e.type));
  if (events.length === 0) return 0;
  // 5 parameters an event: a mail with thousands of recipients stays far below both databases' limits.
  if (events.length > EMIT_CHUNK) {
    let written = 0;
    for (let i = 0; i < events.length; i += EMIT_CHUNK) written += await emitWebhookEvents(tx, events.slice(i, i + EMIT_CHUNK), now);
    return written;
  }
  // Every value is cast: PostgreSQL types the columns of a VALUES list from its first row's
  // parameters, which are untyped (text) otherwise; SQLite ignores the casts' effect on text.
  const rows = sql.join(
    events.map(
      (e) => sql`(cast(${e.id} as text), cast(${e.orgId} as text), cast(${e.type} as text), cast(${e.payload} as text), cast(${e.occurredAt} as bigint))`,
    ),
  );
  const result = await sql`
    insert into webhook_messages (event_id, endpoint_id, org_id, event_type, payload, occurred_at, created_at, state, attempts, due_at, possible_duplicate)
    with v (event_id, org_id, event_type, payload, occurred_at) as (values ${rows})
    select v.event_id, s.endpoint_id, v.org_id, v.event_type, v.payload, v.occurred_at, cast(${now} as bigint), 'pending', 0, cast(${now} as bigint), 0
      from v
      join webhook_subscriptions s on s.org_id = v.org_id and s.event_type = v.event_type
      join webhook_endpoints e on e.id = s.endpoint_id and e.enabled = 1`.execute(tx);
  return Number(result.numAffectedRows ?? 0n);
}

export type WebhookClaimInput = Readonly<{
  workerId: string;
  now: number;
  leaseMs: number;
  limit: number;
  /** At most this many messages of one endpoint per claim. */
  perEndpoint: number;
  /** Endpoints this worker cannot take more of now (all its slots for them are busy). */
  excludeEndpoints: readonly string[];
}>;

/**
 * Leases up to `limit` due pending messages to a worker (at most `perEndpoint` of one endpoint),
 * earliest due first. The claim moves `due_at` to the lease's end, so a message whose worker died
 * mid-POST is due again by itself when the lease runs out; claimed again with a `lease_owner`
 * still set (no outcome was recorded), it is flagged `possible_duplicate`: the endpoint may have
 * received it. One statement; on PostgreSQL concurrent workers skip each other's rows (FOR UPDATE
 * SKIP LOCKED), on SQLite the one writer makes it atomic.
 */
export async function claimDueWebhookMessages(db: Database, input: WebhookClaimInput): Promise<WebhookMessageRow[]> {
  if (input.limit <= 0) return [];
  const lock = dialectOf(db) === 'postgres' ? sql`for update skip locked` : sql``;
  const leaseUntil = input.now + input.leaseMs;
  const excluded = input.excludeEndpoints.length > 0 ? sql`and endpoint_id not in (${sql.join(input.excludeEndpoints.map((id) => sql`${id}`))})` : sql``;
  const candidates = Math.min(1000, input.limit * 10);
  const { rows } = await sql<WebhookMessageRow>`
    update webhook_messages
       set lease_owner = ${input.workerId}, lease_until = ${leaseUntil}, due_at = ${leaseUntil}, attempts = attempts + 1,
           possible_duplicate = case when lease_owner is not null then 1 else possible_duplicate end
     where state = 'pending' and (endpoint_id, event_id) in (
       select endpoint_id, event_id from (
         select endpoint_id, event_id, due_at, row_number() over (partition by endpoint_id order by due_at, event_id) as n
           from (select endpoint_id, event_id, due_at from webhook_messages
                  where state = 'pending' and due_at <= ${input.now} ${excluded}
                  order by due_at limit ${candidates} ${lock}) c) ranked
        where n <= ${input.perEndpoint}
        order by due_at limit ${input.limit})
    returning *`.execute(db);
  return rows.map(numbers);
}

const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

function numbers(row: WebhookMessageRow): WebhookMessageRow {
  return {
    ...row,
    occurred_at: Number(row.occurred_at),
    created_at: Number(row.created_at),
    attempts: Number(row.attempts),
    due_at: numOrNull(row.due_at),
    lease_until: numOrNull(row.lease_until),
    last_attempt_at: numOrNull(row.last_attempt_at),
    last_status: numOrNull(row.last_status),
    delivered_at: numOrNull(row.delivered_at),
    possible_duplicate: Number(row.possible_duplicate),
  };
}

/** The earliest due time of a pending message, or null (the sender sleeps until then). */
export async function nextWebhookDueAt(db: Database): Promise<number | null> {
  const row = await db.selectFrom('webhook_messages').select((eb) => eb.fn.min('due_at').as('next')).where('due_at', 'is not', null).executeTakeFirst();
  return numOrNull(row?.next);
}

/** What the sender needs of an endpoint. */
export type SendingEndpoint = Pick<WebhookEndpointTable, 'id' | 'org_id' | 'url' | 'secret' | 'enabled' | 'failing_since'>;

export async function findSendingEndpoint(db: Database, endpointId: string): Promise<SendingEndpoint | undefined> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'org_id', 'url', 'secret', 'enabled', 'failing_since'])
    .where('id', '=', endpointId)
    .executeTakeFirst();
  return row ? { ...row, enabled: Number(row.enabled), failing_since: numOrNull(row.failing_since) } : undefined;
}

/** One attempt's result, as the sender saw it. */
export type AttemptRecord = Readonly<{
  attemptId: string;
  message: WebhookMessageRow;
  workerId: string;
  at: number;
  durationMs: number;
  /** The HTTP status, null when there was no answer. */
  statusCode: number | null;
  /** Why it failed (the error, or up to 1 KB of the answer's body); null on success. */
  error: string | null;
}>;

/** A failed attempt: retried at `retryAt`, or given up (null). */
export type FailurePlan = Readonly<{ retryAt: number | null; disableAfterMs: number }>;

/**
 * Records a delivered message (2xx) in one transaction: the attempt, the message `delivered`
 * (compare-and-set on this worker's claim: a claim that lost its lease records only the attempt),
 * and the endpoint working again (`failing_since` cleared).
 */
export async function recordWebhookSuccess(db: Database, record: AttemptRecord): Promise<void> {
  const { message, at } = record;
  await inTransaction(db, async (tx) => {
    await insertAttempt(tx, record);
    await tx
      .updateTable('webhook_messages')
      .set({ state: 'delivered', due_at: null, lease_owner: null, lease_until: null, last_attempt_at: at, last_status: record.statusCode, last_error: null, delivered_at: at })
      .where('endpoint_id', '=', message.endpoint_id)
      .where('event_id', '=', message.event_id)
      .where('lease_owner', '=', record.workerId)
      .where('attempts', '=', message.attempts)
      .execute();
    await tx.updateTable('webhook_endpoints').set({ failing_since: null, last_success_at: at }).where('id', '=', message.endpoint_id).execute();
  });
}

/**
 * Records a failed attempt in one transaction: the attempt; the message due again at
 * `plan.retryAt`, or `failed` when the schedule is over (compare-and-set on the claim); the
 * endpoint failing since its first failure after the last success. An endpoint failing for longer
 * than `plan.disableAfterMs` is disabled (`enabled = 0`, `disabled_reason` saying since when) and
 * its pending messages fail with that reason. Returns the reason when this attempt disabled it.
 */
export async function recordWebhookFailure(db: Database, record: AttemptRecord, plan: FailurePlan): Promise<string | null> {
  const { message, at } = record;
  const error = record.error === null ? null : record.error.slice(0, 1024);
  return inTransaction(db, async (tx) => {
    await insertAttempt(tx, record);
    await tx
      .updateTable('webhook_messages')
      .set({
        state: plan.retryAt === null ? 'failed' : 'pending',
        due_at: plan.retryAt,
        lease_owner: null,
        lease_until: null,
        last_attempt_at: at,
        last_status: record.statusCode,
        last_error: error,
      })
      .where('endpoint_id', '=', message.endpoint_id)
      .where('event_id', '=', message.event_id)
      .where('lease_owner', '=', record.workerId)
      .where('attempts', '=', message.attempts)
      .execute();
    await tx.updateTable('webhook_endpoints').set({ failing_since: at }).where('id', '=', message.endpoint_id).where('failing_since', 'is', null).execute();
    const endpoint = await tx
      .selectFrom('webhook_endpoints')
      .select(['failing_since', 'enabled'])
      .where('id', '=', message.endpoint_id)
      .executeTakeFirst();
    const since = numOrNull(endpoint?.failing_since);
    if (!endpoint || Number(endpoint.enabled) !== 1 || since === null || at - since < plan.disableAfterMs) return null;
    const hours = Math.floor((at - since) / 3_600_000);
    const reason = `disabled automatically: failing since ${new Date(since).toISOString()} (${hours} h without a successful delivery)`;
    const disabled = await tx
      .updateTable('webhook_endpoints')
      .set({ enabled: 0, disabled_reason: reason, disabled_at: at, updated_at: at })
      .where('id', '=', message.endpoint_id)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    if (Number(disabled.numUpdatedRows) === 0) return null;
    await failPendingOfEndpoint(tx, message.endpoint_id, `endpoint ${reason}`);
    return reason;
  });
}

/** Every pending message of an endpoint ends `failed` with `reason` (its endpoint is disabled or gone). */
export async function failPendingOfEndpoint(db: Database, endpointId: string, reason: string): Promise<number> {
  const result = await db
    .updateTable('webhook_messages')
    .set({ state: 'failed', due_at: null, lease_owner: null, lease_until: null, last_error: reason.slice(0, 1024) })
    .where('endpoint_id', '=', endpointId)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A stopping worker gives back the messages it leased and did not finish: due at once, not flagged. */
export async function releaseWebhookMessages(db: Database, input: Readonly<{ workerId: string; keys: readonly { endpointId: string; eventId: string }[]; now: number }>): Promise<void> {
  for (const key of input.keys) {
    await db
      .updateTable('webhook_messages')
      .set({ due_at: input.now, lease_owner: null, lease_until: null, attempts: sql`attempts - 1` })
      .where('endpoint_id', '=', key.endpointId)
      .where('event_id', '=', key.eventId)
      .where('lease_owner', '=', input.workerId)
      .where('state', '=', 'pending')
      .execute();
  }
}

async function insertAttempt(tx: Database, record: AttemptRecord): Promise<void> {
  await tx
    .insertInto('webhook_attempts')
    .values({
      id: record.attemptId,
      endpoint_id: record.message.endpoint_id,
      event_id: record.message.event_id,
      attempt: record.message.attempts,
      at: record.at,
      status_code: record.statusCode,
      error: record.error === null ? null : record.error.slice(0, 1024),
      duration_ms: Math.max(0, Math.round(record.durationMs)),
    })
    .execute();
}

/** Messages of an endpoint, oldest first (tests; the delivery log is the admin surface's). */
export async function messagesOfEndpoint(db: Database, endpointId: string): Promise<WebhookMessageRow[]> {
  const rows = await db.selectFrom('webhook_messages').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at').orderBy('event_id').execute();
  return rows.map(numbers);
}

/** Attempts of an endpoint, oldest first (tests). */
export async function attemptsOfEndpoint(db: Database, endpointId: string) {
  return db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', endpointId).orderBy('at').orderBy('attempt').execute();
}
