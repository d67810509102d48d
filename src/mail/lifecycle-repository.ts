import { sql, type RawBuilder } from 'kysely';
import { dialectOf, inTransaction, type Database } from '../db/database.js';
import {
  IN_FLIGHT,
  MAIL_TRANSITIONS,
  RECIPIENT_STATUS,
  RECIPIENT_TRANSITIONS,
  priorStates,
  type MailTransition,
  type OutcomeTransition,
  type RecipientTransition,
  type RecipientStatus,
  type Transition,
} from './lifecycle.js';
import { recipientsOf, type MailRow, type RecipientRow } from './mail-repository.js';
import { emitWebhookEvents } from '../webhooks/outbox-repository.js';
import { insertRows } from '../db/insert-rows.js';
import { withRelaxedDurability } from '../db/relaxed-durability.js';
import { EVERY_EVENT, type EventGate } from '../webhooks/event-gate.js';
import type { WebhookEventType } from '../webhooks/event-types.js';
import { isoOrNull, mailEvent, recipientEvent, type MailSubject, type RecipientSubject, type WebhookEvent } from '../webhooks/webhook-events.js';

/**
 * The one writer of `mails` and `mail_recipients` (state, status, attempt marks): each function is
 * one named transition of src/mail/lifecycle.ts, applied as a compare-and-set — its WHERE names
 * the prior states the transition may start from (and, where it matters, the claim it runs
 * under), and it reports whether it applied. test/unit/lifecycle-ownership.test.ts fails on a
 * write to these tables anywhere else. Reads stay in mail-repository.ts and queue-repository.ts.
 *
 * Each transition that a webhook event reports (docs/webhooks.md) writes it to the outbox in the
 * same transaction, for the rows whose compare-and-set applied: one INSERT … SELECT, no rows when
 * no endpoint of the org subscribes.
 *
 * The queue (docs/ARCHITECTURE.md "Delivery"): the mail row is the queue. A mail is due when
 * `due_at <= now`; claiming it sets `state = 'sending'`, names the worker in `lease_owner`, and
 * moves `due_at` to the lease expiry, so a mail whose worker died becomes due again by itself —
 * no sweeper needed.
 *
 * Two lanes (`mails.lane`): 0 holds the first attempt of mail accepted to go now, 1 scheduled
 * mail, retries and re-claims. A claim takes from both in turn — the lane named `firstLane` first,
 * which the worker alternates — so neither a burst of scheduled mail coming due nor a flood of new
 * mail holds the other up: each gets at least half of the slots while both have mail due. Each
 * lane is read in due order through the index (lane, due_at); no query scans future mail.
 *
 * The claim also marks the recipients it is about to attempt `in_flight = 1` (claimed), in the
 * same commit. Right before the final dot of an SMTP transaction can be sent, the transport has
 * its recipients marked `in_flight = 2` (handed over, `markHandedOver`), and only then lets the
 * message end. A recipient still at 2 when its mail is claimed again was being attempted by a
 * worker that never recorded the outcome (it died, or its lease ran out) after the whole message
 * may have reached the server: it is flagged `possible_duplicate`. One still at 1 never got the
 * end of the message from that worker (a server discards an incomplete one), so its retry is
 * clean. See docs/decisions/0004-possible-duplicate.md.
 */

const M = MAIL_TRANSITIONS;
const R = RECIPIENT_TRANSITIONS;

/** The prior states of a transition as SQL literals (`'queued', 'sending'`), for raw statements. */
function literals(transition: Transition<string>): RawBuilder<unknown> {
  return sql.join(priorStates(transition).map((s) => sql.lit(s)));
}

// ---------------------------------------------------------------------------------------------
// accept

/**
 * `accept`: inserts an accepted mail (`queued`) and its recipients (`queued`, or `skipped` when
 * the address is blocked: `acceptBlocked`). Runs in the accepting transaction of send_mail. Its
 * webhook events are built and written only for types `gate` says the org's endpoints want.
 */
