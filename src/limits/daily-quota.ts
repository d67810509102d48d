import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { findOrgLimitFacts, type OrgLimitFacts } from '../orgs/org-repository.js';
import { formatZohoDateTime } from '../time.js';
import { dailyLimitFor, dayKeyOf, nextLocalMidnight, quotaUnits } from './daily-limit.js';
import { dailyQuotaUsed, releaseDailyQuota, reserveDailyQuota } from './daily-quota-repository.js';

/**
 * The daily individual-mail limit as send_mail and the worker use it (docs/zoho-contract.md §16): what is
 * left today, reserving for an acceptance, giving back for a cancellation.
 *
 * The day is the local calendar date in the ORG's time zone (not the caller's): every user of an
 * org shares one counter. Reservations happen inside the caller's transaction, so they commit or
 * roll back together with the mails they count.
 */
export type DailyQuotaStatus = Readonly<{
  period: 'day';
  /** The local calendar date counted, `YYYY-MM-DD` in the org's time zone. */
  day: string;
  limit: number;
  used: number;
  remaining: number;
  /** The next local midnight, ISO-8601 with the org's offset (`2026-01-16T00:00:00+01:00`). */
  resets_at: string;
}>;

export type ReserveMailsInput = Readonly<{
  orgId: string;
  /** Recipient addresses that will be sent to (to + cc + bcc, after de-duplication and blocked ones). */
  recipientsCount: number;
  /** Mails these recipients belong to (paid editions count mails); default 1. */
  mailsCount?: number;
  /**
   * Picks the day counted: the acceptance time — or a scheduled mail's `scheduled_at`, to count
   * it on the day it goes (then release from that day if it is cancelled or moved).
   */
  now: number;
}>;

/** A reservation that went through: what was counted, and on which day (to release it later). */
export type DailyQuotaReservation = DailyQuotaStatus & Readonly<{ reserved: number }>;

export type TryReserveResult = { ok: true; reservation: DailyQuotaReservation } | { ok: false; status: DailyQuotaStatus };

/**
 * Reserves what a send counts (see `quotaUnits`) against today's limit in `tx`; throws
 * DAILY_LIMIT_EXCEEDED (400 `LIMIT_EXCEEDED`, `details: {period: "day", allowed_limit}`) when it
 * does not fit, leaving the counter unchanged and `tx` usable.
 */
export async function checkAndReserve(ctx: Context, tx: Database, input: ReserveMailsInput): Promise<DailyQuotaReservation> {
  const result = await tryReserve(ctx, tx, input);
  if (!result.ok) throw dailyLimitError(result.status);
  return result.reservation;
}

/** Like `checkAndReserve`, without throwing (for the worker, which records a refusal instead). */
export async function tryReserve(ctx: Context, tx: Database, input: ReserveMailsInput): Promise<TryReserveResult> {
  const facts = await limitFacts(ctx, tx, input.orgId);
  return reserveWith(ctx, tx, facts, quotaUnits(facts.edition, input.recipientsCount, input.mailsCount ?? 1), input.now);
}

/**
 * One reservation per mail, in order, for a multi-item send_mail: each mail fits or not on its own
 * (a later, smaller one may still fit after a larger one was refused). The org is read once, then
 * one statement per mail.
 */
export async function tryReserveEach(
  ctx: Context,
  tx: Database,
  input: Readonly<{ orgId: string; recipientCounts: readonly number[]; now: number }>,
): Promise<TryReserveResult[]> {
  const facts = await limitFacts(ctx, tx, input.orgId);
  const results: TryReserveResult[] = [];
  for (const recipients of input.recipientCounts) results.push(await reserveWith(ctx, tx, facts, quotaUnits(facts.edition, recipients), input.now));
  return results;
}

/** One mail's share of a batch's reservation: counted on `day`; its status once the batch committed. */
export type DeferredReservation = Readonly<{ day: string; reserved: number; status: () => DailyQuotaStatus }>;

/**
 * The reservations of acceptances that commit together (group commit without savepoints,
 * `batch.together`): each mail adds its units with no statement, and `commit` — the batch's last
 * step — reserves each day's total in ONE conditional statement. If a total does not fit, `commit`
 * throws: the batch rolls back and every acceptance runs again alone, reserving mail by mail
 * (`tryReserve`), so a mail refused for the limit is refused exactly as before. The org's row is
 * then locked from that statement to the COMMIT only, not for the whole batch (decision 0009).
 */
export class BatchReservations {
  private readonly days = new Map<string, { facts: OrgLimitFacts; limit: number; amount: number; used: number | null; now: number }>();

  constructor(
    private readonly ctx: Context,
    private readonly orgId: string,
  ) {}

