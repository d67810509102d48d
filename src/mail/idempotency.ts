import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../context.js';
import { backoffMs } from '../db/availability.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { completeHeldKey, deleteHeldKey, findKey, insertKeyIfAbsent, takeOverKey, type KeyRow } from './idempotency-repository.js';

/**
 * `Idempotency-Key` (beyond Zoho; IETF draft semantics), per org, kept 24 h:
 * - same key, same request, after completion → the stored answer is replayed, nothing runs again;
 * - same key, different request → 422 IDEMPOTENCY_KEY_REUSED;
 * - same key while the first is still running → 409 IDEMPOTENCY_IN_PROGRESS with `Retry-After`.
 * The answer is stored in the same transaction that accepts the mail, so a crash after the commit
 * still replays. A request that accepted nothing releases its key (a corrected retry may run).
 *
 * A crash before the commit leaves the key `running`. It is taken over by the next request with
 * the key as soon as the request that holds it is known to be dead:
 * - its API process stopped beating (src/db/process-heartbeat.ts) for 3 × HEARTBEAT_SECONDS, or
 * - it has been running for RUNNING_LIMIT_MS, whatever its process (a hung request, or a release
 *   that failed during a database outage).
 * Taking over never duplicates: a request commits its answer only while its own claim still
 * holds (`claim_token`), so a request that was slow rather than dead fails at commit with 409.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** A request running this long is taken for dead. send_mail does its work in seconds; each statement is limited to 30 s. */
export const RUNNING_LIMIT_MS = 60 * 1000;
const KEY_PATTERN = /^[A-Za-z0-9_\-.:]{1,255}$/;

/** A key this request holds: only the request with this token may complete or release it. */
export type HeldKey = { key: string; token: string; claimedAt: number };

/**
 * The answer a key keeps: what the API answered, rendered by the HTTP layer and stored as it is
 * (rows written by earlier versions hold the same shape), replayed unchanged.
 */
export type StoredAnswer = { status: number; body: unknown };

export type IdempotencyClaim = ({ kind: 'new' } & HeldKey) | { kind: 'replay'; answer: StoredAnswer };

export async function claimIdempotencyKey(
  ctx: Context,
  orgId: string,
  key: string,
  fingerprint: string,
): Promise<IdempotencyClaim> {
  if (!KEY_PATTERN.test(key)) throw new AppError('IDEMPOTENCY_KEY_INVALID');
  const now = ctx.clock.now();
  const token = randomBytes(12).toString('hex');
  const values = {
    org_id: orgId,
    key,
    fingerprint,
    state: 'running' as const,
    response_status: null,
    response_body: null,
    created_at: now,
    expires_at: now + IDEMPOTENCY_TTL_MS,
    owner_process: ctx.heartbeat.id,
    claim_token: token,
  };
  const held: IdempotencyClaim = { kind: 'new', key, token, claimedAt: now };
  const row = await findKey(ctx.db, orgId, key);
  if (!row) {
    // Two requests racing for a new key: the insert decides, the loser sees it in progress.
    if (await insertKeyIfAbsent(ctx.db, values)) return held;
    return claimAfterRace(ctx, orgId, key, fingerprint);
  }
  const verdict = judge(ctx, row, fingerprint, now);
  if (verdict !== 'take') return verdict;
  // Take over an expired or abandoned key only if nobody else did in between (compare-and-set).
  if (await takeOverKey(ctx.db, { org_id: orgId, key, created_at: row.created_at, state: row.state, claim_token: row.claim_token }, values)) {
    if (row.state === 'running') {
      ctx.log.warn({ event: 'idempotency.taken_over', org_id: orgId, owner_process: row.owner_process, running_ms: now - row.created_at }, 'Idempotency-Key of a request that died was taken over');
    }
    return held;
  }
  return claimAfterRace(ctx, orgId, key, fingerprint);
}

/** What a request with this key gets: the replay, 'take' (the key is free or its holder dead), or an error. */
function judge(ctx: Context, row: KeyRow, fingerprint: string, now: number): Exclude<IdempotencyClaim, { kind: 'new' }> | 'take' {
  if (row.expires_at <= now) return 'take';
  const takeoverAt = row.state === 'running' ? takeoverTime(ctx, row) : Infinity;
  if (takeoverAt <= now) return 'take';
  if (row.fingerprint !== fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED');
  if (row.state === 'running') {
    throw new AppError('IDEMPOTENCY_IN_PROGRESS', { retryAfterSeconds: (takeoverAt - now) / 1000 });
  }
  return { kind: 'replay', answer: { status: row.response_status ?? 200, body: JSON.parse(row.response_body ?? 'null') as unknown } };
}

/**
 * When a `running` key may be taken over: once its process has been silent for the heartbeat's
 * stale time (at once if the process has no heartbeat row: it stopped), and at the latest
 * RUNNING_LIMIT_MS after the claim. `Retry-After` of a 409 counts down to this moment.
 */
function takeoverTime(ctx: Context, row: KeyRow): number {
  const limit = row.created_at + RUNNING_LIMIT_MS;
  if (row.owner_process === null) return limit;
  if (row.owner_seen === null) return row.created_at;
  return Math.min(limit, row.owner_seen + ctx.heartbeat.staleAfterMs);
}

/** Another request changed the key between our read and our write: answer from what it left. */
async function claimAfterRace(ctx: Context, orgId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
  const row = await findKey(ctx.db, orgId, key);
  const verdict = row ? judge(ctx, row, fingerprint, ctx.clock.now()) : 'take';
  if (verdict !== 'take') return verdict;
  throw new AppError('IDEMPOTENCY_IN_PROGRESS', { retryAfterSeconds: 1 });
}

/**
 * Stores the answer; call inside the transaction that commits the request's effects. Throws
 * IDEMPOTENCY_IN_PROGRESS (rolling the transaction back) when the claim no longer holds: the
 * request ran so long that a retry took its key over, and that retry's answer is the one kept.
 */
export async function completeIdempotencyKey(db: Database, orgId: string, held: HeldKey, answer: StoredAnswer): Promise<void> {
  const completed = await completeHeldKey(db, orgId, held.key, held.token, { status: answer.status, bodyText: JSON.stringify(answer.body) });
  if (!completed) throw new AppError('IDEMPOTENCY_IN_PROGRESS', { retryAfterSeconds: 1 });
}

/**
 * Gives the key back after a request that accepted nothing (or failed). If the database is away
 * the release is retried in the background until it goes through or the key could be taken over
 * anyway (RUNNING_LIMIT_MS), so a retry is not kept waiting for the limit after a short outage.
 */
export async function releaseIdempotencyKey(ctx: Context, orgId: string, held: HeldKey): Promise<void> {
  try {
    await deleteHeldKey(ctx.db, orgId, held.key, held.token);
  } catch (error) {
    ctx.log.warn({ event: 'idempotency.release_failed', org_id: orgId, err: error }, 'could not release an Idempotency-Key; retrying in the background');
    void releaseLater(ctx, orgId, held);
  }
}

async function releaseLater(ctx: Context, orgId: string, held: HeldKey): Promise<void> {
  for (let attempt = 0; ctx.clock.now() < held.claimedAt + RUNNING_LIMIT_MS; attempt += 1) {
    await sleep(backoffMs(attempt), undefined, { ref: false });
    try {
      await deleteHeldKey(ctx.db, orgId, held.key, held.token);
      ctx.log.info({ event: 'idempotency.released_late', org_id: orgId, attempts: attempt + 1 }, 'Idempotency-Key released after the database came back');
      return;
    } catch {
      // Still away: try again after the next back-off.
    }
  }
}
