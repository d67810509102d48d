import type { Edition } from '../db/schema.js';
import { formatZohoDateTime, timeZoneOffsetMinutes } from '../time.js';

/**
 * The daily individual-mail limit (docs/zoho-contract.md §16), as pure functions: how many an org may send
 * per day, what one mail counts, and which day an instant belongs to.
 */

/** Free edition: 50 per confirmed active user; with more than 4 such users, 200 in all. */
export const FREE_PER_USER = 50;
export const FREE_CAP = 200;
export const FREE_CAP_ABOVE_USERS = 4;
/** Paid editions (Standard, Professional, Enterprise, Ultimate alike): 300 per confirmed active user. */
export const PAID_PER_USER = 300;

/** An org's daily limit; an override (set by `mailroom org update --daily-mail-limit`) wins. */
export function dailyLimitFor(org: { edition: Edition }, confirmedActiveUsers: number, override: number | null): number {
  if (override !== null) return override;
  const users = Math.max(0, Math.floor(confirmedActiveUsers));
  if (org.edition === 'free') return users > FREE_CAP_ABOVE_USERS ? FREE_CAP : FREE_PER_USER * users;
  return PAID_PER_USER * users;
}

/**
 * What a send counts against the limit. Free: every recipient address (to, cc AND bcc — Zoho names
 * to and cc; a bcc receives the mail just the same, and not counting it would make the limit a
 * matter of moving addresses to bcc). Paid: one per mail, whatever its recipients (Zoho counts
 * "emails" there and calls out per-address counting for Free only).
 */
export function quotaUnits(edition: Edition, recipients: number, mails = 1): number {
  return edition === 'free' ? recipients : mails;
}

/**
 * The day an instant belongs to in an IANA zone: its local calendar date, `YYYY-MM-DD`. Keyed by
 * the date (not by "midnight + 24 h"), a DST day of 23 or 25 hours is still one day, and a zone
 * whose clocks fall back across midnight re-enters the same day's counter instead of a new one.
 */
export function dayKeyOf(instantMs: number, timeZone: string): string {
  return formatZohoDateTime(instantMs, timeZone).slice(0, 10);
}

/** The first instant after `instantMs` that belongs to the next local day (normally local 00:00). */
export function nextLocalMidnight(instantMs: number, timeZone: string): number {
  const today = dayKeyOf(instantMs, timeZone);
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const tomorrowAsUtc = Date.UTC(y, m - 1, d + 1);
  // Local 00:00 = that wall time minus the offset in force then; the offset at "now" may differ
  // (a DST change before midnight), so take it again at the first guess.
  let guess = tomorrowAsUtc - timeZoneOffsetMinutes(instantMs, timeZone) * 60_000;
  guess = tomorrowAsUtc - timeZoneOffsetMinutes(guess, timeZone) * 60_000;
  if (guess > instantMs && dayKeyOf(guess, timeZone) > today && dayKeyOf(guess - 1, timeZone) === today) return guess;
  // A zone whose midnight does not exist that day (clocks jump from 23:59 to 01:00): search for
  // the first instant of the next date. Offsets are at most ±14 h, so it lies within 48 h.
  let low = instantMs;
  let high = instantMs + 48 * 3_600_000;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (dayKeyOf(mid, timeZone) > today) high = mid;
    else low = mid;
  }
  return high;
}
