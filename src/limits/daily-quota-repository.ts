import type { Database } from '../db/database.js';

export type ReserveInput = Readonly<{ orgId: string; dayKey: string; amount: number; limit: number }>;
export type ReserveResult = { ok: true; used: number } | { ok: false; used: number; limit: number };

/**
 * Adds `amount` to the org's counter of `dayKey` if the total stays within `limit`, in ONE
 * conditional statement:
 *
 *   insert … values (org, day, amount)
 *   on conflict (org_id, day) do update set used = used + amount where used + amount <= limit
 *   returning used
 *
 * No row back means the limit would be exceeded (nothing changed). Both databases evaluate the
 * condition against the row as it is at that moment: PostgreSQL locks the conflicting row and
 * re-reads its latest committed version (a concurrent reservation waits for the other transaction
 * to commit or roll back), SQLite has one writer. So concurrent reservations never add up past the
 * limit. Run it in the accepting transaction: the reservation commits or rolls back with the mails.
 * On PostgreSQL the row stays locked until then, which serialises one org's acceptances — the price
 * of an exact count. A refusal does not abort the transaction (it is not an error).
 */
export async function reserveDailyQuota(db: Database, input: ReserveInput): Promise<ReserveResult> {
  const { orgId, dayKey, amount, limit } = input;
  if (!Number.isInteger(amount) || amount < 0) throw new RangeError(`amount must be a whole number ≥ 0, got ${amount}`);
  // The insert branch has no condition: an amount larger than the whole limit never fits.
  if (amount > limit) return { ok: false, used: await dailyQuotaUsed(db, orgId, dayKey), limit };
  const row = await db
    .insertInto('daily_mail_usage')
    .values({ org_id: orgId, day: dayKey, used: amount })
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'day'])
        .doUpdateSet((eb) => ({ used: eb('daily_mail_usage.used', '+', eb.ref('excluded.used')) }))
        .where((eb) => eb(eb('daily_mail_usage.used', '+', eb.ref('excluded.used')), '<=', limit)),
    )
    .returning('used')
    .executeTakeFirst();
  if (row) return { ok: true, used: Number(row.used) };
  return { ok: false, used: await dailyQuotaUsed(db, orgId, dayKey), limit };
}

/** Gives back `amount` (a mail cancelled before it went); never below zero. */
export async function releaseDailyQuota(db: Database, input: Readonly<{ orgId: string; dayKey: string; amount: number }>): Promise<void> {
  const { orgId, dayKey, amount } = input;
  if (!Number.isInteger(amount) || amount <= 0) return;
  await db
    .updateTable('daily_mail_usage')
    .set((eb) => ({
      used: eb.case().when('used', '>', amount).then(eb('used', '-', amount)).else(0).end(),
    }))
    .where('org_id', '=', orgId)
    .where('day', '=', dayKey)
    .execute();
}

export async function dailyQuotaUsed(db: Database, orgId: string, dayKey: string): Promise<number> {
  const row = await db
    .selectFrom('daily_mail_usage')
    .select('used')
    .where('org_id', '=', orgId)
    .where('day', '=', dayKey)
    .executeTakeFirst();
  return row ? Number(row.used) : 0;
}
