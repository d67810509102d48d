import { createHash } from 'node:crypto';
import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { bodyText } from '../wire/json-body.js';

/**
 * `Idempotency-Key` (beyond Zoho; IETF draft semantics), per org, kept 24 h:
 * - same key, same request, after completion → the stored answer is replayed, nothing runs again;
 * - same key, different request → 422 IDEMPOTENCY_KEY_REUSED;
 * - same key while the first is still running → 409 IDEMPOTENCY_IN_PROGRESS.
 * The answer is stored in the same transaction that accepts the mail, so a crash after the commit
 * still replays. A request that accepted nothing releases its key (a corrected retry may run).
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** A `running` key older than this belongs to a request that died before committing anything. */
const ABANDONED_AFTER_MS = 2 * 60 * 1000;
const KEY_PATTERN = /^[A-Za-z0-9_\-.:]{1,255}$/;

export type IdempotencyClaim =
  | { kind: 'new'; key: string }
  | { kind: 'replay'; status: number; body: unknown };

/**
 * The request as the key remembers it. The body is serialised as parsed (whitespace does not
 * matter); an id sent as a JSON number beyond 2^53 (a bigint) counts as its digits, so it is the
 * same request as the id sent as a string.
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n${bodyText(body ?? null)}`).digest('hex');
}

export async function claimIdempotencyKey(
  ctx: Context,
  orgId: string,
  key: string,
  fingerprint: string,
): Promise<IdempotencyClaim> {
  if (!KEY_PATTERN.test(key)) throw new AppError('IDEMPOTENCY_KEY_INVALID');
  const now = ctx.clock.now();
  const row = await ctx.db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .executeTakeFirst();
  const values = {
    org_id: orgId,
    key,
    fingerprint,
    state: 'running' as const,
    response_status: null,
    response_body: null,
    created_at: now,
    expires_at: now + IDEMPOTENCY_TTL_MS,
  };
  if (!row) {
    // Two requests racing for a new key: the insert decides, the loser sees it in progress.
    const inserted = await ctx.db
      .insertInto('idempotency_keys')
      .values(values)
      .onConflict((oc) => oc.columns(['org_id', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { kind: 'new', key };
    return claimAfterRace(ctx, orgId, key, fingerprint);
  }
  const reusable = row.expires_at <= now || (row.state === 'running' && row.created_at <= now - ABANDONED_AFTER_MS);
  if (!reusable) {
    if (row.fingerprint !== fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED');
    if (row.state === 'running') throw new AppError('IDEMPOTENCY_IN_PROGRESS');
    return { kind: 'replay', status: row.response_status ?? 200, body: JSON.parse(row.response_body ?? 'null') as unknown };
  }
  // Take over an expired or abandoned key only if nobody else did in between (compare-and-set).
  const updated = await ctx.db
    .updateTable('idempotency_keys')
    .set(values)
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .where('created_at', '=', row.created_at)
    .where('state', '=', row.state)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1) return { kind: 'new', key };
  return claimAfterRace(ctx, orgId, key, fingerprint);
}

async function claimAfterRace(ctx: Context, orgId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
  const row = await ctx.db.selectFrom('idempotency_keys').selectAll().where('org_id', '=', orgId).where('key', '=', key).executeTakeFirst();
  if (row && row.fingerprint !== fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED');
  throw new AppError('IDEMPOTENCY_IN_PROGRESS');
}

/** Stores the answer; call inside the transaction that commits the request's effects. */
export async function completeIdempotencyKey(db: Database, orgId: string, key: string, status: number, body: unknown): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ state: 'done', response_status: status, response_body: JSON.stringify(body) })
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .execute();
}

export async function releaseIdempotencyKey(db: Database, orgId: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('org_id', '=', orgId).where('key', '=', key).where('state', '=', 'running').execute();
}
