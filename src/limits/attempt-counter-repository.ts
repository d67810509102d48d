import type { Database } from '../db/database.js';

/**
 * Counters of attempts per fixed time window, in the database so that every API process sees the
 * same counts (table `attempt_counters`, migration 0011). A window starts with its first attempt
 * and lasts `windowMs`; a counter whose window has ended counts from 1 again and is purged.
 */
export type AttemptScope = 'sign_in_pair' | 'sign_in_address' | 'sign_in_account' | 'sign_in_known' | 'smtp_check';

export type CounterId = Readonly<{ scope: AttemptScope; key: string }>;
export type Counter = Readonly<{ scope: AttemptScope; key: string; count: number; expiresAt: number }>;

/**
 * Counts one attempt, atomically (one upsert: concurrent attempts of several processes all
 * count), and answers the count in the current window and when that window ends.
 */
export async function countAttempt(db: Database, id: CounterId, now: number, windowMs: number): Promise<Counter> {
  const row = await db
    .insertInto('attempt_counters')
    .values({ scope: id.scope, key: id.key, count: 1, expires_at: now + windowMs })
    .onConflict((oc) =>
      oc.columns(['scope', 'key']).doUpdateSet((eb) => {
        const over = eb('attempt_counters.expires_at', '<=', now);
        return {
          count: eb.case().when(over).then(1).else(eb('attempt_counters.count', '+', 1)).end(),
          expires_at: eb.case().when(over).then(now + windowMs).else(eb.ref('attempt_counters.expires_at')).end(),
        };
      }),
    )
    .returning(['count', 'expires_at'])
    .executeTakeFirstOrThrow();
  return { ...id, count: Number(row.count), expiresAt: Number(row.expires_at) };
}

/** Sets a counter to 1 until `expiresAt` (a marker, e.g. "this account signed in from here"). */
export async function markCounter(db: Database, id: CounterId, expiresAt: number): Promise<void> {
  await db
    .insertInto('attempt_counters')
    .values({ scope: id.scope, key: id.key, count: 1, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({ count: 1, expires_at: expiresAt }))
    .execute();
}

/** The live counters among `ids` (windows not ended at `now`); missing ones have no attempts. */
export async function readCounters(db: Database, ids: readonly CounterId[], now: number): Promise<Counter[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('attempt_counters')
    .select(['scope', 'key', 'count', 'expires_at'])
    .where((eb) => eb.or(ids.map((id) => eb.and([eb('scope', '=', id.scope), eb('key', '=', id.key)]))))
    .where('expires_at', '>', now)
    .execute();
  return rows.map((row) => ({ scope: row.scope as AttemptScope, key: row.key, count: Number(row.count), expiresAt: Number(row.expires_at) }));
}

export async function clearCounter(db: Database, id: CounterId): Promise<void> {
  await db.deleteFrom('attempt_counters').where('scope', '=', id.scope).where('key', '=', id.key).execute();
}

/** Deletes every counter whose window ended (keeps the table as small as the live windows). */
export async function purgeEndedCounters(db: Database, now: number): Promise<void> {
  await db.deleteFrom('attempt_counters').where('expires_at', '<=', now).execute();
}