export async function acceptMail(db: Database, mail: MailRow, recipients: readonly RecipientRow[], gate: EventGate = EVERY_EVENT): Promise<void> {
  if (mail.state !== M.accept.to) throw new Error(`a mail is accepted ${M.accept.to}, not ${mail.state}`);
  for (const r of recipients) {
    if (r.status !== R.accept.to && r.status !== R.acceptBlocked.to) throw new Error(`a recipient is accepted ${R.accept.to} or ${R.acceptBlocked.to}, not ${r.status}`);
  }
  await insertRows(db, 'mails', [mail]);
  await insertRows(db, 'mail_recipients', recipients);
  const mailType = mail.scheduled_at === null ? 'mail.accepted' : 'mail.scheduled';
  const events = [
    ...(gate(mailType) ? [mailEvent(mailType, mail, recipients.length, mail.created_at)] : []),
    ...(gate('recipient.skipped') ? recipients.filter((r) => r.status === R.acceptBlocked.to).map((r) => recipientEvent('recipient.skipped', mail, r, mail.created_at, {})) : []),
  ];
  await emitWebhookEvents(db, events, mail.created_at);
}

// ---------------------------------------------------------------------------------------------
// claim

export type ClaimInput = { workerId: string; now: number; leaseMs: number; limit: number; firstLane: 0 | 1 };

/** A claimed mail with all its recipients, as the claim left them (due ones marked `in_flight = 1`). */
export type ClaimedMail = Readonly<{ mail: MailRow; recipients: RecipientRow[] }>;

/**
 * `claim`: leases up to `limit` due mails to a worker and marks their due recipients
 * `in_flight = 1`; returns the mails with all their recipients, read once for the whole claim
 * (one statement per claimed batch instead of one per mail).
 */
