import type { Database } from '../db/database.js';
import type { IdempotencyKeyTable } from '../db/schema.js';

/** Idempotency-Keys per org (`idempotency_keys`); see `idempotency.ts` for the rules. */
export type IdempotencyKeyRow = IdempotencyKeyTable;

/** A key with when its owner process last beat (null when that process has no heartbeat row). */
export type KeyRow = IdempotencyKeyRow & { owner_seen: number | null };

export async function findKey(db: Database, orgId: string, key: string): Promise<KeyRow | undefined> {
  return db
    .selectFrom('idempotency_keys as k')
    .leftJoin('process_heartbeats as p', 'p.id', 'k.owner_process')
    .selectAll('k')
    .select('p.last_seen as owner_seen')
    .where('k.org_id', '=', orgId)
    .where('k.key', '=', key)
    .executeTakeFirst();
}

/** Inserts a new key unless the org has it already; answers whether it was inserted. */
export async function insertKeyIfAbsent(db: Database, row: IdempotencyKeyRow): Promise<boolean> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'key']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/**
 * Replaces the key with `row` only if it is still as `seen` was read (compare-and-set on its
 * creation, state and claim); answers whether it was replaced.
 */
export async function takeOverKey(db: Database, seen: Pick<IdempotencyKeyRow, 'org_id' | 'key' | 'created_at' | 'state' | 'claim_token'>, row: IdempotencyKeyRow): Promise<boolean> {
  const updated = await db
    .updateTable('idempotency_keys')
    .set(row)
    .where('org_id', '=', seen.org_id)
    .where('key', '=', seen.key)
    .where('created_at', '=', seen.created_at)
    .where('state', '=', seen.state)
    .where((eb) => (seen.claim_token === null ? eb('claim_token', 'is', null) : eb('claim_token', '=', seen.claim_token)))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Stores the answer of the running key this claim token holds; answers whether the claim still held. */
export async function completeHeldKey(db: Database, orgId: string, key: string, token: string, answer: { status: number; bodyText: string }): Promise<boolean> {
  const updated = await db
    .updateTable('idempotency_keys')
    .set({ state: 'done', response_status: answer.status, response_body: answer.bodyText, owner_process: null })
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .where('claim_token', '=', token)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Deletes the running key this claim token holds (nothing if the claim no longer holds). */
export async function deleteHeldKey(db: Database, orgId: string, key: string, token: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .where('claim_token', '=', token)
    .where('state', '=', 'running')
    .execute();
}
