import { formatZohoDateTime, timeZoneOffsetMinutes } from '../time.js';

/**
 * The browser's `datetime-local` value (`2026-12-01T09:30`, no offset) read in the user's time
 * zone: an ISO-8601 date-time with that zone's offset at that moment, as `scheduled_time` wants.
 * Null when the text is malformed or names a wall time that does not exist (a DST gap).
 */
export function localToOffsetDateTime(value: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? '0'));
  if (Number.isNaN(wall)) return null;
  // Two rounds settle the offset in effect at the instant (it may differ from the guess near a change).
  let instant = wall - timeZoneOffsetMinutes(wall, timeZone) * 60_000;
  instant = wall - timeZoneOffsetMinutes(instant, timeZone) * 60_000;
  const written = formatZohoDateTime(instant, timeZone);
  const wanted = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}`;
  return written.startsWith(wanted) ? written : null;
}

/** Now (or `ms`) as a `datetime-local` value in `timeZone`, to the minute. */
export function localInputValue(ms: number, timeZone: string): string {
  return formatZohoDateTime(ms, timeZone).slice(0, 16);
}