export async function claimDueMails(db: Database, input: ClaimInput): Promise<ClaimedMail[]> {
  if (input.limit <= 0) return [];
  const dialect = dialectOf(db);
  const leaseUntil = input.now + input.leaseMs;
  // PostgreSQL: concurrent workers skip rows another worker is claiming (FOR UPDATE SKIP LOCKED),
  // and one statement does the claim and the recipients' mark (data-modifying CTEs: one round
  // trip). SQLite has one writer at a time: the same two steps in one transaction are atomic.
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const claimable = sql`state in (${literals(M.claim)})`;
  const lane = (n: 0 | 1) => sql`
    select message_id, lane, due_at from (
      select message_id, lane, due_at from mails
       where lane = ${n} and due_at <= ${input.now} and ${claimable}
       order by due_at
       limit ${input.limit}
       ${lock}) lane_${sql.raw(String(n))}`;
  const picked = sql`
    select message_id from (
      select message_id, lane, row_number() over (partition by lane order by due_at, message_id) as turn
        from (${lane(0)} union all ${lane(1)}) candidates) ranked
     order by turn, case when lane = ${input.firstLane} then 0 else 1 end
     limit ${input.limit}`;
  const claimSet = sql`
    state = ${sql.lit(M.claim.to)}, lease_owner = ${input.workerId}, lease_until = ${leaseUntil},
    due_at = ${leaseUntil}, attempts = attempts + 1, lane = 1, updated_at = ${input.now}`;
  const markSet = sql`
    possible_duplicate = case when in_flight = ${IN_FLIGHT.handedOver} then 1 else possible_duplicate end,
    in_flight = ${IN_FLIGHT.claimed}`;
  const dueRecipient = sql`status in (${literals(R.claim)}) and (next_attempt_at is null or next_attempt_at <= ${input.now})`;

  let rows: MailRow[];
  let recipients: RecipientRow[];
  if (dialect === 'postgres') {
    ({ rows } = await sql<MailRow>`
      with picked as (${picked}),
      claimed as (
        update mails set ${claimSet} where message_id in (select message_id from picked) returning *),
      marked as (
        update mail_recipients set ${markSet}
         where message_id in (select message_id from claimed) and ${dueRecipient})
      select * from claimed`.execute(db));
    // After the claim's commit: the recipients of leased mails change only under that lease.
    recipients = await recipientsOf(db, rows.map((m) => m.message_id));
  } else {
    [rows, recipients] = await inTransaction(db, async (tx) => {
      const claimed = (await sql<MailRow>`update mails set ${claimSet} where message_id in (${picked}) returning *`.execute(tx)).rows;
      if (claimed.length === 0) return [claimed, []];
      const ids = sql.join(claimed.map((m) => sql`${m.message_id}`));
      await sql`update mail_recipients set ${markSet} where message_id in (${ids}) and ${dueRecipient}`.execute(tx);
      return [claimed, await recipientsOf(tx, claimed.map((m) => m.message_id))];
    });
  }
  const byMail = new Map<string, RecipientRow[]>();
  for (const r of recipients) {
    const list = byMail.get(r.message_id);
    if (list) list.push(r);
    else byMail.set(r.message_id, [r]);
  }
  return rows.map((row) => ({
    mail: { ...row, due_at: num(row.due_at), lease_until: num(row.lease_until), created_at: Number(row.created_at) },
    recipients: byMail.get(row.message_id) ?? [],
  }));
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * One claim of a mail: the worker and the mail's `attempts` after that claim. A later claim —
 * by another worker, or by the same one after the lease ran out — makes it stale.
 */
export type Claim = { workerId: string; messageId: string; attempt: number };

/**
 * `handOver`: marks recipients handed over (`in_flight = 2`): the transport is about to let the
 * final dot go, and waits for this commit before it does. The compare-and-set is on the claim:
 * only recipients of mails still held by the claim they were attempted under are marked — the
 * fence that keeps an attempt whose lease ran out (and whose mail was claimed again meanwhile)
 * from delivering it: its transaction ends before the dot. On PostgreSQL the mail rows are locked
 * (FOR UPDATE) for that check, so a concurrent claim is either seen or comes after this mark (and
 * then flags the recipient). Returns the ids marked.
 */
export async function markHandedOver(db: Database, claims: readonly Claim[], recipientIds: readonly string[]): Promise<Set<string>> {
  if (recipientIds.length === 0 || claims.length === 0) return new Set();
  const dialect = dialectOf(db);
  const marked = new Set<string>();
  const held = sql.join(claims.map((c) => sql`(message_id = ${c.messageId} and lease_owner = ${c.workerId} and attempts = ${c.attempt})`), sql` or `);
  const fenced = sql`select message_id from mails where ${held}`;
  const mark = async (conn: Database) => {
    for (let i = 0; i < recipientIds.length; i += 500) {
      const ids = sql.join(recipientIds.slice(i, i + 500).map((id) => sql`${id}`));
      // PostgreSQL: this statement's own transaction commits without waiting for the WAL flush
      // (synchronous_commit off for it alone; `cfg` is read so that it runs): see the guarantee
      // in docs/decisions/0004-possible-duplicate.md.
      const { rows } =
        dialect === 'postgres'
          ? await sql<{ id: string }>`
              with cfg as (select set_config('synchronous_commit', 'off', true) as value),
                   fence as (${fenced} for update)
              update mail_recipients set in_flight = ${IN_FLIGHT.handedOver}
               where id in (${ids}) and message_id in (select message_id from fence)
                 and (select value from cfg) = 'off'
              returning id`.execute(conn)
          : await sql<{ id: string }>`
              update mail_recipients set in_flight = ${IN_FLIGHT.handedOver}
               where id in (${ids}) and message_id in (${fenced}) returning id`.execute(conn);
      for (const row of rows) marked.add(row.id);
    }
  };
  // SQLite: written, not flushed (withRelaxedDurability) — the guarantee PostgreSQL's
  // synchronous_commit = off gives above; a flush per mark was most of a delivery's time there.
  await withRelaxedDurability(db, (conn) => (recipientIds.length <= 500 ? mark(conn) : inTransaction(conn, mark)));
  return marked;
}

// ---------------------------------------------------------------------------------------------
// outcomes

/** One recipient's outcome of an attempt, as a named transition with what it records. */
export type RecipientOutcomeWrite = Readonly<{
  recipient: RecipientRow;
  transition: OutcomeTransition;
  statusCode: string;
  diagnostic: string;
  remoteMta: string | null;
  /** The retry time of a deferral. */
  nextAttemptAt: number | null;
  /** The message may have been delivered although no reply was read: flag `possible_duplicate`. */
  uncertain: boolean;
  /** For a bounce: Zoho's `category` / `sub_category` (shown in the Emails list). */
  bounce?: Readonly<{ category: string | null; subCategory: string | null }>;
}>;

export type OutcomesInput = Readonly<{
  mail: MailRow;
  /** The claim the attempt ran under. */
  workerId: string;
  now: number;
  /** The mail's transition (`finish` or `retry`) and its next due time (lifecycle `settleMail`). */
  settle: Readonly<{ transition: Extract<MailTransition, 'finish' | 'retry'>; dueAt: number | null; anySent: boolean }>;
  outcomes: readonly RecipientOutcomeWrite[];
}>;

/**
 * Records an attempt's outcomes, in the caller's transaction `tx` (the worker's group commit:
 * the outcomes of concurrent attempts share one commit, docs/decisions/0009-group-commit.md): the
 * mail's `finish`/`retry`, then each recipient's outcome. Only the claim that still holds the
 * lease moves the mail on. One whose lease ran out meanwhile (another attempt, by another worker
 * or this one, may be under way now: the mail's `attempts` moved on with its claim) records only
 * the deliveries it made, and only over recipients still waiting: a deferral or failure of its own
 * must not overwrite what the new attempt does. (On PostgreSQL the mail's update also locks its row
 * against a claim.) `beforeRecipient` runs in the same transaction before a recipient's outcome is
 * written (the block of a bounced address). Events are built and written only for the types `gate`
 * says the org's endpoints want. Re-runnable: every write is a compare-and-set through `tx` and
 * nothing is kept from a run that rolled back. Returns whether the attempt still held the lease.
 */
export async function recordOutcomes(
  tx: Database,
  input: OutcomesInput,
  beforeRecipient: (tx: Database, write: RecipientOutcomeWrite) => Promise<void>,
  gate: EventGate = EVERY_EVENT,
): Promise<{ holdsLease: boolean }> {
  const { mail, workerId, now, settle } = input;
  const transition = M[settle.transition];
  const moved = await tx
    .updateTable('mails')
    .set({
      state: transition.to,
      due_at: settle.dueAt,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
      ...(settle.anySent && mail.sent_at === null ? { sent_at: now } : {}),
    })
    .where('message_id', '=', mail.message_id)
    .where('state', 'in', priorStates(transition))
    .where('lease_owner', '=', workerId)
    .where('attempts', '=', mail.attempts)
    .executeTakeFirst();
  const holdsLease = Number(moved.numUpdatedRows) > 0;
  const events: WebhookEvent[] = [];
  for (const write of input.outcomes) {
    if (!holdsLease && write.transition !== 'sent') continue;
    await beforeRecipient(tx, write);
    const to = R[write.transition].to;
    const applied = await tx
      .updateTable('mail_recipients')
      .set({
        status: to,
        action: RECIPIENT_STATUS[to].action,
        status_code: write.statusCode,
        diagnostic: write.diagnostic,
        remote_mta: write.remoteMta,
        attempts: write.recipient.attempts + 1,
        in_flight: IN_FLIGHT.none,
        last_attempt_at: now,
        next_attempt_at: write.nextAttemptAt,
        done_at: RECIPIENT_STATUS[to].waiting ? null : now,
        ...(write.uncertain ? { possible_duplicate: 1 } : {}),
        ...(to === 'bounced' ? { bounced_at: now, bounce_category: write.bounce?.category ?? null, bounce_sub_category: write.bounce?.subCategory ?? null } : {}),
      })
      .where('id', '=', write.recipient.id)
      .where('status', 'in', priorStates(R[write.transition]))
      .executeTakeFirst();
    if (Number(applied.numUpdatedRows) > 0 && gate(OUTCOME_EVENT_TYPES[write.transition])) events.push(outcomeEvent(mail, write, now));
  }
  await emitWebhookEvents(tx, events, now);
  return { holdsLease };
}

/** The webhook event type of each outcome transition. */
const OUTCOME_EVENT_TYPES = {
  sent: 'recipient.sent',
  deferred: 'recipient.deferred',
  bounced: 'recipient.bounced',
  giveUp: 'recipient.failed',
  skip: 'recipient.skipped',
} as const satisfies Record<OutcomeTransition, WebhookEventType>;

/** The webhook event of one recorded outcome. */
function outcomeEvent(mail: MailRow, write: RecipientOutcomeWrite, now: number): WebhookEvent {
  const to = R[write.transition].to;
  const recipient: RecipientSubject = {
    ...write.recipient,
    status: to,
    action: RECIPIENT_STATUS[to].action,
    status_code: write.statusCode,
    diagnostic: write.diagnostic,
    remote_mta: write.remoteMta,
  };
  switch (write.transition) {
    case 'sent':
      return recipientEvent('recipient.sent', mail, recipient, now, {});
    case 'deferred':
      return recipientEvent('recipient.deferred', mail, recipient, now, { next_attempt_time: isoOrNull(write.nextAttemptAt) });
    case 'bounced':
      return recipientEvent('recipient.bounced', mail, recipient, now, { bounce: { category: write.bounce?.category ?? null, sub_category: write.bounce?.subCategory ?? null } });
    case 'giveUp':
      return recipientEvent('recipient.failed', mail, recipient, now, {});
    case 'skip':
      return recipientEvent('recipient.skipped', mail, recipient, now, {});
  }
}

// ---------------------------------------------------------------------------------------------
// skip

/**
 * `skip` at fire time: the claimed mail may no longer go. Its due recipients end `skipped` with the
 * reason, nothing sent, and the mail (still under this worker's lease) ends `skipped`. In the
 * caller's transaction `tx` (the worker's group commit), re-runnable as `recordOutcomes`; its
 * events only if `gate` wants `recipient.skipped`. Returns whether the mail moved (false: its lease
 * was lost meanwhile).
 */
export async function skipMail(
  tx: Database,
  input: Readonly<{ mail: MailRow; workerId: string; recipients: readonly RecipientRow[]; reason: string; now: number }>,
  gate: EventGate = EVERY_EVENT,
): Promise<boolean> {
  const { mail, workerId, recipients, reason, now } = input;
  const messageId = mail.message_id;
  if (recipients.length > 0) {
    const set = { status: R.skip.to, action: RECIPIENT_STATUS[R.skip.to].action, status_code: '5.7.1', diagnostic: reason } as const;
    const skipped = await tx
      .updateTable('mail_recipients')
      .set({ ...set, in_flight: IN_FLIGHT.none, next_attempt_at: null, done_at: now })
      .where('id', 'in', recipients.map((r) => r.id))
      .where('status', 'in', priorStates(R.skip))
      .returning('id')
      .execute();
    if (gate('recipient.skipped')) {
      const ids = new Set(skipped.map((r) => r.id));
      const events = recipients.filter((r) => ids.has(r.id)).map((r) => recipientEvent('recipient.skipped', mail, { ...r, ...set, remote_mta: null }, now, {}));
      await emitWebhookEvents(tx, events, now);
    }
  }
  const moved = await tx
    .updateTable('mails')
    .set({ state: M.skip.to, skip_reason: reason, due_at: null, lease_owner: null, lease_until: null, updated_at: now })
    .where('message_id', '=', messageId)
    .where('state', 'in', priorStates(M.skip))
    .where('lease_owner', '=', workerId)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) > 0;
}