  async add(tx: Database, input: Readonly<{ recipientsCount: number; mailsCount?: number; now: number }>): Promise<DeferredReservation> {
    const facts = await limitFacts(this.ctx, tx, this.orgId);
    const amount = quotaUnits(facts.edition, input.recipientsCount, input.mailsCount ?? 1);
    const day = dayKeyOf(input.now, facts.time_zone);
    const entry = this.days.get(day) ?? { facts, limit: limitOf(facts), amount: 0, used: null, now: input.now };
    entry.amount += amount;
    this.days.set(day, entry);
    return {
      day,
      reserved: amount,
      status: () => statusOf(entry.facts, day, entry.limit, entry.used ?? 0, entry.now),
    };
  }

  async commit(tx: Database): Promise<void> {
    for (const [day, entry] of [...this.days].sort(([a], [b]) => a.localeCompare(b))) {
      const result = await reserveDailyQuota(tx, { orgId: this.orgId, dayKey: day, amount: entry.amount, limit: entry.limit });
      if (!result.ok) throw new Error(`the batch's ${entry.amount} units do not fit the daily limit of ${day}: each acceptance runs alone`);
      entry.used = result.used;
    }
  }
}

/** Reserves `amount` units on the org-local day of `now`. */
async function reserveWith(ctx: Context, tx: Database, facts: OrgLimitFacts, amount: number, now: number): Promise<TryReserveResult> {
  const limit = limitOf(facts);
  const day = dayKeyOf(now, facts.time_zone);
  const result = await reserveDailyQuota(tx, { orgId: facts.id, dayKey: day, amount, limit });
  const status = statusOf(facts, day, limit, result.used, now);
  if (result.ok) return { ok: true, reservation: { ...status, reserved: amount } };
  ctx.log.info({ event: 'limits.daily_exceeded', org_id: facts.id, day, limit, used: result.used, requested: amount }, 'daily mail limit reached');
  return { ok: false, status };
}

/**
 * Gives a reservation back (a mail cancelled before it went). Pass the `day` and `reserved` of the
 * reservation: recomputing them later could pick another day (the org's zone changed) or another
 * unit (the edition changed).
 */
export async function releaseReservation(tx: Database, input: Readonly<{ orgId: string; day: string; amount: number }>): Promise<void> {
  await releaseDailyQuota(tx, { orgId: input.orgId, dayKey: input.day, amount: input.amount });
}

/**
 * Moves a reservation to the day of `to` (a scheduled mail moved to another day): reserves the
 * same units on the new day first, then gives the old day's back; nothing changes when the new
 * day is full (`ok: false`) or is the same day. Run it in the transaction that moves the mail.
 */
export async function moveReservation(
  ctx: Context,
  tx: Database,
  input: Readonly<{ orgId: string; day: string; amount: number; to: number }>,
): Promise<{ ok: true; day: string } | { ok: false; status: DailyQuotaStatus }> {
  const facts = await limitFacts(ctx, tx, input.orgId);
  const day = dayKeyOf(input.to, facts.time_zone);
  if (day === input.day) return { ok: true, day };
  const result = await reserveWith(ctx, tx, facts, input.amount, input.to);
  if (!result.ok) return result;
  await releaseDailyQuota(tx, { orgId: facts.id, dayKey: input.day, amount: input.amount });
  return { ok: true, day };
}

/** Today's limit, use and reset time for an org (no reservation). */
export async function quotaStatus(db: Database, orgId: string, now: number): Promise<DailyQuotaStatus> {
  const facts = await findOrgLimitFacts(db, orgId);
  if (!facts) throw new AppError('INVALID_TOKEN');
  const day = dayKeyOf(now, facts.time_zone);
  return statusOf(facts, day, limitOf(facts), await dailyQuotaUsed(db, orgId, day), now);
}

/** The error send_mail answers in `data[i]` when a mail does not fit. */
export function dailyLimitError(status: DailyQuotaStatus): AppError {
  return new AppError('DAILY_LIMIT_EXCEEDED', { details: { period: status.period, allowed_limit: status.limit } });
}

/**
 * The org's edition, zone, limit override and user counts, through this process's cache (read in
 * `tx` on a miss: never through another connection while a transaction is open). A user added or
 * an org changed in this process is seen at once (create-user.ts, update-org.ts invalidate it),
 * elsewhere within CACHE_TTL_SECONDS; the reservation itself is always exact against that limit.
 */
async function limitFacts(ctx: Context, tx: Database, orgId: string): Promise<OrgLimitFacts> {
  const facts = await ctx.cache.orgLimitFacts.load(orgId, () => findOrgLimitFacts(tx, orgId));
  if (!facts) throw new AppError('INVALID_TOKEN');
  return facts;
}

const limitOf = (facts: OrgLimitFacts): number => dailyLimitFor(facts, facts.confirmed_users, facts.daily_mail_limit);

function statusOf(facts: OrgLimitFacts, day: string, limit: number, used: number, now: number): DailyQuotaStatus {
  return {
    period: 'day',
    day,
    limit,
    used,
    remaining: Math.max(0, limit - used),
    resets_at: formatZohoDateTime(nextLocalMidnight(now, facts.time_zone), facts.time_zone),
  };
}
