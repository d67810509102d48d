import { sql } from 'kysely';
import type { Database, Dialect } from '../db/database.js';
import type { MailRow } from '../mail/mail-repository.js';

/**
 * The mail row is the queue. A mail is due when `due_at <= now`; claiming it sets
 * `state = 'sending'`, names the worker in `lease_owner`, and moves `due_at` to the lease expiry,
 * so a mail whose worker died becomes due again by itself — no sweeper needed.
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
/** `mail_recipients.in_flight`: no attempt under way, claimed for one, or handed over (see above). */
export const IN_FLIGHT = { none: 0, claimed: 1, handedOver: 2 } as const;

export type ClaimInput = { workerId: string; now: number; leaseMs: number; limit: number; firstLane: 0 | 1 };

const CLAIMABLE = sql`state in ('queued', 'sending')`;

export async function claimDueMails(db: Database, dialect: Dialect, input: ClaimInput): Promise<MailRow[]> {
  if (input.limit <= 0) return [];
  const leaseUntil = input.now + input.leaseMs;
  // PostgreSQL: concurrent workers skip rows another worker is claiming (FOR UPDATE SKIP LOCKED),
  // and one statement does the claim and the recipients' mark (data-modifying CTEs: one round
  // trip). SQLite has one writer at a time: the same two steps in one transaction are atomic.
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const lane = (n: 0 | 1) => sql`
    select message_id, lane, due_at from (
      select message_id, lane, due_at from mails
       where lane = ${n} and due_at <= ${input.now} and ${CLAIMABLE}
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
    state = 'sending', lease_owner = ${input.workerId}, lease_until = ${leaseUntil},
    due_at = ${leaseUntil}, attempts = attempts + 1, lane = 1, updated_at = ${input.now}`;
  const markSet = sql`
    possible_duplicate = case when in_flight = ${IN_FLIGHT.handedOver} then 1 else possible_duplicate end,
    in_flight = ${IN_FLIGHT.claimed}`;
  const dueRecipient = sql`status in ('queued', 'deferred') and (next_attempt_at is null or next_attempt_at <= ${input.now})`;

  let rows: MailRow[];
  if (dialect === 'postgres') {
    ({ rows } = await sql<MailRow>`
      with picked as (${picked}),
      claimed as (
        update mails set ${claimSet} where message_id in (select message_id from picked) returning *),
      marked as (
        update mail_recipients set ${markSet}
         where message_id in (select message_id from claimed) and ${dueRecipient})
      select * from claimed`.execute(db));
  } else {
    rows = await db.transaction().execute(async (tx) => {
      const claimed = (await sql<MailRow>`update mails set ${claimSet} where message_id in (${picked}) returning *`.execute(tx)).rows;
      if (claimed.length > 0) {
        const ids = sql.join(claimed.map((m) => sql`${m.message_id}`));
        await sql`update mail_recipients set ${markSet} where message_id in (${ids}) and ${dueRecipient}`.execute(tx);
      }
      return claimed;
    });
  }
  return rows.map((row) => ({ ...row, due_at: num(row.due_at), lease_until: num(row.lease_until), created_at: Number(row.created_at) }));
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** The earliest due time of any unfinished mail, to sleep until then. */
export async function nextDueAt(db: Database): Promise<number | null> {
  const row = await db.selectFrom('mails').select((eb) => eb.fn.min('due_at').as('next')).where('due_at', 'is not', null).executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/**
 * One claim of a mail: the worker and the mail's `attempts` after that claim. A later claim —
 * by another worker, or by the same one after the lease ran out — makes it stale.
 */
export type Claim = { workerId: string; messageId: string; attempt: number };

/**
 * Marks recipients handed over (`in_flight = 2`): the transport is about to let the final dot go,
 * and waits for this commit before it does. Only recipients of mails still held by the claim
 * they were attempted under are marked — the fence that keeps an attempt whose lease ran out (and
 * whose mail was claimed again meanwhile) from delivering it: its transaction ends before the
 * dot. On PostgreSQL the mail rows are locked (FOR UPDATE) for that check, so a concurrent claim is
 * either seen or comes after this mark (and then flags the recipient). Returns the ids marked.
 */
export async function markHandedOver(db: Database, dialect: Dialect, claims: readonly Claim[], recipientIds: readonly string[]): Promise<Set<string>> {
  if (recipientIds.length === 0 || claims.length === 0) return new Set();
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
  if (recipientIds.length <= 500) await mark(db);
  else await db.transaction().execute(mark);
  return marked;
}