// ---------------------------------------------------------------------------------------------
// cancel, reschedule (the user, before any worker started the mail)

/**
 * `cancel`: a mail no worker has started (`queued`, `attempts = 0`) ends `cancelled`, its queued
 * recipients `skipped`. The same row a worker's claim moves to `sending`: whichever commits first
 * wins. Run inside the caller's transaction (the quota is given back in it). Returns whether it won.
 */
export async function cancelQueuedMail(db: Database, input: Readonly<{ mail: MailRow; now: number }>): Promise<boolean> {
  const { mail, now } = input;
  const messageId = mail.message_id;
  const result = await db
    .updateTable('mails')
    .set({ state: M.cancel.to, due_at: null, skip_reason: 'cancelled', updated_at: now })
    .where('message_id', '=', messageId)
    .where('state', 'in', priorStates(M.cancel))
    .where('attempts', '=', 0)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  const cancelled = await db
    .updateTable('mail_recipients')
    .set({ status: R.cancel.to, action: RECIPIENT_STATUS[R.cancel.to].action, status_code: '5.0.0', diagnostic: 'cancelled before sending', done_at: now })
    .where('message_id', '=', messageId)
    .where('status', 'in', priorStates(R.cancel))
    .executeTakeFirst();
  await emitWebhookEvents(db, [mailEvent('mail.cancelled', mail, Number(cancelled.numUpdatedRows), now)], now);
  return true;
}

