import { sql } from 'kysely';
import type { Database, Dialect } from '../db/database.js';
import type { MailRow } from '../mail/mail-repository.js';

/**
 * The mail row is the queue. A mail is due when `due_at <= now`; claiming it sets
 * `state = 'sending'`, names the worker in `lease_owner`, and moves `due_at` to the lease expiry,
 * so a mail whose worker died becomes due again by itself — no sweeper needed.
 */
export async function claimDueMails(
  db: Database,
  dialect: Dialect,
  input: { workerId: string; now: number; leaseMs: number; limit: number },
): Promise<MailRow[]> {
  if (input.limit <= 0) return [];
  const leaseUntil = input.now + input.leaseMs;
  // PostgreSQL: concurrent workers skip rows another worker is claiming (FOR UPDATE SKIP LOCKED).
  // SQLite has one writer at a time, so the same statement without the locking clause is atomic.
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const { rows } = await sql<MailRow>`
    update mails
       set state = 'sending', lease_owner = ${input.workerId}, lease_until = ${leaseUntil},
           due_at = ${leaseUntil}, attempts = attempts + 1, updated_at = ${input.now}
     where message_id in (
           select message_id from mails
            where due_at <= ${input.now} and state in ('queued', 'sending')
            order by due_at
            limit ${input.limit}
            ${lock})
    returning *`.execute(db);
  return rows.map((row) => ({ ...row, due_at: num(row.due_at), lease_until: num(row.lease_until), created_at: Number(row.created_at) }));
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** The earliest due time of any unfinished mail, to sleep until then. */
export async function nextDueAt(db: Database): Promise<number | null> {
  const row = await db.selectFrom('mails').select((eb) => eb.fn.min('due_at').as('next')).where('due_at', 'is not', null).executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}
