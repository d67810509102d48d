import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { withRelaxedDurability } from '../db/relaxed-durability.js';
import { WINDOW_HOURS } from './api-limits.js';

export type CreditInput = Readonly<{ orgId: string; hour: number; limit: number }>;

/** Credits used in the window ending with `hour` (including this request when ok), and the oldest hour still in it. */
export type CreditResult = Readonly<{ ok: boolean; used: number; oldestHour: number }>;

/**
 * Counts one API credit in the org's bucket of `hour` if the rolling window (this hour and the 23
 * before) stays within `limit` — ONE statement per request:
 *
 *   insert (org, hour, 1)
 *   on conflict do update set used = used + 1 where used + (credits of the earlier hours) < limit
 *   returning used, (credits of the earlier hours), (oldest hour in use)
 *
 * No row back: refused, nothing counted. The update's condition reads the current hour's row as
 * locked by the update (PostgreSQL; two first requests of an hour meet in the primary key and the
 * loser takes the update path) or under the one writer (SQLite), so concurrent requests cannot
 * both take the last credit; the earlier hours no longer change. The insert (first request of an
 * hour) has no condition — a conditional `insert … select … where` costs SQLite ≈8× more — so
 * when it lands in a window that was already full, the credit is taken back by a second statement
 * (only then: at most once per org and hour while over the limit).
 *
 * Written as SQL text rather than with the query builder: it runs on every API request, and
 * building and compiling it with Kysely cost ≈150 µs, more than running it.
 */
export async function consumeApiCredit(db: Database, input: CreditInput): Promise<CreditResult> {
  const { orgId, hour, limit } = input;
  const from = hour - WINDOW_HOURS;
  const earlier = sql<number>`(select coalesce(sum(w.used), 0) from api_credit_usage w where w.org_id = ${orgId} and w.hour > ${from} and w.hour < ${hour})`;
  const statement = sql<{ used: number; earlier: number | null; oldest: number | null }>`
    insert into api_credit_usage (org_id, hour, used) values (${orgId}, ${hour}, 1)
    on conflict (org_id, hour) do update set used = api_credit_usage.used + 1
    where api_credit_usage.used + ${earlier} < ${limit}
    returning used, ${earlier} as earlier,
      (select min(w.hour) from api_credit_usage w where w.org_id = ${orgId} and w.hour > ${from} and w.used > 0) as oldest`;

  const { rows } = await withRelaxedDurability(db, (conn) => statement.execute(conn));
  const row = rows[0];
  if (!row) return { ok: false, ...(await windowUsage(db, orgId, hour)) };
  const used = Number(row.used) + Number(row.earlier ?? 0);
  if (used > limit) {
    // Only the unconditional insert gets here (an update never passes the limit): take it back.
    await withRelaxedDurability(db, (conn) =>
      conn
        .updateTable('api_credit_usage')
        .set((eb) => ({ used: eb('used', '-', 1) }))
        .where('org_id', '=', orgId)
        .where('hour', '=', hour)
        .where('used', '>', 0)
        .execute(),
    );
    return { ok: false, ...(await windowUsage(db, orgId, hour)) };
  }
  const oldest = Math.min(row.oldest === null || row.oldest === undefined ? hour : Number(row.oldest), hour);
  return { ok: true, used, oldestHour: oldest };
}

/** Credits used in the window ending with `hour`, and the oldest hour still counted. */
export async function windowUsage(db: Database, orgId: string, hour: number): Promise<{ used: number; oldestHour: number }> {
  const row = await db
    .selectFrom('api_credit_usage')
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('used'), eb.lit(0)).as('used'), eb.fn.min<number>('hour').as('oldest')])
    .where('org_id', '=', orgId)
    .where('hour', '>', hour - WINDOW_HOURS)
    .where('hour', '<=', hour)
    .where('used', '>', 0)
    .executeTakeFirst();
  return { used: Number(row?.used ?? 0), oldestHour: row?.oldest == null ? hour : Number(row.oldest) };
}

/** Drops the org's buckets that left the window before `hour`. */
export async function pruneApiCredits(db: Database, orgId: string, hour: number): Promise<void> {
  await db
    .deleteFrom('api_credit_usage')
    .where('org_id', '=', orgId)
    .where('hour', '<=', hour - WINDOW_HOURS)
    .execute();
}

// Credit writes run without waiting for the disk (src/db/relaxed-durability.ts): the counts may be
// lost in a crash (an org gets some credits back); a durable commit per API request is not worth it.
// PostgreSQL: the table is UNLOGGED (migration 0006), which already commits without a WAL flush.

/**
 * Adds `count` credits counted in memory by one process (api-credit-counter.ts) to the org's
 * bucket of `hour`: one upsert, unconditional (the process already decided to admit them).
 */
export async function addApiCredits(db: Database, orgId: string, hour: number, count: number): Promise<void> {
  const statement = sql`
    insert into api_credit_usage (org_id, hour, used) values (${orgId}, ${hour}, ${count})
    on conflict (org_id, hour) do update set used = api_credit_usage.used + ${count}`;
  await withRelaxedDurability(db, (conn) => statement.execute(conn));
}