/**
 * `reschedule`: a mail no worker has started (`queued`, `attempts = 0`) is due at its new time, in
 * lane 1 (a rescheduled mail is a scheduled mail), with its quota day. Run inside the caller's
 * transaction (the quota reservation moves in it). Returns whether it won against a claim.
 */
export async function rescheduleQueuedMail(
  db: Database,
  input: Readonly<{ messageId: string; scheduledAt: number; scheduledOffset: string; quotaDay: string | null; now: number }>,
): Promise<boolean> {
  const result = await db
    .updateTable('mails')
    .set({ due_at: input.scheduledAt, scheduled_at: input.scheduledAt, scheduled_offset: input.scheduledOffset, lane: 1, quota_day: input.quotaDay, updated_at: input.now })
    .where('message_id', '=', input.messageId)
    .where('state', 'in', priorStates(M.reschedule))
    .where('attempts', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------
// release (a worker's shutdown)

/**
 * `release`: a stopping worker gives back the mails whose sends it aborted, due at once for the
 * next worker: those it still leases (`sending` under its own lease) and those the aborted attempt
 * already put back (`queued`); their deferred recipients are due at once too. Returns the number
 * of mails released.
 */
export async function releaseMails(db: Database, input: Readonly<{ messageIds: readonly string[]; workerId: string; now: number }>): Promise<number> {
  const { messageIds, workerId, now } = input;
  if (messageIds.length === 0) return 0;
  // From `sending` only under this worker's own lease; from any other prior state as it is.
  const unleased = priorStates(M.release).filter((s) => s !== 'sending');
  const released = await db
    .updateTable('mails')
    .set({ state: M.release.to, due_at: now, lease_owner: null, lease_until: null })
    .where('message_id', 'in', [...messageIds])
    .where((eb) => eb.or([eb('state', 'in', unleased), eb.and([eb('state', '=', 'sending'), eb('lease_owner', '=', workerId)])]))
    .executeTakeFirst();
  await db
    .updateTable('mail_recipients')
    .set({ next_attempt_at: now })
    .where('message_id', 'in', [...messageIds])
    .where('status', 'in', priorStates(R.release))
    .execute();
  return Number(released.numUpdatedRows);
}

// ---------------------------------------------------------------------------------------------
// late reports (after the next hop's 2xx: DSNs and relay events)

export type LateReportInput = Readonly<{
  recipientId: string;
  transition: Extract<RecipientTransition, 'lateBounce' | 'remoteDelay' | 'remoteDelivery'>;
  /** When the report says it happened (or when it arrived). */
  at: number;
  statusCode: string | null;
  diagnostic: string;
  remoteMta: string | null;
  bounce?: Readonly<{ category: string | null; subCategory: string | null }>;
  /** The recipient and its mail, for the `recipient.bounced` webhook event of a `lateBounce`. */
  subject?: Readonly<{ mail: MailSubject; recipient: Pick<RecipientSubject, 'id' | 'email' | 'kind'> }>;
}>;

/**
 * A late report about a recipient the next hop took (`sent`): `lateBounce` makes it `bounced` (with
 * Zoho's bounce fields), `remoteDelay` / `remoteDelivery` keep it `sent` and record the DSN action
 * and the remote's words. Compare-and-set on `sent`: a replayed or out-of-order report changes
 * nothing (false).
 */
export async function recordLateReport(db: Database, input: LateReportInput): Promise<boolean> {
  const transition: Transition<RecipientStatus> = R[input.transition];
  const bounced = input.transition === 'lateBounce';
  const result = await db
    .updateTable('mail_recipients')
    .set({
      ...(bounced ? { status: 'bounced' as const, done_at: input.at, bounced_at: input.at, bounce_category: input.bounce?.category ?? null, bounce_sub_category: input.bounce?.subCategory ?? null } : {}),
      action: bounced ? 'failed' : input.transition === 'remoteDelay' ? 'delayed' : 'delivered',
      ...(input.statusCode !== null ? { status_code: input.statusCode } : {}),
      diagnostic: input.diagnostic.slice(0, 1000),
      ...(input.remoteMta !== null ? { remote_mta: input.remoteMta } : {}),
    })
    .where('id', '=', input.recipientId)
    .where('status', 'in', priorStates(transition))
    .executeTakeFirst();
  const moved = Number(result.numUpdatedRows) > 0;
  if (moved && bounced && input.subject) {
    const { mail, recipient } = input.subject;
    const subject: RecipientSubject = { ...recipient, status: 'bounced', action: 'failed', status_code: input.statusCode, diagnostic: input.diagnostic.slice(0, 1000), remote_mta: input.remoteMta };
    await emitWebhookEvents(db, [recipientEvent('recipient.bounced', mail, subject, input.at, { bounce: { category: input.bounce?.category ?? null, sub_category: input.bounce?.subCategory ?? null } })], input.at);
  }
  return moved;
}

// ---------------------------------------------------------------------------------------------
// reply

/**
 * `reply`: the person answered (src/replies/): a `sent` recipient becomes `replied` (its DSN action
 * stays `delivered`). Compare-and-set on `sent`: a second reply, a reply to a recipient a late
 * report bounced, or a replayed one changes nothing (false). Runs in the transaction that stores
 * the reply.
 */
export async function recordReply(db: Database, input: Readonly<{ recipientId: string }>): Promise<boolean> {
  const result = await db
    .updateTable('mail_recipients')
    .set({ status: R.reply.to, action: 'delivered' })
    .where('id', '=', input.recipientId)
    .where('status', 'in', priorStates(R.reply))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
